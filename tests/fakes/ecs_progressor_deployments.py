"""The service-deployment half of the ECS progressor (tests/fakes/ecs_progressor.py): each
recorded deployment's service deployment and its lifecycle (tests/fakes/ecs_lifecycle.py),
the rollout state it drives, the deployment alarms ECS watches, and the answers to
ListServiceDeployments, DescribeServiceDeployments, StopServiceDeployment and
ContinueServiceDeployment. The progressor's docstring says what is modelled."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

from tests.fakes.ecs_lifecycle import SHIFTING, Change
from tests.fakes.ecs_progressor_rollout import Scenario, _Tracked, apply_lifecycle
from tests.fakes.ecs_progressor_tasks import CONTENT_TYPE, _name
from tests.fakes.ecs_service_deployments import ApiError, ServiceDeployments, Tracked

NEVER = 10.0**9  # a rollout that never ends ("stuck"), in seconds
ALARM_READS_EVERY_S = 0.5


class ServiceDeploymentsMixin:
    """Mixed into EcsProgressor, whose state it shares."""

    _lock: threading.RLock
    _clock: Callable[[], float]
    _scenarios: dict[tuple[str, str], Scenario]
    _services: dict[tuple[str, str], _Tracked]
    _deployments: ServiceDeployments

    def _apply_due(self, tracked: _Tracked) -> None: ...

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]: ...

    def _advance(self) -> None:
        """Everything due by now: the scripted rollout steps, the service deployments'
        lifecycles (with the rollout state they drive) and the deployment alarms."""
        now = self._clock()
        for tracked in self._services.values():
            self._apply_due(tracked)
        for deployment, change in self._deployments.advance(now):
            self._show(deployment, change, requested=False)
        for deployment in self._deployments.tracked:
            self._watch_alarms(deployment, now)

    def _show(self, deployment: Tracked, change: Change, *, requested: bool) -> None:
        tracked = self._services.get((deployment.cluster, deployment.service))
        if tracked is None or tracked.rollout is None:
            return
        latest = self._deployments.latest(deployment.cluster, deployment.service)
        if latest is not deployment:
            return  # an older deployment: its rollout state was replaced
        if requested and change.kind == "rollback":
            tracked.follows_lifecycle = True
        if tracked.follows_lifecycle:
            if change.kind == "rollback":
                tracked.steps.clear()  # the scripted rollout ends with the rollback
            apply_lifecycle(tracked.rollout, change)

    def _watch_alarms(self, deployment: Tracked, now: float) -> None:
        """ECS watches a deployment's alarms and rolls back on one in ALARM."""
        lifecycle = deployment.lifecycle
        if not (lifecycle.ongoing and lifecycle.alarms_roll_back):
            return
        tracked = self._services.get((deployment.cluster, deployment.service))
        if tracked is None or now - tracked.alarms_read_at < ALARM_READS_EVERY_S:
            return
        tracked.alarms_read_at = now
        firing = self._alarms_in_alarm(tracked, lifecycle.alarm_names)
        if firing:
            for change in lifecycle.alarm_fired(firing, now):
                self._show(deployment, change, requested=False)

    def _alarms_in_alarm(self, tracked: _Tracked, names: tuple[str, ...]) -> tuple[str, ...]:
        """moto's CloudWatch DescribeAlarms (awsJson 1.0), as the caller of ECS: the same
        credentials, signed for CloudWatch (moto routes by the credential scope)."""
        headers = {
            k: v.replace("/ecs/aws4_request", "/monitoring/aws4_request")
            for k, v in tracked.headers.items()
        }
        headers["X-Amz-Target"] = "GraniteServiceVersion20100801.DescribeAlarms"
        headers["Content-Type"] = "application/x-amz-json-1.0"
        body = json.dumps({"AlarmNames": list(names)}).encode()
        try:
            status, _, data = self._forward("POST", "/", headers, body)
        except OSError:
            return ()
        if status != 200:
            return ()
        alarms = json.loads(data).get("MetricAlarms") or []
        return tuple(sorted(a["AlarmName"] for a in alarms if a.get("StateValue") == "ALARM"))

    def _start_service_deployment(
        self, tracked: _Tracked, service: Mapping[str, Any], source: str, target: str
    ) -> None:
        """The service deployment of a recorded deployment: its strategy's lifecycle."""
        scenario = self._scenarios.get((tracked.cluster, tracked.service), Scenario())
        configuration = dict(service.get("deploymentConfiguration") or {})
        shifting = str(configuration.get("strategy") or "ROLLING") in SHIFTING
        after = NEVER if scenario.outcome == "stuck" else scenario.after_s
        self._deployments.start(
            tracked.cluster,
            tracked.service,
            configuration=configuration,
            desired=int(service.get("desiredCount") or 0),
            now=self._clock(),
            source_task_definition=source,
            target_task_definition=target,
            after_s=after,
            minute_s=scenario.minute_s,
            fault=scenario.lifecycle_fault(shifting),
        )
        tracked.follows_lifecycle = shifting
        if shifting:
            tracked.steps.clear()  # the lifecycle, not the rolling script, moves the rollout

    def _service_deployment_call(
        self, operation: str, request: dict[str, Any]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """The service-deployment API, answered by the double (moto has none)."""
        with self._lock:
            self._advance()
            now = self._clock()
            deployments = self._deployments
            try:
                if operation == "ListServiceDeployments":
                    after = (request.get("createdAt") or {}).get("after")
                    answer: dict[str, Any] = deployments.list(
                        _name(str(request.get("cluster") or "default")),
                        _name(str(request.get("service") or "")),
                        status=request.get("status"),
                        after=after,
                    )
                elif operation == "DescribeServiceDeployments":
                    answer = deployments.describe(
                        list(request.get("serviceDeploymentArns") or []), self._source_running
                    )
                else:
                    arn = str(request.get("serviceDeploymentArn") or "")
                    if operation == "StopServiceDeployment":
                        changes = deployments.stop(
                            arn, str(request.get("stopType") or "ROLLBACK"), now
                        )
                    else:
                        changes = deployments.resume(
                            arn,
                            str(request.get("hookId") or ""),
                            str(request.get("action") or "CONTINUE"),
                            now,
                        )
                    found = deployments.find(arn)
                    for change in changes:
                        self._show(found, change, requested=True)
                    answer = {"serviceDeploymentArn": arn}
            except ApiError as error:
                payload = {"__type": error.code, "message": error.message}
                return 400, [("Content-Type", CONTENT_TYPE)], json.dumps(payload).encode()
            return 200, [("Content-Type", CONTENT_TYPE)], json.dumps(answer).encode()

    def _source_running(self, deployment: Tracked) -> int:
        tracked = self._services.get((deployment.cluster, deployment.service))
        if tracked is None:
            return 0
        target = deployment.lifecycle
        others = [d for d in tracked.deployments if d.get("status") != "PRIMARY"] or [
            d for d in tracked.deployments
        ]
        return 0 if target.status == "SUCCESSFUL" else int(others[-1].get("runningCount", 0))
