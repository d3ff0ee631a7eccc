"""What ECS's service-deployment API says about a deployment, whatever its strategy: pure
reading of a ``DescribeServiceDeployments`` item and the verdict it gives.

Every ECS-controller deployment (ROLLING, BLUE_GREEN, LINEAR, CANARY) is a *service
deployment* with a ``status`` (PENDING, IN_PROGRESS, SUCCESSFUL, STOP_REQUESTED, STOPPED,
ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED). The
traffic-shifting strategies also report a ``lifecycleStage``, the traffic weights of the
target revision and the state of their lifecycle hooks; ROLLING reports no stage.

Safety rule, as for rolling deployments: a deployment is done when its service deployment
is SUCCESSFUL. For a blue/green, linear or canary deployment that is after ECS's own bake
time and clean-up, well after every task runs and long after ``rolloutState`` looked done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

# In the order AWS documents them (blue/green deployment workflow); ECS only moves forward.
STAGES: tuple[str, ...] = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
)
STRATEGIES: tuple[str, ...] = ("ROLLING", "BLUE_GREEN", "LINEAR", "CANARY")
SHIFTING: frozenset[str] = frozenset({"BLUE_GREEN", "LINEAR", "CANARY"})
# Stages where a rollback can come at any moment (the new tasks run, alarms, the circuit
# breaker and hooks are judging them): the watcher polls fast there.
WATCHFUL: frozenset[str] = frozenset(STAGES[STAGES.index("SCALE_UP") :])
# A pause hook may not sit on the two shifting stages (AWS: pause hooks).
PAUSABLE: tuple[str, ...] = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
)
ROLLBACK_STATUSES = frozenset({"ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL"})
ONGOING = frozenset({"PENDING", "IN_PROGRESS"})
FINISHED = frozenset({"SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"})

Verdict = Literal[
    "in_progress", "completed", "rolled_back", "stopped", "failed", "paused", "stage_reached"
]
Cause = Literal["alarm", "circuit-breaker", "hook", "requested", "unknown", ""]


def stage_index(stage: str | None) -> int:
    """Position of a lifecycle stage in the documented order (-1: none or unknown)."""
    return STAGES.index(stage) if stage in STAGES else -1


@dataclass(frozen=True)
class Hook:
    """One entry of ``lifecycleHookDetails``."""

    hook_id: str
    target_type: str  # AWS_LAMBDA or PAUSE
    status: str  # AWAITING_ACTION, IN_PROGRESS, SUCCEEDED, FAILED, TIMED_OUT
    target_arn: str | None = None
    expires_at: datetime | None = None
    timeout_action: str | None = None

    @property
    def label(self) -> str:
        if self.target_type == "PAUSE":
            return "pause hook"
        name = (self.target_arn or "?").rsplit(":", 1)[-1]
        return f"hook {name}"

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> Hook:
        return cls(
            hook_id=str(item.get("hookId", "")),
            target_type=str(item.get("targetType", "AWS_LAMBDA")),
            status=str(item.get("status", "")),
            target_arn=item.get("targetArn"),
            expires_at=item.get("expiresAt"),
            timeout_action=item.get("timeoutAction"),
        )


@dataclass(frozen=True)
class Settings:
    """The deployment configuration the service deployment runs with."""

    strategy: str = "ROLLING"
    bake_minutes: int | None = None
    canary_percent: float | None = None
    canary_bake_minutes: int | None = None
    step_percent: float | None = None
    step_bake_minutes: int | None = None
    alarm_names: tuple[str, ...] = ()
    alarms_roll_back: bool = False

    @classmethod
    def from_api(cls, configuration: Mapping[str, Any] | None) -> Settings:
        configuration = configuration or {}
        canary = configuration.get("canaryConfiguration") or {}
        linear = configuration.get("linearConfiguration") or {}
        alarms = configuration.get("alarms") or {}
        enabled = bool(alarms.get("enable"))
        return cls(
            strategy=str(configuration.get("strategy") or "ROLLING"),
            bake_minutes=configuration.get("bakeTimeInMinutes"),
            canary_percent=canary.get("canaryPercent"),
            canary_bake_minutes=canary.get("canaryBakeTimeInMinutes"),
            step_percent=linear.get("stepPercent"),
            step_bake_minutes=linear.get("stepBakeTimeInMinutes"),
            alarm_names=tuple(alarms.get("alarmNames") or ()) if enabled else (),
            alarms_roll_back=enabled and bool(alarms.get("rollback")),
        )

    @property
    def shifts_traffic(self) -> bool:
        return self.strategy in SHIFTING

    @property
    def ecs_bakes(self) -> bool:
        """ECS itself watches the deployment alarms through a bake and rolls back on one."""
        return self.shifts_traffic and bool(self.bake_minutes) and self.alarms_roll_back

    def describe(self) -> str:
        parts = [self.strategy]
        if self.strategy == "CANARY" and self.canary_percent is not None:
            parts.append(f"{_pct(self.canary_percent)} canary for {self.canary_bake_minutes or 0}m")
        if self.strategy == "LINEAR" and self.step_percent is not None:
            parts.append(f"steps of {_pct(self.step_percent)} every {self.step_bake_minutes or 0}m")
        if self.shifts_traffic and self.bake_minutes is not None:
            parts.append(f"bake {self.bake_minutes}m")
        return ", ".join(parts)


@dataclass(frozen=True)
class ServiceDeploymentView:
    """The parts of one ``DescribeServiceDeployments`` item the watch decides on."""

    arn: str
    status: str
    status_reason: str = ""
    stage: str | None = None
    settings: Settings = Settings()
    target_revision: str | None = None
    source_revisions: tuple[str, ...] = ()
    production_weight: float | None = None  # of the target revision, 0-100
    test_weight: float | None = None
    running: int = 0
    requested: int = 0
    hooks: tuple[Hook, ...] = ()
    rollback_reason: str | None = None
    alarms_status: str | None = None
    triggered_alarms: tuple[str, ...] = ()
    breaker_status: str | None = None
    breaker_failures: int = 0
    breaker_threshold: int = 0
    updated_at: datetime | None = None

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> ServiceDeploymentView:
        target = item.get("targetServiceRevision") or {}
        alarms = item.get("alarms") or {}
        breaker = item.get("deploymentCircuitBreaker") or {}
        rollback = item.get("rollback") or {}
        return cls(
            arn=str(item.get("serviceDeploymentArn", "")),
            status=str(item.get("status", "")),
            status_reason=str(item.get("statusReason") or ""),
            stage=item.get("lifecycleStage"),
            settings=Settings.from_api(item.get("deploymentConfiguration")),
            target_revision=target.get("arn"),
            source_revisions=tuple(
                str(s.get("arn")) for s in item.get("sourceServiceRevisions") or []
            ),
            production_weight=target.get("requestedProductionTrafficWeight"),
            test_weight=target.get("requestedTestTrafficWeight"),
            running=int(target.get("runningTaskCount") or 0),
            requested=int(target.get("requestedTaskCount") or 0),
            hooks=tuple(Hook.from_api(h) for h in item.get("lifecycleHookDetails") or []),
            rollback_reason=rollback.get("reason"),
            alarms_status=alarms.get("status"),
            triggered_alarms=tuple(alarms.get("triggeredAlarmNames") or ()),
            breaker_status=breaker.get("status"),
            breaker_failures=int(breaker.get("failureCount") or 0),
            breaker_threshold=int(breaker.get("threshold") or 0),
            updated_at=item.get("updatedAt"),
        )

    @property
    def short_id(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    @property
    def awaiting(self) -> Hook | None:
        """The pause hook waiting for ContinueServiceDeployment, if any."""
        return next(
            (h for h in self.hooks if h.target_type == "PAUSE" and h.status == "AWAITING_ACTION"),
            None,
        )

    @property
    def watchful(self) -> bool:
        """A rollback may come at any moment: the new revision's tasks run, or the
        deployment is already stopping or rolling back, or tasks are failing. (A rolling
        deployment has no stage: its rollout state says when it is close to a verdict.)"""
        return self.stage in WATCHFUL or self.status not in ONGOING or self.breaker_failures > 0

    def key(self) -> tuple[object, ...]:
        """What counts as "something changed" between two polls."""
        return (
            self.status,
            self.stage,
            self.production_weight,
            self.test_weight,
            self.running,
            tuple((h.hook_id, h.status) for h in self.hooks),
            self.alarms_status,
            self.breaker_failures,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "arn": self.arn,
            "status": self.status,
            "status_reason": self.status_reason,
            "lifecycle_stage": self.stage,
            "strategy": self.settings.strategy,
            "production_traffic_percent": self.production_weight,
            "test_traffic_percent": self.test_weight,
            "hooks": [
                {"id": h.hook_id, "type": h.target_type, "status": h.status} for h in self.hooks
            ],
            "rollback_reason": self.rollback_reason,
            "triggered_alarms": list(self.triggered_alarms),
        }


def rollback_cause(view: ServiceDeploymentView) -> tuple[Cause, str]:
    """Why ECS rolled back or stopped: an alarm, the circuit breaker, a hook, or a request
    (StopServiceDeployment, ContinueServiceDeployment with ROLLBACK, a pause hook's
    timeout). The most specific evidence wins."""
    if view.alarms_status == "TRIGGERED" or view.triggered_alarms:
        names = ", ".join(view.triggered_alarms) or "a deployment alarm"
        return "alarm", f"alarm {names} went to ALARM"
    if view.breaker_status == "TRIGGERED":
        of = f" of {view.breaker_threshold}" if view.breaker_threshold else ""
        return "circuit-breaker", f"circuit breaker: {view.breaker_failures}{of} tasks failed"
    failed = next((h for h in view.hooks if h.status in ("FAILED", "TIMED_OUT")), None)
    if failed is not None:
        return "hook", f"{failed.label} {failed.status.lower().replace('_', ' ')}"
    reason = view.rollback_reason or view.status_reason
    if reason:
        lowered = reason.lower()
        if "user" in lowered or "request" in lowered or "manual" in lowered:
            return "requested", reason
        return "unknown", reason
    return "unknown", "no reason given"


def _pct(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:g}%"


def describe(view: ServiceDeploymentView) -> str:
    """One line: status, stage and traffic."""
    parts = [view.status]
    if view.stage:
        parts.append(view.stage)
    if view.production_weight is not None:
        parts.append(f"production {_pct(view.production_weight)}")
    if (
        view.test_weight is not None
        and view.stage
        and stage_index(view.stage) <= stage_index("POST_TEST_TRAFFIC_SHIFT")
    ):
        parts.append(f"test {_pct(view.test_weight)}")
    if view.requested:
        parts.append(f"{view.running}/{view.requested} tasks")
    return ", ".join(parts)


def judge(view: ServiceDeploymentView, wait_for: str) -> tuple[Verdict, str]:
    """The verdict of one read, and the reason a person can act on. ``wait_for`` is
    ``completed``, ``steady-state``, ``paused`` or a lifecycle stage (see WaitFor)."""
    status = view.status
    if status == "SUCCESSFUL":
        return "completed", f"service deployment {view.short_id} SUCCESSFUL"
    if status in ROLLBACK_STATUSES:
        _, why = rollback_cause(view)
        where = f" during {view.stage}" if view.stage else ""
        state = "rolled back" if status == "ROLLBACK_SUCCESSFUL" else "is rolling back"
        return "rolled_back", f"ECS {state} the deployment{where}: {why}"
    if status == "ROLLBACK_FAILED":
        _, why = rollback_cause(view)
        return "failed", f"ECS could not roll back the deployment ({why}): {view.status_reason}"
    if status in ("STOPPED", "STOP_REQUESTED"):
        reason = view.status_reason or "stopped"
        return "stopped", f"service deployment {view.short_id} {status}: {reason}"
    hook = view.awaiting
    if wait_for == "paused" and hook is not None:
        expires = f" (expires {hook.expires_at:%H:%M:%S} UTC" if hook.expires_at else ""
        then = (
            f", then {hook.timeout_action})"
            if expires and hook.timeout_action
            else (")" if expires else "")
        )
        return (
            "paused",
            f"paused at {view.stage or '?'} by pause hook {hook.hook_id}{expires}{then}",
        )
    if wait_for in STAGES and stage_index(view.stage) >= stage_index(wait_for):
        return "stage_reached", f"reached {view.stage} ({describe(view)})"
    return "in_progress", describe(view)


def pick_current(
    briefs: Sequence[Mapping[str, Any]], *, not_before: datetime | None = None
) -> str | None:
    """The newest service deployment of a ``ListServiceDeployments`` answer, created at or
    after ``not_before``: the one an ``UpdateService`` just started."""
    candidates = [
        b
        for b in briefs
        if b.get("serviceDeploymentArn")
        and (not_before is None or (b.get("createdAt") and b["createdAt"] >= not_before))
    ]
    if not candidates:
        return None
    candidates.sort(key=lambda b: _timestamp(b.get("createdAt")), reverse=True)
    return str(candidates[0]["serviceDeploymentArn"])


def _timestamp(value: object) -> float:
    return value.timestamp() if isinstance(value, datetime) else 0.0


WAIT_FOR_BASE: tuple[str, ...] = ("completed", "steady-state", "paused")


def parse_wait_for(text: str) -> str:
    """``completed``, ``steady-state``, ``paused`` or a lifecycle stage, written as AWS
    does (``POST_TEST_TRAFFIC_SHIFT``) or in lower case with hyphens; ValueError otherwise."""
    value = text.strip()
    if value.lower() in WAIT_FOR_BASE:
        return value.lower()
    stage = value.upper().replace("-", "_")
    if stage in STAGES:
        return stage
    raise ValueError(value)


def waits_for_stage(wait_for: str) -> bool:
    """The watch ends at a lifecycle stage or a pause hook, before ECS is done."""
    return wait_for == "paused" or wait_for in STAGES
