"""What ECS says about the deployment we started: pure classification of a
``describe_services`` service payload, and new service events to stream.

Safety rule: a deployment is done when ECS marks *our* deployment's ``rolloutState``
COMPLETED, not when task counts match (counts match for a while before a circuit breaker
trips, and during a rollback). A rollout that FAILED, was rolled back, or was superseded
by someone else's deployment ends the watch with a reason a person can act on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Status = Literal["in_progress", "completed", "failed", "rolled_back", "replaced"]
# "completed", "steady-state", "paused" or a lifecycle stage (service_deployment.STAGES):
# see parse_wait_for.
WaitFor = str
WAIT_FOR_CHOICES: tuple[str, ...] = ("completed", "steady-state", "paused")
TERMINAL: frozenset[str] = frozenset({"completed", "failed", "rolled_back", "replaced"})


@dataclass(frozen=True)
class DeploymentState:
    status: Status
    reason: str
    deployment_id: str
    task_definition: str | None = None
    running: int = 0
    desired: int = 0
    pending: int = 0
    failed_tasks: int = 0
    rollout_state: str | None = None
    rollout_state_reason: str | None = None
    # The service's PRIMARY deployment (ours while all is well).
    primary_id: str | None = None
    primary_task_definition: str | None = None
    deployments: int = 0

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def near_end(self) -> bool:
        """Looks close to a verdict: all new tasks running (ECS is draining the old ones
        before marking COMPLETED) or tasks failing (the circuit breaker may trip)."""
        if self.terminal:
            return True
        all_running = self.desired > 0 and self.running >= self.desired and self.pending == 0
        return all_running or self.failed_tasks > 0

    def key(self) -> tuple[object, ...]:
        """What counts as "something changed" between two polls."""
        return (
            self.status,
            self.reason,
            self.running,
            self.desired,
            self.pending,
            self.failed_tasks,
            self.rollout_state,
            self.primary_id,
            self.deployments,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "reason": self.reason,
            "deployment_id": self.deployment_id,
            "task_definition": self.task_definition,
            "running": self.running,
            "desired": self.desired,
            "pending": self.pending,
            "failed_tasks": self.failed_tasks,
            "rollout_state": self.rollout_state,
            "rollout_state_reason": self.rollout_state_reason,
            "primary_id": self.primary_id,
            "primary_task_definition": self.primary_task_definition,
        }


class DeploymentNotFoundError(LookupError):
    pass


def _deployments(service: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(service.get("deployments") or [])


def _primary(service: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for deployment in _deployments(service):
        if deployment.get("status") == "PRIMARY":
            return deployment
    return None


def started_deployment_id(update_service_response: Mapping[str, Any]) -> str:
    """The id of the deployment an ``update_service`` call started: its PRIMARY entry."""
    service = update_service_response.get("service", update_service_response)
    primary = _primary(service)
    if primary is None or not primary.get("id"):
        raise DeploymentNotFoundError("update_service response has no PRIMARY deployment")
    return str(primary["id"])


def find_deployment_id(
    service: Mapping[str, Any], task_definition_arn: str, *, not_before: datetime | None = None
) -> str:
    """Find our deployment by task definition ARN (newest first), created at or after
    ``not_before`` when given: for when the ``update_service`` response is not at hand."""
    matches = [
        d
        for d in _deployments(service)
        if d.get("taskDefinition") == task_definition_arn
        and (not_before is None or (d.get("createdAt") and d["createdAt"] >= not_before))
    ]
    if not matches:
        raise DeploymentNotFoundError(
            f"no deployment of {task_definition_arn} in service {service.get('serviceName')!r}"
        )
    matches.sort(key=lambda d: d.get("createdAt") or datetime.min, reverse=True)
    return str(matches[0]["id"])


def _short(arn: str | None) -> str:
    """``arn:…:task-definition/web:42`` → ``web:42``."""
    if not arn:
        return "?"
    return arn.rsplit("/", 1)[-1]


def classify(
    service: Mapping[str, Any] | None,
    deployment_id: str,
    previous_task_definition: str | None,
    *,
    wait_for: WaitFor = "completed",
) -> DeploymentState:
    """Classify our deployment in one ``describe_services`` service payload.

    ``service`` is ``None`` when ECS reported the service MISSING.
    """
    if service is None:
        return DeploymentState("failed", "service not found (MISSING)", deployment_id)
    name = service.get("serviceName", "?")
    deployments = _deployments(service)
    ours = next((d for d in deployments if d.get("id") == deployment_id), None)
    primary = _primary(service)
    base: dict[str, Any] = {
        "deployment_id": deployment_id,
        "primary_id": primary.get("id") if primary else None,
        "primary_task_definition": primary.get("taskDefinition") if primary else None,
        "deployments": len(deployments),
    }
    if ours is not None:
        base.update(
            task_definition=ours.get("taskDefinition"),
            running=int(ours.get("runningCount", 0)),
            desired=int(ours.get("desiredCount", 0)),
            pending=int(ours.get("pendingCount", 0)),
            failed_tasks=int(ours.get("failedTasks", 0)),
            rollout_state=ours.get("rolloutState"),
            rollout_state_reason=ours.get("rolloutStateReason"),
        )

    status = service.get("status")
    if status != "ACTIVE":
        return DeploymentState("failed", f"service {name} is {status}, not ACTIVE", **base)

    primary_td = base["primary_task_definition"]
    others_primary = primary is not None and primary.get("id") != deployment_id
    if ours is None:
        if primary is None:
            return DeploymentState(
                "failed", f"deployment {deployment_id} vanished and {name} has none", **base
            )
        if previous_task_definition and primary_td == previous_task_definition:
            return DeploymentState(
                "rolled_back",
                f"deployment {deployment_id} is gone and {name} is back on "
                f"{_short(primary_td)} (rolled back, e.g. by the deployment circuit breaker)",
                **base,
            )
        return DeploymentState(
            "replaced",
            f"deployment {deployment_id} was replaced by deployment {primary.get('id')} "
            f"of {_short(primary_td)} (someone else deployed)",
            **base,
        )

    rollout = ours.get("rolloutState")
    rollout_reason = ours.get("rolloutStateReason") or ""
    if rollout == "FAILED":
        if others_primary:
            return DeploymentState(
                "rolled_back",
                f"{rollout_reason or 'deployment failed'} "
                f"ECS is rolling back to {_short(primary_td)}.".strip(),
                **base,
            )
        return DeploymentState("failed", rollout_reason or "rolloutState FAILED", **base)
    if others_primary and primary is not None:
        if previous_task_definition and primary_td == previous_task_definition:
            return DeploymentState(
                "rolled_back",
                f"{name} was updated back to {_short(primary_td)} while deployment "
                f"{deployment_id} was {rollout or 'in progress'}",
                **base,
            )
        return DeploymentState(
            "replaced",
            f"deployment {deployment_id} was superseded by deployment {primary.get('id')} "
            f"of {_short(primary_td)} (someone else deployed)",
            **base,
        )
    if rollout == "COMPLETED":
        if wait_for == "completed":
            return DeploymentState("completed", rollout_reason or "rolloutState COMPLETED", **base)
        waiting = _steady_state_gaps(service, base)
        if not waiting:
            return DeploymentState(
                "completed", f"{rollout_reason or 'rolloutState COMPLETED'} (steady state)", **base
            )
        return DeploymentState(
            "in_progress", "rollout COMPLETED; waiting for steady state: " + waiting, **base
        )
    return DeploymentState(
        "in_progress",
        f"rollout {rollout or 'state unknown'}: {base['running']}/{base['desired']} running, "
        f"{base['pending']} pending, {base['failed_tasks']} failed",
        **base,
    )


def _steady_state_gaps(service: Mapping[str, Any], base: Mapping[str, Any]) -> str:
    gaps = []
    if base["running"] != base["desired"] or base["pending"]:
        gaps.append(f"{base['running']}/{base['desired']} running, {base['pending']} pending")
    if base["deployments"] > 1:
        gaps.append(f"{base['deployments'] - 1} other deployment(s) still active")
    service_running = service.get("runningCount")
    service_desired = service.get("desiredCount")
    if service_running is not None and service_running != service_desired:
        gaps.append(f"service has {service_running}/{service_desired} running")
    return "; ".join(gaps)


# -- service events ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceEvent:
    id: str
    created_at: datetime
    message: str

    @classmethod
    def from_api(cls, event: Mapping[str, Any]) -> ServiceEvent:
        return cls(str(event["id"]), event["createdAt"], str(event.get("message", "")))

    def line(self) -> str:
        return f"{self.created_at.isoformat(timespec='seconds')} {self.message}"


@dataclass
class EventCursor:
    """Remembers what was streamed: the newest timestamp and the ids seen at it.

    Events sharing a timestamp are common (ECS writes several in one second), so the
    cursor keeps every id at the newest timestamp instead of only the last one.
    """

    since: datetime | None = None
    ids_at_since: set[str] = field(default_factory=set)

    def take_new(self, events: Sequence[Mapping[str, Any]]) -> list[ServiceEvent]:
        """Events newer than the cursor, oldest first; advances the cursor."""
        parsed = [ServiceEvent.from_api(e) for e in events]
        fresh = [
            e
            for e in parsed
            if self.since is None
            or e.created_at > self.since
            or (e.created_at == self.since and e.id not in self.ids_at_since)
        ]
        # The API lists newest first; stream oldest first (stable for equal timestamps).
        fresh.reverse()
        fresh.sort(key=lambda e: e.created_at)
        if fresh:
            newest = fresh[-1].created_at
            if self.since is None or newest > self.since:
                self.since = newest
                self.ids_at_since = set()
            self.ids_at_since.update(e.id for e in fresh if e.created_at == newest)
        return fresh

    @classmethod
    def after_existing(cls, events: Sequence[Mapping[str, Any]]) -> EventCursor:
        """A cursor that skips every event already present."""
        cursor = cls()
        cursor.take_new(events)
        return cursor


def new_events(events: Sequence[Mapping[str, Any]], cursor: EventCursor) -> list[ServiceEvent]:
    """Functional spelling of :meth:`EventCursor.take_new`."""
    return cursor.take_new(events)


def deployment_created_at(service: Mapping[str, Any], deployment_id: str) -> datetime | None:
    for deployment in _deployments(service):
        if deployment.get("id") == deployment_id:
            created = deployment.get("createdAt")
            return created if isinstance(created, datetime) else None
    return None
