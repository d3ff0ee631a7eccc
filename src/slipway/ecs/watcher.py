"""The deployment watch loop: one ``describe_services`` and, when the deployment's service
deployment is known, one ``describe_service_deployments`` per poll, until ECS gives a
verdict.

Unlike a ``services_stable`` waiter (which declares success as soon as counts match, even
while the circuit breaker is rolling back), the watch ends only when ECS says so: the
service deployment SUCCESSFUL (for blue/green, linear and canary deployments that is after
ECS's own bake), rolled back, stopped, or our rollout FAILED or replaced by someone else's;
or at a lifecycle stage or pause hook the caller asked to stop at; or when the time is up.
Throttling does not end the watch: the loop backs off and asks again.

The service events and task counts come from ``describe_services`` (and its rollout state
decides alone when the service-deployment API cannot be read); the stage, traffic, hooks
and verdict come from the service deployment.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Literal

from slipway.ecs.deployment import (
    DeploymentState,
    EventCursor,
    ServiceEvent,
    WaitFor,
    classify,
    deployment_created_at,
)
from slipway.ecs.polling import Backoff, PollSchedule, error_summary, is_throttling
from slipway.ecs.service_deployment import (
    STAGES,
    WAIT_FOR_BASE,
    ServiceDeploymentView,
    judge,
    rollback_cause,
)
from slipway.ecs.service_deployment import describe as describe_view
from slipway.ecs.service_deployment_calls import describe as describe_service_deployment
from slipway.ecs.timeline import Entry, Timeline

Outcome = Literal[
    "completed",
    "failed",
    "rolled_back",
    "replaced",
    "stopped",
    "paused",
    "stage_reached",
    "timeout",
]
# Outcomes that end the watch without a failure.
GOOD: frozenset[str] = frozenset({"completed", "paused", "stage_reached"})


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
    # The last read of the service deployment (None: unknown or unreadable).
    service_deployment: ServiceDeploymentView | None = None
    timeline: list[Entry] = field(default_factory=list)
    verdict: str = ""  # why the watch ended, from whichever source decided

    @property
    def ok(self) -> bool:
        return self.outcome in GOOD

    @property
    def cause(self) -> str:
        """alarm, circuit-breaker, hook, requested or unknown for a rollback or stop."""
        view = self.service_deployment
        if view is not None and view.status.startswith(("ROLLBACK", "STOP")):
            return rollback_cause(view)[0]
        if self.outcome == "rolled_back" and self.state and "circuit breaker" in self.state.reason:
            return "circuit-breaker"
        return ""

    @property
    def reason(self) -> str:
        if self.outcome == "timeout":
            last = f"; last state: {self.verdict}" if self.verdict else ""
            return f"no verdict from ECS after {self.elapsed:.0f}s{last}"
        return self.verdict or (self.state.reason if self.state else self.outcome)

    def to_json(self) -> dict[str, object]:
        view = self.service_deployment
        return {
            "outcome": self.outcome,
            "reason": self.reason,
            "cause": self.cause,
            "elapsed_seconds": round(self.elapsed, 3),
            "polls": self.polls,
            "throttled": self.throttled,
            "events_seen": self.events_seen,
            "state": self.state.to_json() if self.state else None,
            "service_deployment": view.to_json() if view else None,
            "timeline": [entry.line() for entry in self.timeline],
        }


def describe_service(ecs: Any, cluster: str, service: str) -> Mapping[str, Any] | None:
    """The service payload, or ``None`` when ECS reports it MISSING."""
    response = ecs.describe_services(cluster=cluster, services=[service])
    for payload in response.get("services") or []:
        if payload.get("serviceName") == service or payload.get("serviceArn") == service:
            return payload  # type: ignore[no-any-return]
    services = response.get("services") or []
    return services[0] if services else None


def combine(
    state: DeploymentState,
    view: ServiceDeploymentView | None,
    wait_for: WaitFor,
    *,
    follow_rollback: bool = False,
) -> tuple[str, str]:
    """The verdict of one poll from both reads (pure).

    The service deployment decides completion, stops, pauses and stages; the rollout
    state can still end the watch first when it sees a failure, a rollback or someone
    else's deployment (it is what ECS updates first for rolling deployments).

    ``follow_rollback``: the deployment is being rolled back on request (StopServiceDeployment
    or ContinueServiceDeployment with ROLLBACK); the watch ends when the rollback does,
    ``completed`` meaning ROLLBACK_SUCCESSFUL."""
    if view is None:
        return state.status, state.reason
    if follow_rollback:
        if view.status in ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "STOP_REQUESTED"):
            return "in_progress", f"{view.status}: {describe_view(view)}"
        if view.status in ("ROLLBACK_SUCCESSFUL", "STOPPED"):
            return "completed", f"service deployment {view.short_id} {view.status}"
    verdict, reason = judge(view, wait_for)
    if verdict == "rolled_back" and view.stage is None and state.rollout_state == "FAILED":
        # A rolling deployment: ECS's own words for it are in the rollout state's reason.
        reason += f" ({state.rollout_state_reason or 'rolloutState FAILED'})"
    if verdict == "completed" and wait_for == "steady-state" and state.status != "completed":
        return "in_progress", f"service deployment SUCCESSFUL; {state.reason}"
    if verdict == "in_progress" and state.status in ("failed", "rolled_back", "replaced"):
        return state.status, state.reason
    return verdict, reason


@dataclass
class _Watch:
    """The state of one watch between polls."""

    ecs: Any
    cluster: str
    service: str
    deployment_id: str
    previous: str | None
    new: str | None
    arn: str | None
    wait_for: WaitFor
    follow_rollback: bool
    on_event: Callable[[ServiceEvent], None]
    on_state: Callable[[DeploymentState], None]
    on_entry: Callable[[Entry], None]
    on_warning: Callable[[str], None]
    cursor: EventCursor | None = None
    state: DeploymentState | None = None
    payload: Mapping[str, Any] | None = None
    view: ServiceDeploymentView | None = None
    timeline: Timeline = field(default_factory=Timeline)
    events: list[ServiceEvent] = field(default_factory=list)
    last_key: tuple[object, ...] | None = None
    verdict: str = ""

    def read(self) -> None:
        """One poll's calls; a service deployment that cannot be read is given up with a
        warning (the rollout state still decides), any other error propagates.

        The service deployment is read first and the service second, so the events are at
        least as new as the verdict: a rollout that ends between the two calls still shows
        its last events ("deployment completed", "reached a steady state") before the watch
        ends on it."""
        if self.arn:
            self._read_service_deployment(self.arn)
        self.payload = describe_service(self.ecs, self.cluster, self.service)

    def _read_service_deployment(self, arn: str) -> None:
        try:
            self.view = describe_service_deployment(self.ecs, arn) or self.view
        except Exception as exc:
            if is_throttling(exc) or not _unreadable(exc):
                raise
            self.on_warning(
                f"the service deployment {arn} cannot be read ({error_summary(exc)}): "
                "following the rollout state alone, which for blue/green, linear and canary "
                "deployments says nothing of the lifecycle stages"
            )
            self.arn = None

    def judge(self, at: float) -> tuple[str, bool, bool]:
        """(status, something changed, near a verdict) after a read."""
        payload, view = self.payload, self.view
        if self.cursor is None:
            self.cursor = _initial_cursor(payload, self.deployment_id)
        fresh = self.cursor.take_new(payload.get("events") or []) if payload else []
        for event in fresh:
            self.events.append(event)
            self.on_event(event)
        state = classify(
            payload, self.deployment_id, self.previous, wait_for=_legacy(self.wait_for)
        )
        if state.task_definition is None and self.new:
            state = replace(state, task_definition=self.new)
        self.state = state
        if view is not None:
            for entry in self.timeline.observe(view, at):
                self.on_entry(entry)
        status, self.verdict = combine(
            state, view, self.wait_for, follow_rollback=self.follow_rollback
        )
        key = (state.key(), view.key() if view else None, status)
        changed = key != self.last_key or bool(fresh)
        if key[0] != (self.last_key[0] if self.last_key else None):
            self.on_state(state)
        self.last_key = key
        return status, changed, state.near_end or (view is not None and view.watchful)


def watch_deployment(  # noqa: PLR0917 (the identity of the deployment is positional)
    ecs_client: Any,
    cluster: str,
    service: str,
    deployment_id: str,
    previous_taskdef_arn: str | None,
    new_taskdef_arn: str | None,
    *,
    service_deployment_arn: str | None = None,
    follow_rollback: bool = False,
    timeout_s: float = 1800.0,
    wait_for: WaitFor = "completed",
    on_event: Callable[[ServiceEvent], None] = lambda event: None,
    on_state: Callable[[DeploymentState], None] = lambda state: None,
    on_entry: Callable[[Entry], None] = lambda entry: None,
    on_warning: Callable[[str], None] = lambda message: None,
    schedule: PollSchedule | None = None,
    throttle_backoff: Backoff | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> WatchResult:
    """Poll until our deployment reaches a verdict or ``timeout_s`` passes.

    ``on_event`` gets each new service event once, oldest first (only events from the
    deployment's creation on); ``on_state`` gets the classified rollout state whenever it
    changes; ``on_entry`` each new timeline entry of the service deployment. The last poll
    happens at the deadline itself.
    """
    if wait_for not in WAIT_FOR_BASE and wait_for not in STAGES:
        choices = ", ".join(WAIT_FOR_BASE)
        raise ValueError(
            f"wait_for must be one of {choices} or a lifecycle stage, got {wait_for!r}"
        )
    schedule = schedule if schedule is not None else PollSchedule()
    schedule.reset()
    backoff = throttle_backoff if throttle_backoff is not None else Backoff()
    start = clock()
    deadline = start + timeout_s
    watch = _Watch(
        ecs_client,
        cluster,
        service,
        deployment_id,
        previous_taskdef_arn,
        new_taskdef_arn,
        service_deployment_arn,
        wait_for,
        follow_rollback,
        on_event,
        on_state,
        on_entry,
        on_warning,
    )
    polls = throttled = 0

    def result(outcome: Outcome, detected: float | None) -> WatchResult:
        return WatchResult(
            outcome=outcome,
            state=watch.state,
            elapsed=clock() - start,
            polls=polls,
            events_seen=len(watch.events),
            detected_at=detected,
            throttled=throttled,
            events=watch.events,
            service=watch.payload,
            service_deployment=watch.view,
            timeline=watch.timeline.entries,
            verdict=watch.verdict,
        )

    while True:
        polls += 1
        try:
            watch.read()
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
        status, changed, hot = watch.judge(clock() - start)
        if status != "in_progress":
            return result(status, clock() - start)  # type: ignore[arg-type]
        remaining = deadline - clock()
        if remaining <= 0:
            return result("timeout", None)
        sleep(min(schedule.next_delay(changed, hot=hot), remaining))


def _legacy(wait_for: WaitFor) -> str:
    """What the rollout-state classification understands of ``wait_for``."""
    return "steady-state" if wait_for == "steady-state" else "completed"


def _unreadable(exc: BaseException) -> bool:
    """An error that says this caller (or endpoint) cannot use the service-deployment API,
    as opposed to a transient one: the watch goes on without it."""
    from slipway.ecs.polling import error_code

    return error_code(exc) in (
        "AccessDeniedException",
        "UnsupportedFeatureException",
        "ServiceDeploymentNotFoundException",
        "InvalidParameterException",
        "UnknownOperationException",
    ) or isinstance(exc, AttributeError)


def _initial_cursor(payload: Mapping[str, Any] | None, deployment_id: str) -> EventCursor:
    """Stream events from our deployment's creation on; if it cannot be found, only events
    that appear from now on."""
    if payload is None:
        return EventCursor()
    created = deployment_created_at(payload, deployment_id)
    if created is not None:
        return EventCursor(since=created - timedelta(microseconds=1))
    return EventCursor.after_existing(payload.get("events") or [])
