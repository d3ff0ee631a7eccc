"""A scripted ECS: a test double for deployment dynamics that moto cannot produce.

Why it exists: moto's ECS never progresses a deployment. After ``update_service`` the new
deployment stays PRIMARY with ``rolloutState`` IN_PROGRESS (or none) forever; there are no
task failures, no circuit breaker, no rollback, no COMPLETED and no service events. The
watcher's whole job is to tell those apart, so its tests drive them with scripts instead.

``ScriptedEcs`` answers the boto3 ECS client calls the watcher, the diagnosis and one-off
tasks make -- ``describe_services``, ``list_tasks``, ``describe_tasks``, ``run_task`` (and
``update_service`` for the deployment id) -- with payloads shaped like the real API's:

* deployments: ``id`` (``ecs-svc/<19 digits>``), ``status`` PRIMARY/ACTIVE,
  ``taskDefinition`` ARN, ``desiredCount``/``pendingCount``/``runningCount``,
  ``failedTasks``, ``rolloutState`` IN_PROGRESS/COMPLETED/FAILED with
  ``rolloutStateReason`` worded as ECS words it, ``createdAt``/``updatedAt`` datetimes,
  ``launchType``, ``networkConfiguration``;
* service ``events`` newest first, ``{id, createdAt, message}``, with ECS's messages
  ("(service web) has started 2 tasks: ...", "... has reached a steady state.", the
  circuit breaker's "deployment failed: tasks failed to start.");
* tasks started by the service carry the deployment id in ``startedBy``; stopped tasks have
  ``stopCode``, ``stoppedReason`` and per-container ``exitCode``/``reason``;
* ``describe_services`` of an unknown service returns a ``failures`` entry MISSING;
  ``run_task`` of an awsvpc task definition without ``networkConfiguration`` raises
  ``InvalidParameterException``, as ECS does.

Behaviours modelled, as timed steps relative to the double's creation (virtual time 0 is
when the deployment under test started):

* ``Scenario.completes(after_s)``: new tasks pending, then all running, the old deployment
  drains, then the rollout is COMPLETED, the old deployment is gone and a steady-state
  event is written.
* ``Scenario.circuit_breaker_rollback(fail_after_s)``: every new task exits 1 and is
  replaced; at ``fail_after_s`` the rollout is FAILED ("ECS deployment circuit breaker:
  tasks failed to start."), a new PRIMARY deployment of the previous task definition
  appears, and later the failed deployment disappears and the rollback completes.
* ``Scenario.replaced(at_s)``: someone else's update makes a new PRIMARY with another task
  definition; ours turns ACTIVE and later disappears.
* ``Scenario.never_finishes()``: tasks stay PENDING forever.
* ``.throttles(at_s=[...])``: each listed time makes the first ``describe_services`` call at
  or after it raise botocore's ``ClientError`` ThrottlingException (one call per entry).
* ``Scenario.one_off(exit_code, runs_s)``: a steady service; ``run_task`` starts a task
  going PROVISIONING -> PENDING -> RUNNING -> STOPPED at ``runs_s`` with the container's
  exit code (``exit_code=None``: it never started, e.g. an image pull error).

Not modelled: pagination (everything fits in one page), task placement, load balancers,
auto scaling, and the exact wording of every ECS event (the formats above are real).

Time is virtual: ``VirtualClock.sleep`` advances it, so a 30-minute watch runs in
milliseconds. Every call is recorded in ``calls`` with its virtual time and arguments.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from tests.fakes.ecs_lifecycle import Fault
from tests.fakes.ecs_scenarios_deployments import ServiceDeploymentsMixin

REGION = "us-east-1"
ACCOUNT = "123456789012"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


# What describe_services reports for the scenarios of a rolling service.
ROLLING_CONFIGURATION: Mapping[str, Any] = {
    "deploymentCircuitBreaker": {"enable": True, "rollback": True},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
    "strategy": "ROLLING",
}


def taskdef_arn(family: str, revision: int) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:{revision}"


@dataclass
class VirtualClock:
    t: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.sleeps.append(seconds)
        self.t += seconds

    def now(self) -> datetime:
        return T0 + timedelta(seconds=self.t)


@dataclass(frozen=True)
class Call:
    t: float
    operation: str
    params: dict[str, Any]


@dataclass(frozen=True)
class OneOffScript:
    exit_code: int | None = 0
    runs_s: float = 20.0
    container: str = "web"
    stopped_reason: str | None = None
    container_reason: str | None = None


@dataclass(frozen=True)
class Scenario:
    """What happens to the deployment over time; built with the classmethods below."""

    kind: str
    terminal_at: float | None = None  # when ECS records COMPLETED / FAILED / the takeover
    running_at: float | None = None  # when all new tasks are running
    after_s: float | None = None  # kind "lifecycle": the mechanical stages' time
    drain_s: float = 15.0  # how long the failed/old deployment lingers afterwards
    failures: int = 3
    desired: int = 2
    throttle_at: tuple[float, ...] = ()
    one_off_script: OneOffScript | None = None
    exit_code: int = 1  # of the failing service tasks
    # kind "lifecycle": the service's deploymentConfiguration (strategy, bake times, hooks,
    # alarms), the seconds a configured minute lasts, and the fault to script.
    configuration: Mapping[str, Any] | None = None
    minute_s: float = 60.0
    fault: Fault | None = None

    @classmethod
    def completes(
        cls, after_s: float = 20.0, *, running_at_s: float | None = None, desired: int = 2
    ) -> Scenario:
        running = running_at_s if running_at_s is not None else after_s / 2
        assert 0 < running <= after_s
        return cls("completes", terminal_at=after_s, running_at=running, desired=desired)

    @classmethod
    def circuit_breaker_rollback(
        cls, fail_after_s: float = 30.0, *, failures: int = 3, drain_s: float = 15.0
    ) -> Scenario:
        return cls("rollback", terminal_at=fail_after_s, failures=failures, drain_s=drain_s)

    @classmethod
    def replaced(cls, at_s: float = 25.0, *, drain_s: float = 15.0) -> Scenario:
        return cls("replaced", terminal_at=at_s, drain_s=drain_s)

    @classmethod
    def deploys(
        cls,
        configuration: Mapping[str, Any],
        after_s: float = 40.0,
        *,
        minute_s: float = 60.0,
        fault: Fault | None = None,
        desired: int = 2,
    ) -> Scenario:
        """A deployment that follows its strategy's lifecycle (tests/fakes/ecs_lifecycle.py):
        ``after_s`` for the mechanical stages, configured minutes of ``minute_s`` each."""
        return cls(
            "lifecycle",
            after_s=after_s,
            desired=desired,
            configuration=dict(configuration),
            minute_s=minute_s,
            fault=fault,
            terminal_at=after_s,
        )

    @classmethod
    def never_finishes(cls) -> Scenario:
        return cls("never")

    @classmethod
    def one_off(cls, exit_code: int | None = 0, runs_s: float = 20.0, **kw: Any) -> Scenario:
        return cls("steady", one_off_script=OneOffScript(exit_code, runs_s, **kw))

    def throttles(self, at_s: list[float] | tuple[float, ...]) -> Scenario:
        return replace(self, throttle_at=tuple(sorted(at_s)))


class _Ids:
    def __init__(self) -> None:
        self._deploy = itertools.count(5_218_047_183_620_194_301, 7_919)
        self._task = itertools.count(0x3F2A9C41D0B7)
        self._event = itertools.count(1)

    def deployment(self) -> str:
        return f"ecs-svc/{next(self._deploy)}"

    def task(self) -> str:
        return f"{next(self._task):032x}"

    def event(self) -> str:
        n = next(self._event)
        return f"{n:08x}-4c1e-4b7a-9d2f-{n:012x}"


class ScriptedEcs(ServiceDeploymentsMixin):
    """Quacks like ``boto3.client("ecs")`` for the calls the deployment code makes."""

    def __init__(
        self,
        scenario: Scenario,
        clock: VirtualClock | None = None,
        *,
        cluster: str = "app-prod",
        service: str = "web",
        family: str = "web",
        previous_revision: int = 41,
        service_deployment_api: bool = True,
    ) -> None:
        self.scenario = scenario
        self.configuration: Mapping[str, Any] = scenario.configuration or ROLLING_CONFIGURATION
        # False: an endpoint without ListServiceDeployments & co (the calls raise
        # ``UnknownOperationException``), as an older ECS-compatible API would.
        self.service_deployment_api = service_deployment_api
        self.clock = clock or VirtualClock()
        self.start = self.clock.t
        self.cluster = cluster
        self.service_name = service
        self.cluster_arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{cluster}"
        self.service_arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{cluster}/{service}"
        self.family = family
        self.previous_taskdef_arn = taskdef_arn(family, previous_revision)
        self.new_taskdef_arn = taskdef_arn(family, previous_revision + 1)
        self.other_taskdef_arn = taskdef_arn(family, previous_revision + 2)
        self.calls: list[Call] = []
        self._ids = _Ids()
        self._throttles = list(scenario.throttle_at)
        self._steps: list[tuple[float, Callable[[], None]]] = []
        self._events: list[dict[str, Any]] = []  # newest first, like the API
        self.tasks: dict[str, dict[str, Any]] = {}
        self._one_offs: list[tuple[str, float]] = []
        self.network = {
            "awsvpcConfiguration": {
                "subnets": ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"],
                "securityGroups": ["sg-0123456789abcdef0"],
                "assignPublicIp": "DISABLED",
            }
        }
        self.old_id = self._ids.deployment()
        self.deployment_id = self._ids.deployment()
        self.rollback_id: str | None = None
        self.other_id: str | None = None
        self._status = "ACTIVE"
        desired = scenario.desired
        before = T0 + timedelta(seconds=self.start) - timedelta(hours=3)
        old = self._deployment(self.old_id, self.previous_taskdef_arn, "ACTIVE", before)
        old.update(
            runningCount=desired,
            rolloutState="COMPLETED",
            rolloutStateReason=f"ECS deployment {self.old_id} completed.",
        )
        self._event(f"(service {service}) has reached a steady state.", at=before)
        if scenario.kind == "steady":
            old["status"] = "PRIMARY"
            self._deployments = [old]
        else:
            new = self._deployment(self.deployment_id, self.new_taskdef_arn, "PRIMARY", self._now())
            new["pendingCount"] = desired
            self._deployments = [new, old]
        self._script()
        self._start_service_deployment()

    # -- the script ------------------------------------------------------------------------

    def _at(self, t: float, action: Callable[[], None]) -> None:
        self._steps.append((self.start + t, action))

    def _script(self) -> None:
        s = self.scenario
        if s.kind in ("completes", "replaced", "never"):
            self._at(1.0, lambda: self._start_tasks(self.deployment_id, s.desired))
        if s.kind == "completes":
            assert s.terminal_at is not None and s.running_at is not None
            self._at(s.running_at, lambda: self._all_running(self.deployment_id))
            drain = s.running_at + (s.terminal_at - s.running_at) / 2
            self._at(drain, lambda: self._drain(self.old_id))
            self._at(s.terminal_at, lambda: self._complete(self.deployment_id))
        elif s.kind == "rollback":
            assert s.terminal_at is not None
            gap = s.terminal_at / (s.failures + 1)
            for i in range(s.failures):
                self._at(gap * (i + 0.5), lambda: self._start_tasks(self.deployment_id, 1))
                self._at(gap * (i + 1), lambda: self._fail_one(self.deployment_id))
            self._at(s.terminal_at, self._circuit_breaker)
            self._at(s.terminal_at + s.drain_s, self._rollback_done)
        elif s.kind == "replaced":
            assert s.terminal_at is not None
            self._at(s.terminal_at, self._someone_else_deploys)
            self._at(s.terminal_at + s.drain_s, lambda: self._remove(self.deployment_id))

    def _apply_due(self) -> None:
        now = self.clock.t
        due = sorted((step for step in self._steps if step[0] <= now), key=lambda st: st[0])
        self._steps = [step for step in self._steps if step[0] > now]
        for _, action in due:
            action()
        self._advance_service_deployments()
        for arn, stop_at in list(self._one_offs):
            self._progress_one_off(arn, stop_at)

    def _now(self, at: float | None = None) -> datetime:
        return T0 + timedelta(seconds=self.clock.t if at is None else at)

    def _event(self, message: str, at: datetime | None = None) -> None:
        self._events.insert(
            0, {"id": self._ids.event(), "createdAt": at or self._now(), "message": message}
        )

    def _deployment(self, dep_id: str, td: str, status: str, created: datetime) -> dict[str, Any]:
        return {
            "id": dep_id,
            "status": status,
            "taskDefinition": td,
            "desiredCount": self.scenario.desired,
            "pendingCount": 0,
            "runningCount": 0,
            "failedTasks": 0,
            "createdAt": created,
            "updatedAt": created,
            "launchType": "FARGATE",
            "platformVersion": "1.4.0",
            "platformFamily": "Linux",
            "networkConfiguration": copy.deepcopy(self.network),
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": f"ECS deployment {dep_id} in progress.",
        }

    def _find(self, dep_id: str | None) -> dict[str, Any]:
        return next(d for d in self._deployments if d["id"] == dep_id)

    def _touch(self, deployment: dict[str, Any]) -> None:
        deployment["updatedAt"] = self._now()

    def _new_task(self, deployment: dict[str, Any], status: str) -> dict[str, Any]:
        task_id = self._ids.task()
        arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/{self.cluster}/{task_id}"
        task = {
            "taskArn": arn,
            "clusterArn": self.cluster_arn,
            "taskDefinitionArn": deployment["taskDefinition"],
            "lastStatus": status,
            "desiredStatus": "RUNNING",
            "launchType": "FARGATE",
            "platformVersion": "1.4.0",
            "cpu": "256",
            "memory": "512",
            "group": f"service:{self.service_name}",
            "startedBy": deployment["id"],
            "createdAt": self._now(),
            "containers": [
                {
                    "containerArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:container/{self.cluster}/"
                    f"{task_id}/{self._ids.task()[:8]}-c0de",
                    "taskArn": arn,
                    "name": self.family,
                    "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{self.family}:"
                    + deployment["taskDefinition"].rsplit(":", 1)[-1],
                    "lastStatus": status,
                    "healthStatus": "UNKNOWN",
                }
            ],
            "overrides": {"containerOverrides": [{"name": self.family}]},
        }
        self.tasks[arn] = task
        return task

    def _start_tasks(self, dep_id: str, n: int) -> None:
        deployment = self._find(dep_id)
        ids = [
            self._new_task(deployment, "PENDING")["taskArn"].rsplit("/", 1)[-1] for _ in range(n)
        ]
        deployment["pendingCount"] = min(deployment["desiredCount"], n)
        self._touch(deployment)
        self._event(
            f"(service {self.service_name}) has started {n} tasks: "
            + " ".join(f"(task {i})" for i in ids)
            + "."
        )

    def _all_running(self, dep_id: str) -> None:
        deployment = self._find(dep_id)
        deployment.update(runningCount=deployment["desiredCount"], pendingCount=0)
        for task in self.tasks.values():
            if task["startedBy"] == dep_id and task["lastStatus"] == "PENDING":
                task["lastStatus"] = "RUNNING"
                task["startedAt"] = self._now()
                task["containers"][0]["lastStatus"] = "RUNNING"
        self._touch(deployment)
        self._event(
            f"(service {self.service_name}) registered {deployment['desiredCount']} "
            f"targets in (target-group arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:"
            f"targetgroup/{self.service_name}/0a1b2c3d4e5f6a7b)"
        )

    def _drain(self, dep_id: str) -> None:
        deployment = self._find(dep_id)
        n = deployment["runningCount"]
        deployment.update(runningCount=0, desiredCount=0)
        self._touch(deployment)
        self._event(f"(service {self.service_name}) has stopped {n} running tasks.")

    def _complete(self, dep_id: str) -> None:
        deployment = self._find(dep_id)
        self._deployments = [d for d in self._deployments if d["status"] == "PRIMARY"]
        deployment.update(
            rolloutState="COMPLETED", rolloutStateReason=f"ECS deployment {dep_id} completed."
        )
        self._touch(deployment)
        self._event(f"(service {self.service_name}) (deployment {dep_id}) deployment completed.")
        self._event(f"(service {self.service_name}) has reached a steady state.")

    def _fail_one(self, dep_id: str) -> None:
        deployment = self._find(dep_id)
        for task in self.tasks.values():
            if task["startedBy"] == dep_id and task["lastStatus"] != "STOPPED":
                task.update(
                    lastStatus="STOPPED",
                    desiredStatus="STOPPED",
                    stopCode="EssentialContainerExited",
                    stoppedReason="Essential container in task exited",
                    startedAt=self._now(self.clock.t - 0.5),
                    stoppingAt=self._now(),
                    stoppedAt=self._now(),
                )
                container = task["containers"][0]
                container.update(lastStatus="STOPPED", exitCode=self.scenario.exit_code)
                task_id = task["taskArn"].rsplit("/", 1)[-1]
                self._event(
                    f"(service {self.service_name}) has stopped 1 running tasks: (task {task_id})."
                )
        deployment["failedTasks"] += 1
        deployment["pendingCount"] = 0
        self._touch(deployment)

    def _circuit_breaker(self) -> None:
        ours = self._find(self.deployment_id)
        ours.update(
            status="ACTIVE",
            rolloutState="FAILED",
            rolloutStateReason="ECS deployment circuit breaker: tasks failed to start.",
        )
        self._touch(ours)
        self.rollback_id = self._ids.deployment()
        old = self._find(self.old_id)
        self._deployments.remove(old)
        rollback = self._deployment(
            self.rollback_id, self.previous_taskdef_arn, "PRIMARY", self._now()
        )
        rollback["runningCount"] = old["runningCount"]
        self._deployments.insert(0, rollback)
        name = self.service_name
        self._event(
            f"(service {name}) (deployment {self.deployment_id}) deployment failed: "
            "tasks failed to start."
        )
        self._event(f"(service {name}) rolling back to deployment {self.rollback_id}.")

    def _rollback_done(self) -> None:
        self._remove(self.deployment_id)
        rollback = self._find(self.rollback_id)
        rollback.update(
            rolloutState="COMPLETED",
            rolloutStateReason=f"ECS deployment {self.rollback_id} completed.",
        )
        self._touch(rollback)
        self._event(f"(service {self.service_name}) has reached a steady state.")

    def _someone_else_deploys(self) -> None:
        ours = self._find(self.deployment_id)
        ours["status"] = "ACTIVE"
        self._touch(ours)
        self.other_id = self._ids.deployment()
        other = self._deployment(self.other_id, self.other_taskdef_arn, "PRIMARY", self._now())
        self._deployments.insert(0, other)
        self._start_tasks(self.other_id, self.scenario.desired)

    def _remove(self, dep_id: str | None) -> None:
        self._deployments = [d for d in self._deployments if d["id"] != dep_id]

    # -- one-off tasks ---------------------------------------------------------------------

    def _progress_one_off(self, arn: str, stop_at: float) -> None:
        task = self.tasks[arn]
        script = self.scenario.one_off_script or OneOffScript()
        elapsed = self.clock.t - (stop_at - script.runs_s)
        container = next(c for c in task["containers"] if c["name"] == script.container)
        if self.clock.t >= stop_at:
            if task["lastStatus"] == "STOPPED":
                return
            task.update(
                lastStatus="STOPPED",
                desiredStatus="STOPPED",
                stoppingAt=self._now(),
                stoppedAt=self._now(),
            )
            container["lastStatus"] = "STOPPED"
            if script.exit_code is None:
                task["stopCode"] = "TaskFailedToStart"
                task["stoppedReason"] = script.stopped_reason or (
                    "CannotPullContainerError: pull image manifest has been retried 5 time(s)"
                )
                container["reason"] = script.container_reason or "CannotPullContainerError"
            else:
                task["stopCode"] = "EssentialContainerExited"
                task["stoppedReason"] = (
                    script.stopped_reason or "Essential container in task exited"
                )
                container["exitCode"] = script.exit_code
                if script.container_reason:
                    container["reason"] = script.container_reason
            self._one_offs = [(a, s) for a, s in self._one_offs if a != arn]
        elif elapsed >= min(4.0, script.runs_s / 2):
            task["lastStatus"] = container["lastStatus"] = "RUNNING"
            task.setdefault("startedAt", self._now())
        elif elapsed >= min(2.0, script.runs_s / 4):
            task["lastStatus"] = container["lastStatus"] = "PENDING"

    # -- the boto3 surface -----------------------------------------------------------------

    def _record(self, operation: str, params: dict[str, Any]) -> None:
        self.calls.append(Call(self.clock.t, operation, copy.deepcopy(params)))

    def count(self, operation: str) -> int:
        return sum(1 for c in self.calls if c.operation == operation)

    def _service_payload(self) -> dict[str, Any]:
        primary = next(d for d in self._deployments if d["status"] == "PRIMARY")
        return {
            "serviceArn": self.service_arn,
            "serviceName": self.service_name,
            "clusterArn": self.cluster_arn,
            "status": self._status,
            "desiredCount": self.scenario.desired,
            "runningCount": sum(d["runningCount"] for d in self._deployments),
            "pendingCount": sum(d["pendingCount"] for d in self._deployments),
            "launchType": "FARGATE",
            "platformVersion": "LATEST",
            "platformFamily": "Linux",
            "taskDefinition": primary["taskDefinition"],
            "deploymentConfiguration": copy.deepcopy(dict(self.configuration)),
            **self._current_service_deployment(),
            "deployments": copy.deepcopy(self._deployments),
            "events": copy.deepcopy(self._events),
            "createdAt": T0 - timedelta(days=30),
            "networkConfiguration": copy.deepcopy(self.network),
            "schedulingStrategy": "REPLICA",
            "deploymentController": {"type": "ECS"},
            "enableECSManagedTags": True,
            "propagateTags": "SERVICE",
        }

    @staticmethod
    def _error(code: str, message: str, operation: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": message}}, operation)

    def describe_services(self, *, cluster: str, services: list[str], **kw: Any) -> dict[str, Any]:
        self._record("describe_services", {"cluster": cluster, "services": services, **kw})
        if self._throttles and self._throttles[0] <= self.clock.t - self.start:
            self._throttles.pop(0)
            raise self._error("ThrottlingException", "Rate exceeded", "DescribeServices")
        self._apply_due()
        found, failures = [], []
        for name in services:
            if name in (self.service_name, self.service_arn):
                found.append(self._service_payload())
            else:
                arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{self.cluster}/{name}"
                failures.append({"arn": arn, "reason": "MISSING"})
        return {"services": found, "failures": failures}

    def update_service(self, *, cluster: str, service: str, **kw: Any) -> dict[str, Any]:
        """The deployment of the scenario is already started: return the service as now."""
        self._record("update_service", {"cluster": cluster, "service": service, **kw})
        self._apply_due()
        return {"service": self._service_payload()}

    def list_tasks(self, *, cluster: str, **kw: Any) -> dict[str, Any]:
        self._record("list_tasks", {"cluster": cluster, **kw})
        self._apply_due()
        if "startedBy" in kw and len(kw) > 1 + ("desiredStatus" in kw):
            raise self._error(
                "InvalidParameterException",
                "startedBy cannot be combined with other filters",
                "ListTasks",
            )
        wanted = kw.get("desiredStatus", "RUNNING")
        arns = []
        for task in self.tasks.values():
            if task["desiredStatus"] != wanted:
                continue
            if "serviceName" in kw and task["group"] != f"service:{kw['serviceName']}":
                continue
            family = task["taskDefinitionArn"].rsplit("/", 1)[-1].split(":")[0]
            if "family" in kw and family != kw["family"]:
                continue
            if "startedBy" in kw and task["startedBy"] != kw["startedBy"]:
                continue
            arns.append(task["taskArn"])
        return {"taskArns": arns}

    def describe_tasks(self, *, cluster: str, tasks: list[str], **kw: Any) -> dict[str, Any]:
        self._record("describe_tasks", {"cluster": cluster, "tasks": tasks, **kw})
        self._apply_due()
        if len(tasks) > 100:
            raise self._error("InvalidParameterException", "Too many tasks", "DescribeTasks")
        found = [copy.deepcopy(self.tasks[t]) for t in tasks if t in self.tasks]
        failures = [{"arn": t, "reason": "MISSING"} for t in tasks if t not in self.tasks]
        return {"tasks": found, "failures": failures}

    def run_task(self, *, cluster: str, taskDefinition: str, **kw: Any) -> dict[str, Any]:  # noqa: N803
        self._record("run_task", {"cluster": cluster, "taskDefinition": taskDefinition, **kw})
        self._apply_due()
        if "networkConfiguration" not in kw:
            raise self._error(
                "InvalidParameterException",
                "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
                "RunTask",
            )
        if "launchType" in kw and "capacityProviderStrategy" in kw:
            raise self._error(
                "InvalidParameterException",
                "Specifying both a launch type and capacity provider strategy is not supported.",
                "RunTask",
            )
        script = self.scenario.one_off_script or OneOffScript()
        revision = taskDefinition.rsplit(":", 1)[-1]
        td = (
            taskDefinition
            if taskDefinition.startswith("arn:")
            else taskdef_arn(self.family, int(revision) if revision.isdigit() else 1)
        )
        task = self._new_task({"taskDefinition": td, "id": kw.get("startedBy", "")}, "PROVISIONING")
        task["group"] = f"family:{self.family}"
        task["containers"][0]["name"] = script.container
        task["overrides"] = copy.deepcopy(kw.get("overrides", {}))
        task["startedBy"] = kw.get("startedBy")
        self._one_offs.append((task["taskArn"], self.clock.t + script.runs_s))
        return {"tasks": [copy.deepcopy(task)], "failures": []}
