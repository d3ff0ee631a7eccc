"""The deployment watch loop: one ``describe_services`` per poll until ECS gives a verdict.

Unlike a ``services_stable`` waiter (which declares success as soon as counts match, even
while the circuit breaker is rolling back), the watch ends only when our deployment's
rollout is COMPLETED, FAILED/rolled back, replaced by someone else's, or the time is up.
Throttling does not end the watch: the loop backs off and asks again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Literal

from slipway.ecs.deployment import (
    WAIT_FOR_CHOICES,
    DeploymentState,
    EventCursor,
    ServiceEvent,
    WaitFor,
    classify,
    deployment_created_at,
)
from slipway.ecs.polling import Backoff, PollSchedule, is_throttling

Outcome = Literal["completed", "failed", "rolled_back", "replaced", "timeout"]


@dataclass
class WatchResult:
    outcome: Outcome
    state: DeploymentState | None
    elapsed: float
    polls: int
    events_seen: int
    # Seconds from the start of the watch to the poll that saw the verdict (None: timeout).
    detected_at: float | None
    throttled: int = 0
    events: list[ServiceEvent] = field(default_factory=list)
    # The last service payload read (for the diagnosis, without another call).
    service: Mapping[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "completed"

    @property
    def reason(self) -> str:
        if self.outcome == "timeout":
            last = f"; last state: {self.state.reason}" if self.state else ""
            return f"no verdict from ECS after {self.elapsed:.0f}s{last}"
        return self.state.reason if self.state else self.outcome

    def to_json(self) -> dict[str, object]:
        return {
            "outcome": self.outcome,
            "reason": self.reason,
            "elapsed_seconds": round(self.elapsed, 3),
            "polls": self.polls,
            "throttled": self.throttled,
            "events_seen": self.events_seen,
            "state": self.state.to_json() if self.state else None,
        }


def describe_service(ecs: Any, cluster: str, service: str) -> Mapping[str, Any] | None:
    """The service payload, or ``None`` when ECS reports it MISSING."""
    response = ecs.describe_services(cluster=cluster, services=[service])
    for payload in response.get("services") or []:
        if payload.get("serviceName") == service or payload.get("serviceArn") == service:
            return payload  # type: ignore[no-any-return]
    services = response.get("services") or []
    return services[0] if services else None


def watch_deployment(  # noqa: PLR0917 (the identity of the deployment is positional)
    ecs_client: Any,
    cluster: str,
    service: str,
    deployment_id: str,
    previous_taskdef_arn: str | None,
    new_taskdef_arn: str | None,
    *,
    timeout_s: float = 1800.0,
    wait_for: WaitFor = "completed",
    on_event: Callable[[ServiceEvent], None] = lambda event: None,
    on_state: Callable[[DeploymentState], None] = lambda state: None,
    schedule: PollSchedule | None = None,
    throttle_backoff: Backoff | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> WatchResult:
    """Poll until our deployment reaches a verdict or ``timeout_s`` passes.

    ``on_event`` gets each new service event once, oldest first (only events from the
    deployment's creation on); ``on_state`` gets the classified state whenever it changes.
    The last poll happens at the deadline itself.
    """
    if wait_for not in WAIT_FOR_CHOICES:
        raise ValueError(f"wait_for must be one of {', '.join(WAIT_FOR_CHOICES)}, got {wait_for!r}")
    schedule = schedule if schedule is not None else PollSchedule()
    schedule.reset()
    backoff = throttle_backoff if throttle_backoff is not None else Backoff()
    start = clock()
    deadline = start + timeout_s
    cursor: EventCursor | None = None
    state: DeploymentState | None = None
    payload: Mapping[str, Any] | None = None
    events: list[ServiceEvent] = []
    polls = throttled = 0
    last_key: tuple[object, ...] | None = None

    def result(outcome: Outcome, detected: float | None) -> WatchResult:
        return WatchResult(
            outcome=outcome,
            state=state,
            elapsed=clock() - start,
            polls=polls,
            events_seen=len(events),
            detected_at=detected,
            throttled=throttled,
            events=events,
            service=payload,
        )

    while True:
        polls += 1
        try:
            payload = describe_service(ecs_client, cluster, service)
        except Exception as exc:
            if not is_throttling(exc):
                raise
            throttled += 1
            remaining = deadline - clock()
            if remaining <= 0:
                return result("timeout", None)
            sleep(min(backoff.next_delay(), remaining))
            continue
        backoff.reset()

        if cursor is None:
            cursor = _initial_cursor(payload, deployment_id)
        fresh = cursor.take_new(payload.get("events") or []) if payload else []
        for event in fresh:
            events.append(event)
            on_event(event)

        state = classify(payload, deployment_id, previous_taskdef_arn, wait_for=wait_for)
        if state.task_definition is None and new_taskdef_arn:
            state = _with_task_definition(state, new_taskdef_arn)
        key = state.key()
        changed = key != last_key
        if changed:
            on_state(state)
        last_key = key
        if state.terminal:
            return result(state.status, clock() - start)  # type: ignore[arg-type]

        remaining = deadline - clock()
        if remaining <= 0:
            return result("timeout", None)
        delay = schedule.next_delay(changed or bool(fresh), hot=state.near_end)
        sleep(min(delay, remaining))


def _initial_cursor(payload: Mapping[str, Any] | None, deployment_id: str) -> EventCursor:
    """Stream events from our deployment's creation on; if it cannot be found, only events
    that appear from now on."""
    if payload is None:
        return EventCursor()
    created = deployment_created_at(payload, deployment_id)
    if created is not None:
        return EventCursor(since=created - timedelta(microseconds=1))
    return EventCursor.after_existing(payload.get("events") or [])


def _with_task_definition(state: DeploymentState, arn: str) -> DeploymentState:
    return replace(state, task_definition=arn)
