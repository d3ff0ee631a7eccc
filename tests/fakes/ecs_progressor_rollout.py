"""Rolling deployments in the ECS progressor (tests/fakes/ecs_progressor.py): the
scripted steps of a service's rollout state (``deployments`` and service events in
DescribeServices), as the progressor's docstring describes them."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes.ecs_lifecycle import Change, Fault

if TYPE_CHECKING:
    from tests.fakes.ecs_progressor import EcsProgressor

OUTCOMES = ("completed", "circuit_breaker", "stuck")
CIRCUIT_BREAKER_REASON = "ECS deployment circuit breaker: tasks failed to start."


@dataclass(frozen=True)
class Scenario:
    outcome: str = "stuck"
    after_s: float = 5.0
    drain_s: float | None = None  # circuit_breaker: how long the failed deployment lingers
    # Seconds a configured minute (bake times, canary and linear waits) lasts.
    minute_s: float = 60.0
    # BLUE_GREEN, CANARY, LINEAR: a failure scripted at a lifecycle stage.
    fault: Fault | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {self.outcome!r}")
        if self.after_s <= 0 or (self.drain_s is not None and self.drain_s < 0):
            raise ValueError("after_s must be positive and drain_s not negative")
        if self.minute_s <= 0:
            raise ValueError(f"minute_s must be positive, got {self.minute_s}")

    @property
    def drain(self) -> float:
        return self.after_s / 2 if self.drain_s is None else self.drain_s

    def lifecycle_fault(self, shifting: bool) -> Fault | None:
        """The service deployment's fault: the scripted one, or for the circuit_breaker
        outcome the breaker tripping (at the rollout's end for ROLLING, as the rollout
        state's script has it; while the green tasks start for the other strategies)."""
        if self.fault is not None:
            return self.fault
        if self.outcome != "circuit_breaker":
            return None
        return (
            Fault("circuit_breaker", "SCALE_UP", 1.0)
            if shifting
            else Fault("circuit_breaker", fraction=1.0)
        )


@dataclass
class _Tracked:
    """One service's deployments and events as the double reports them."""

    cluster: str
    service: str
    deployments: list[dict[str, Any]]
    events: list[dict[str, Any]] = field(default_factory=list)  # newest first
    steps: list[tuple[float, Callable[[], None]]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # to talk to moto as the caller
    # The rollout of the newest deployment, and whether its service deployment's lifecycle
    # drives it (BLUE_GREEN, CANARY, LINEAR, or a rollback somebody asked for).
    rollout: _Rollout | None = None
    follows_lifecycle: bool = False
    alarms_read_at: float = 0.0  # when the deployment alarms were last read from moto


class _Rollout:
    """The steps of one recorded deployment's scenario; each gets the time it happens at."""

    def __init__(self, progressor: EcsProgressor, tracked: _Tracked, new_id: str) -> None:
        self.progressor = progressor
        self.tracked = tracked
        self.name = tracked.service
        self.new_id = new_id
        self.rollback_id = progressor._deployment_id()
        self.started: list[str] = []  # task ids of the new deployment not yet stopped

    def _find(self, dep_id: str) -> dict[str, Any] | None:
        return next((d for d in self.tracked.deployments if d["id"] == dep_id), None)

    def _event(self, when: float, message: str) -> None:
        self.progressor._event(self.tracked, when, f"(service {self.name}) {message}")

    @staticmethod
    def _touch(deployment: dict[str, Any], when: float) -> None:
        deployment["updatedAt"] = round(when, 3)

    def _start(self, when: float, n: int) -> None:
        ours = self._find(self.new_id)
        if ours is None or n <= 0:
            return
        ours["pendingCount"] = n
        self._touch(ours, when)
        ids = [self.progressor._task_id() for _ in range(n)]
        self.started += ids
        tasks = " ".join(f"(task {task_id})" for task_id in ids)
        self._event(when, f"has started {n} tasks: {tasks}.")

    def start_tasks(self, when: float) -> None:
        ours = self._find(self.new_id)
        self._start(when, int(ours["desiredCount"]) if ours else 0)

    def start_one(self, when: float) -> None:
        self._start(when, 1)

    def all_running(self, when: float) -> None:
        ours = self._find(self.new_id)
        if ours is not None:
            ours.update(runningCount=ours["desiredCount"], pendingCount=0)
            self._touch(ours, when)

    def drain_old(self, when: float) -> None:
        stopped = 0
        for deployment in self.tracked.deployments:
            if deployment["id"] != self.new_id and deployment["runningCount"]:
                stopped += int(deployment["runningCount"])
                deployment.update(runningCount=0, desiredCount=0)
                self._touch(deployment, when)
        if stopped:
            self._event(when, f"has stopped {stopped} running tasks.")

    def complete(self, when: float) -> None:
        ours = self._find(self.new_id)
        if ours is None:
            return
        self.tracked.deployments = [ours]
        ours.update(
            status="PRIMARY",
            rolloutState="COMPLETED",
            rolloutStateReason=f"ECS deployment {self.new_id} completed.",
            runningCount=ours["desiredCount"],
            pendingCount=0,
        )
        self._touch(ours, when)
        self._event(when, f"(deployment {self.new_id}) deployment completed.")
        self._event(when, "has reached a steady state.")

    def fail_one(self, when: float) -> None:
        ours = self._find(self.new_id)
        if ours is None:
            return
        ours.update(failedTasks=ours["failedTasks"] + 1, pendingCount=0, runningCount=0)
        self._touch(ours, when)
        task_id = self.started.pop(0) if self.started else self.progressor._task_id()
        self._event(when, f"has stopped 1 running tasks: (task {task_id}).")

    def circuit_breaker(self, when: float) -> None:
        ours = self._find(self.new_id)
        previous = [d for d in self.tracked.deployments if d["id"] != self.new_id]
        if ours is None or not previous:
            return
        ours.update(
            status="ACTIVE",
            rolloutState="FAILED",
            rolloutStateReason=CIRCUIT_BREAKER_REASON,
            pendingCount=0,
            runningCount=0,
        )
        self._touch(ours, when)
        rollback = copy.deepcopy(previous[0])
        rollback.update(
            id=self.rollback_id,
            status="PRIMARY",
            desiredCount=ours["desiredCount"],
            pendingCount=0,
            failedTasks=0,
            createdAt=round(when, 3),
            updatedAt=round(when, 3),
            rolloutState="IN_PROGRESS",
            rolloutStateReason=f"ECS deployment {self.rollback_id} in progress.",
        )
        self.tracked.deployments = [rollback, ours]
        self._event(when, f"(deployment {self.new_id}) deployment failed: tasks failed to start.")
        self._event(when, f"rolling back to deployment {self.rollback_id}.")
        # ECS points the service back at the previous task definition: so does moto.
        self.progressor._call_upstream(
            self.tracked,
            "UpdateService",
            {
                "cluster": self.tracked.cluster,
                "service": self.tracked.service,
                "taskDefinition": rollback["taskDefinition"],
            },
        )

    def rollback_done(self, when: float) -> None:
        rollback = self._find(self.rollback_id)
        if rollback is None:
            return
        self.tracked.deployments = [rollback]
        rollback.update(
            rolloutState="COMPLETED",
            rolloutStateReason=f"ECS deployment {self.rollback_id} completed.",
            runningCount=rollback["desiredCount"],
            pendingCount=0,
        )
        self._touch(rollback, when)
        self._event(when, "has reached a steady state.")

    def back_to_previous(self, when: float, reason: str) -> None:
        """ECS rolls the deployment back: ours FAILED, the previous one PRIMARY again, and
        moto's service pointed back at its task definition (as ECS's is)."""
        ours = self._find(self.new_id)
        previous = [d for d in self.tracked.deployments if d["id"] != self.new_id]
        if ours is None or not previous:
            return
        ours.update(
            status="ACTIVE",
            rolloutState="FAILED",
            rolloutStateReason=f"ECS deployment {self.new_id} rolled back: {reason}",
        )
        self._touch(ours, when)
        back = previous[0]
        back.update(status="PRIMARY", desiredCount=ours["desiredCount"])
        back["runningCount"] = back["runningCount"] or ours["desiredCount"]
        self._touch(back, when)
        self.rollback_id = back["id"]
        self._event(when, f"(deployment {self.new_id}) deployment failed: {reason}")
        self._event(when, f"rolling back to deployment {back['id']}.")
        self.progressor._call_upstream(
            self.tracked,
            "UpdateService",
            {
                "cluster": self.tracked.cluster,
                "service": self.tracked.service,
                "taskDefinition": back["taskDefinition"],
            },
        )

    def rolled_back(self, when: float) -> None:
        self.rollback_done(when)


def script_rolling(
    progressor: EcsProgressor, tracked: _Tracked, scenario: Scenario, new_id: str, t0: float
) -> None:
    rollout = _Rollout(progressor, tracked, new_id)
    steps: list[tuple[float, Callable[[float], None]]] = []
    if scenario.outcome in ("completed", "stuck"):
        steps.append((scenario.after_s / 4, rollout.start_tasks))
    if scenario.outcome == "completed":
        steps += [
            (scenario.after_s / 2, rollout.all_running),
            (scenario.after_s * 3 / 4, rollout.drain_old),
            (scenario.after_s, rollout.complete),
        ]
    elif scenario.outcome == "circuit_breaker":
        failures = 3
        gap = scenario.after_s / (failures + 1)
        for i in range(failures):
            steps += [(gap * (i + 0.5), rollout.start_one), (gap * (i + 1), rollout.fail_one)]
        steps += [
            (scenario.after_s, rollout.circuit_breaker),
            (scenario.after_s + scenario.drain, rollout.rollback_done),
        ]
    for offset, action in steps:
        when = t0 + offset
        tracked.steps.append((when, functools.partial(action, when)))


def apply_lifecycle(rollout: _Rollout, change: Change) -> None:
    """Show a lifecycle change (tests/fakes/ecs_lifecycle.py) in the rollout state: the
    green tasks start in SCALE_UP and run at its end, the old ones stop in CLEAN_UP, the
    rollout COMPLETES with the service deployment; a rollback fails ours and makes the
    previous deployment PRIMARY again (its tasks still run)."""
    if change.kind == "stage" and change.detail == "SCALE_UP":
        rollout.start_tasks(change.at)
    elif change.kind == "running":
        rollout.all_running(change.at)
    elif change.kind == "stage" and change.detail == "CLEAN_UP":
        rollout.drain_old(change.at)
    elif change.kind == "succeeded":
        rollout.complete(change.at)
    elif change.kind == "rollback":
        rollout.back_to_previous(change.at, change.detail)
    elif change.kind == "rolled_back":
        rollout.rolled_back(change.at)
