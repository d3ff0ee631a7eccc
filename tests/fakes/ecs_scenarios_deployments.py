"""The service-deployment half of the scripted ECS double (tests/fakes/ecs_scenarios.py):
its ListServiceDeployments, DescribeServiceDeployments, StopServiceDeployment and
ContinueServiceDeployment, and how a deployment's lifecycle shows in ``describe_services``.

Every deployment scenario has a service deployment. For the rolling scenarios
(``completes``, ``circuit_breaker_rollback``, ``never_finishes``, ``replaced``) its status
follows the scripted rollout: SUCCESSFUL when the rollout is COMPLETED, rolled back when the
circuit breaker trips. For ``Scenario.deploys`` the lifecycle of the configured strategy
(tests/fakes/ecs_lifecycle.py) drives the rollout state too:

* SCALE_UP starts the new tasks ("has started 2 tasks"), the end of SCALE_UP has them all
  running ("registered 2 targets in (target-group …)");
* SUCCESSFUL completes the rollout: the old deployment is gone, ours COMPLETED, "deployment
  completed" and "has reached a steady state";
* a rollback (alarm, circuit breaker, hook, or requested) marks our rollout FAILED with the
  reason, makes the previous deployment PRIMARY again (its tasks still run during a
  blue/green deployment), writes "deployment failed: <reason>" and "rolling back to
  deployment <id>"; ROLLBACK_SUCCESSFUL removes our deployment and writes "has reached a
  steady state".

A StopServiceDeployment or ContinueServiceDeployment on a rolling scenario rolls its
rollout back the same way. Not modelled: a ``replaced`` scenario's service deployment stays
IN_PROGRESS (ECS's answer for a deployment superseded by another is not documented).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from tests.fakes.ecs_lifecycle import Change, Fault
from tests.fakes.ecs_service_deployments import ApiError, ServiceDeployments, Tracked

NEVER = 10.0**9  # a rollout that never ends, in seconds


class ServiceDeploymentsMixin:
    """Mixed into ScriptedEcs, whose attributes it uses (clock, scenario, deployments)."""

    scenario: Any
    clock: Any
    start: float
    cluster: str
    service_name: str
    deployment_id: str
    old_id: str
    rollback_id: str | None
    previous_taskdef_arn: str
    new_taskdef_arn: str
    configuration: Any
    service_deployment_api: bool
    _deployments: list[dict[str, Any]]

    def _record(self, operation: str, params: dict[str, Any]) -> None: ...
    def _find(self, dep_id: str | None) -> dict[str, Any]: ...
    def _touch(self, deployment: dict[str, Any]) -> None: ...
    def _event(self, message: str, at: datetime | None = None) -> None: ...
    def _start_tasks(self, dep_id: str, n: int) -> None: ...
    def _all_running(self, dep_id: str) -> None: ...
    def _complete(self, dep_id: str) -> None: ...
    def _remove(self, dep_id: str | None) -> None: ...
    def _now(self, at: float | None = None) -> datetime: ...
    def _apply_due(self) -> None: ...

    service_deployments: ServiceDeployments
    tracked: Tracked | None = None
    _requested = False  # a rollback was asked for: the rollout state follows it

    def _start_service_deployment(self) -> None:
        from tests.fakes.ecs_scenarios import ACCOUNT, REGION, T0

        self.service_deployments = ServiceDeployments(
            REGION, ACCOUNT, lambda t: T0 + timedelta(seconds=t), seed=7
        )
        scenario = self.scenario
        if scenario.kind == "steady":
            return
        after, fault = NEVER, None
        if scenario.kind == "lifecycle":
            after, fault = float(scenario.after_s or scenario.terminal_at or 40.0), scenario.fault
        elif scenario.kind == "completes":
            after = float(scenario.terminal_at)
        elif scenario.kind == "rollback":
            after, fault = float(scenario.terminal_at), Fault("circuit_breaker", fraction=1.0)
        self.tracked = self.service_deployments.start(
            self.cluster,
            self.service_name,
            configuration=self.configuration,
            desired=scenario.desired,
            now=self.start,
            source_task_definition=self.previous_taskdef_arn,
            target_task_definition=self.new_taskdef_arn,
            after_s=after,
            minute_s=scenario.minute_s,
            fault=fault,
        )

    def _current_service_deployment(self) -> dict[str, Any]:
        tracked = self.tracked
        if tracked is None or not self.service_deployment_api:
            return {}
        return {"currentServiceDeployment": tracked.arn}

    def _advance_service_deployments(self) -> None:
        for _, change in self.service_deployments.advance(self.clock.t):
            self._on_change(change, requested=False)

    def _on_change(self, change: Change, *, requested: bool) -> None:
        """Show a lifecycle change in the rollout state: always for ``Scenario.deploys``,
        and for a rollback somebody asked for."""
        if requested and change.kind == "rollback":
            self._requested = True
        if self.scenario.kind != "lifecycle" and not (
            self._requested and change.kind in ("rollback", "rolled_back")
        ):
            return
        if change.kind == "stage" and change.detail == "SCALE_UP":
            self._start_tasks(self.deployment_id, self.scenario.desired)
        elif change.kind == "running":
            self._all_running(self.deployment_id)
        elif change.kind == "succeeded":
            self._complete(self.deployment_id)
        elif change.kind == "rollback":
            self._rolling_back(change.detail)
        elif change.kind == "rolled_back":
            self._remove(self.deployment_id)
            back = self._find(self.old_id)
            back.update(rolloutState="COMPLETED", status="PRIMARY")
            self._touch(back)
            self._event(f"(service {self.service_name}) has reached a steady state.")

    def _rolling_back(self, reason: str) -> None:
        ours = self._find(self.deployment_id)
        ours.update(
            status="ACTIVE",
            rolloutState="FAILED",
            rolloutStateReason=f"ECS deployment {self.deployment_id} rolled back: {reason}",
        )
        self._touch(ours)
        old = next((d for d in self._deployments if d["id"] == self.old_id), None)
        if old is None:  # the rolling circuit breaker already replaced it
            return
        old.update(status="PRIMARY", desiredCount=self.scenario.desired)
        self._touch(old)
        name = self.service_name
        self._event(
            f"(service {name}) (deployment {self.deployment_id}) deployment failed: {reason}"
        )
        self._event(f"(service {name}) rolling back to deployment {self.old_id}.")

    # -- the boto3 surface -----------------------------------------------------------------

    def _refuse_without_api(self, operation: str) -> None:
        if not self.service_deployment_api:
            raise ClientError(
                {"Error": {"Code": "UnknownOperationException", "Message": "Unknown operation"}},
                operation,
            )

    @staticmethod
    def _client_error(error: ApiError, operation: str) -> ClientError:
        return ClientError({"Error": {"Code": error.code, "Message": error.message}}, operation)

    def _source_running(self, tracked: Tracked) -> int:
        old = next((d for d in self._deployments if d["id"] == self.old_id), None)
        return int(old["runningCount"]) if old else 0

    def describe_service_deployments(
        self,
        *,
        serviceDeploymentArns: list[str],  # noqa: N803
    ) -> dict[str, Any]:
        self._record("describe_service_deployments", {"arns": serviceDeploymentArns})
        self._refuse_without_api("DescribeServiceDeployments")
        self._apply_due()
        return self.service_deployments.describe(serviceDeploymentArns, self._source_running)

    def list_service_deployments(self, *, cluster: str, service: str, **kw: Any) -> dict[str, Any]:
        self._record("list_service_deployments", {"cluster": cluster, "service": service, **kw})
        self._refuse_without_api("ListServiceDeployments")
        self._apply_due()
        after = (kw.get("createdAt") or {}).get("after")
        return self.service_deployments.list(cluster, service, status=kw.get("status"), after=after)

    def stop_service_deployment(
        self,
        *,
        serviceDeploymentArn: str,  # noqa: N803
        stopType: str = "ROLLBACK",  # noqa: N803
    ) -> dict[str, Any]:
        self._record("stop_service_deployment", {"arn": serviceDeploymentArn, "type": stopType})
        self._refuse_without_api("StopServiceDeployment")
        self._apply_due()
        try:
            changes = self.service_deployments.stop(serviceDeploymentArn, stopType, self.clock.t)
        except ApiError as error:
            raise self._client_error(error, "StopServiceDeployment") from None
        for change in changes:
            self._on_change(change, requested=True)
        return {"serviceDeploymentArn": serviceDeploymentArn}

    def continue_service_deployment(
        self,
        *,
        serviceDeploymentArn: str,  # noqa: N803
        hookId: str,  # noqa: N803
        action: str = "CONTINUE",
    ) -> dict[str, Any]:
        self._record(
            "continue_service_deployment",
            {"arn": serviceDeploymentArn, "hook": hookId, "action": action},
        )
        self._refuse_without_api("ContinueServiceDeployment")
        self._apply_due()
        try:
            changes = self.service_deployments.resume(
                serviceDeploymentArn, hookId, action, self.clock.t
            )
        except ApiError as error:
            raise self._client_error(error, "ContinueServiceDeployment") from None
        for change in changes:
            self._on_change(change, requested=True)
        return {"serviceDeploymentArn": serviceDeploymentArn}
