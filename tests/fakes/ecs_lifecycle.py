"""How ECS moves one service deployment through its lifecycle, per deployment strategy: a
pure state machine shared by the two ECS doubles (tests/fakes/ecs_scenarios.py in process,
tests/fakes/ecs_progressor.py over HTTP in front of moto).

What it models, and the AWS pages it follows:

* ROLLING (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html):
  the service deployment goes IN_PROGRESS -> SUCCESSFUL with no ``lifecycleStage`` and no
  traffic weights; a circuit breaker failure rolls it back.
* BLUE_GREEN (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html,
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-deployment-how-it-works.html):
  ``lifecycleStage`` PRE_SCALE_UP, SCALE_UP (the green tasks start; RECONCILE_SERVICE is
  left out: it only happens with more than one ACTIVE revision), POST_SCALE_UP,
  TEST_TRAFFIC_SHIFT (test traffic 0 -> 100 % on green), POST_TEST_TRAFFIC_SHIFT,
  PRODUCTION_TRAFFIC_SHIFT (production 0 -> 100 % at once), POST_PRODUCTION_TRAFFIC_SHIFT,
  BAKE_TIME (``bakeTimeInMinutes``, both revisions running), CLEAN_UP (blue scales to 0),
  then SUCCESSFUL.
* CANARY (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-canary.html):
  the same stages; PRODUCTION_TRAFFIC_SHIFT moves ``canaryPercent`` of production, waits
  ``canaryBakeTimeInMinutes``, then moves the rest.
* LINEAR (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-linear.html):
  the same stages; PRODUCTION_TRAFFIC_SHIFT moves ``stepPercent`` at a time and waits
  ``stepBakeTimeInMinutes`` between two steps.
* Lifecycle hooks (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-lifecycle-hooks.html):
  a Lambda hook on a stage is invoked when the stage begins (``lifecycleHookDetails``
  status IN_PROGRESS, then SUCCEEDED); a hook that answers FAILED rolls the deployment back;
  hooks on PRE_PRODUCTION_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT run at every shift
  step. A pause hook (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/pause-lifecycle-hooks.html)
  holds the deployment with status AWAITING_ACTION and an ``expiresAt`` until
  ContinueServiceDeployment (CONTINUE: SUCCEEDED and on; ROLLBACK: rolled back) or its
  timeout (status TIMED_OUT, then ``timeoutConfiguration.action``, ROLLBACK by default).
* Rollbacks (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-deployment.html,
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stop-service-deployment.html):
  status ROLLBACK_REQUESTED, then ROLLBACK_IN_PROGRESS (production and test traffic back on
  the source revision), then ROLLBACK_SUCCESSFUL; ``rollback.reason`` and the evidence:
  ``alarms.status`` TRIGGERED with ``triggeredAlarmNames``, ``deploymentCircuitBreaker``
  TRIGGERED with ``failureCount``/``threshold`` (threshold: half the desired count, at
  least 3 and at most 200, as the circuit breaker page says), a FAILED or TIMED_OUT hook,
  or a request (StopServiceDeployment with ROLLBACK, ContinueServiceDeployment with
  ROLLBACK). The lifecycle stage stays where the rollback began.

Time: the mechanical parts (starting tasks, shifting traffic, a hook's run) take fractions
of the scenario's ``after_s``; configured minutes (bake times, pause hook timeouts) last
``minute_s`` seconds each, 60 unless a test compresses them.

Not modelled: RECONCILE_SERVICE, Service Connect and Network Load Balancer traffic
shifting, the hooks ECS runs again during a rollback, ``callBackDelay``, hook payloads,
alarms that ECS reads itself (a scenario or the caller says when one fires), early success
criteria, deployments that start PENDING behind another one, and the exact time ECS takes
for each step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

STAGES = (
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
FAULTS = ("alarm", "circuit_breaker", "hook")
SHIFTING = frozenset({"BLUE_GREEN", "CANARY", "LINEAR"})
MONITORED = frozenset(STAGES[STAGES.index("SCALE_UP") :])  # alarms judge from here on


@dataclass(frozen=True)
class Fault:
    """A failure the scenario scripts: ``kind`` at ``stage`` (for a hook: the hook on that
    stage answers FAILED), ``fraction`` of the way into the stage."""

    kind: str
    stage: str | None = None  # None: ROLLING (no stages), at ``fraction`` of the rollout
    fraction: float = 0.5

    def __post_init__(self) -> None:
        if self.kind not in FAULTS:
            raise ValueError(f"fault must be one of {', '.join(FAULTS)}, got {self.kind!r}")
        if self.stage is not None and self.stage not in STAGES:
            raise ValueError(f"fault stage must be one of {', '.join(STAGES)}, got {self.stage!r}")
        if not 0 <= self.fraction <= 1:
            raise ValueError(f"fault fraction must be between 0 and 1, got {self.fraction}")


@dataclass
class HookRun:
    hook_id: str
    target_type: str
    stage: str
    status: str
    target_arn: str | None = None
    expires_at: float | None = None
    timeout_action: str | None = None

    def detail(self, time: Callable[[float], Any]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "hookId": self.hook_id,
            "targetType": self.target_type,
            "status": self.status,
        }
        if self.target_arn:
            out["targetArn"] = self.target_arn
        if self.expires_at is not None:
            out["expiresAt"] = time(self.expires_at)
            out["timeoutAction"] = self.timeout_action or "ROLLBACK"
        return out


@dataclass
class Phase:
    """A stretch of the lifecycle: a stage (or, for ROLLING, none) and how long it lasts;
    ``production`` is the weight the target revision has once the phase is over."""

    stage: str | None
    seconds: float
    production: float | None = None
    test: float | None = None
    running: int | None = None  # the target's running tasks from the phase's start
    hook_stages: tuple[str, ...] = ()  # hooks invoked when the phase starts


# What a lifecycle reports to the double driving it, which turns them into service events
# and updates its rollout-state deployments.
@dataclass(frozen=True)
class Change:
    kind: str  # stage, running, traffic, hook, rollback, rolled_back, succeeded, cleaned_up
    at: float
    detail: str = ""


def circuit_breaker_threshold(desired: int) -> int:
    return max(3, min(200, math.ceil(desired / 2)))


@dataclass
class Lifecycle:
    """One service deployment. ``advance(now)`` applies what is due; the doubles read
    ``payload``-building attributes and the returned changes."""

    configuration: Mapping[str, Any]
    desired: int
    started: float
    after_s: float = 5.0
    minute_s: float = 60.0
    fault: Fault | None = None
    new_id: Callable[[str], str] = lambda prefix: prefix
    status: str = "IN_PROGRESS"
    status_reason: str = ""
    stage: str | None = None
    production: float | None = None
    test: float | None = None
    running: int = 0
    hooks: list[HookRun] = field(default_factory=list)
    rollback_reason: str | None = None
    rollback_at: float | None = None
    finished_at: float | None = None
    alarms_status: str | None = None
    triggered: tuple[str, ...] = ()
    breaker_status: str | None = None
    failures: int = 0
    _phases: list[Phase] = field(default_factory=list)
    _phase_start: float = 0.0
    _held: list[HookRun] = field(default_factory=list)  # hooks the phase waits for
    _fault_at: float | None = None
    _fault_done: bool = False
    _pending: list[Change] = field(default_factory=list)  # from the start, not yet reported

    def __post_init__(self) -> None:
        self.strategy = str(self.configuration.get("strategy") or "ROLLING")
        alarms = self.configuration.get("alarms") or {}
        self.alarm_names = tuple(alarms.get("alarmNames") or ()) if alarms.get("enable") else ()
        self.alarms_roll_back = bool(self.alarm_names) and bool(alarms.get("rollback"))
        self.alarms_status = "MONITORING" if self.alarm_names else "DISABLED"
        breaker = self.configuration.get("deploymentCircuitBreaker") or {}
        self.breaker_enabled = bool(breaker.get("enable"))
        self.breaker_status = "MONITORING" if self.breaker_enabled else "DISABLED"
        self.threshold = circuit_breaker_threshold(self.desired)
        if self.strategy in SHIFTING:
            self.production, self.test = 0.0, 0.0
        self._phases = self._plan()
        self._phase_start = self.started
        if self.fault is not None and self.fault.stage is None:
            self._fault_at = self.started + self.after_s * self.fault.fraction
        self._pending = self._enter(self.started)

    # -- the plan --------------------------------------------------------------------------

    @property
    def unit(self) -> float:
        return self.after_s / 8

    def _minutes(self, value: Any) -> float:
        return float(value or 0) * self.minute_s

    def _plan(self) -> list[Phase]:
        if self.strategy not in SHIFTING:
            return [
                Phase(None, self.after_s / 2),
                Phase(None, self.after_s / 2, running=self.desired),
            ]
        u, d = self.unit, self.desired
        phases = [
            Phase("PRE_SCALE_UP", u, 0.0, 0.0, hook_stages=("PRE_SCALE_UP",)),
            Phase("SCALE_UP", 2 * u, 0.0, 0.0),
            Phase("POST_SCALE_UP", u, 0.0, 0.0, running=d, hook_stages=("POST_SCALE_UP",)),
            Phase("TEST_TRAFFIC_SHIFT", u, 0.0, 100.0, d, ("TEST_TRAFFIC_SHIFT",)),
            Phase("POST_TEST_TRAFFIC_SHIFT", u, 0.0, 100.0, d, ("POST_TEST_TRAFFIC_SHIFT",)),
        ]
        shift = ("PRE_PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT")
        for weight, wait in self._shift_steps():
            phases.append(Phase("PRODUCTION_TRAFFIC_SHIFT", u / 2, weight, 100.0, d, shift))
            if wait:
                phases.append(Phase("PRODUCTION_TRAFFIC_SHIFT", wait, weight, 100.0, d))
        phases += [
            Phase(
                "POST_PRODUCTION_TRAFFIC_SHIFT",
                u,
                100.0,
                100.0,
                d,
                ("POST_PRODUCTION_TRAFFIC_SHIFT",),
            ),
            Phase(
                "BAKE_TIME",
                self._minutes(self.configuration.get("bakeTimeInMinutes")),
                100.0,
                100.0,
                d,
            ),
            Phase("CLEAN_UP", u, 100.0, 100.0, d),
        ]
        return phases

    def _shift_steps(self) -> list[tuple[float, float]]:
        """(production weight after the step, wait after it) for PRODUCTION_TRAFFIC_SHIFT."""
        if self.strategy == "CANARY":
            canary = self.configuration.get("canaryConfiguration") or {}
            percent = float(canary.get("canaryPercent") or 10.0)
            return [(percent, self._minutes(canary.get("canaryBakeTimeInMinutes"))), (100.0, 0.0)]
        if self.strategy == "LINEAR":
            linear = self.configuration.get("linearConfiguration") or {}
            step = float(linear.get("stepPercent") or 10.0)
            wait = self._minutes(linear.get("stepBakeTimeInMinutes"))
            weights, weight = [], 0.0
            while weight < 100.0:
                weight = min(100.0, round(weight + step, 6))
                weights.append((weight, wait if weight < 100.0 else 0.0))
            return weights
        return [(100.0, 0.0)]

    # -- moving on -------------------------------------------------------------------------

    @property
    def ongoing(self) -> bool:
        return self.status in ("PENDING", "IN_PROGRESS")

    def _hooks_for(self, stage: str) -> list[Mapping[str, Any]]:
        return [
            h
            for h in self.configuration.get("lifecycleHooks") or []
            if stage in (h.get("lifecycleStages") or [])
        ]

    def _enter(self, now: float) -> list[Change]:
        """Start the first planned phase: its stage, weights, tasks and hooks."""
        changes: list[Change] = []
        if not self._phases:
            return changes
        phase = self._phases[0]
        self._phase_start = now
        if phase.stage != self.stage:
            self.stage = phase.stage
            if phase.stage:
                changes.append(Change("stage", now, phase.stage))
        if phase.running is not None and phase.running != self.running:
            self.running = phase.running
            changes.append(Change("running", now, str(self.running)))
        if phase.test is not None and phase.test != self.test:
            self.test = phase.test
            changes.append(Change("traffic", now, f"test {phase.test:g}%"))
        if phase.production is not None and phase.production != self.production:
            self.production = phase.production
            changes.append(Change("traffic", now, f"production {phase.production:g}%"))
        for stage in phase.hook_stages:
            for hook in self._hooks_for(stage):
                run = self._invoke(hook, stage, now)
                changes.append(Change("hook", now, f"{run.hook_id} {run.status}"))
        fault = self.fault
        if fault and not self._fault_done and self._fault_at is None and phase.stage == fault.stage:
            # A fraction of the whole stage (several phases for a canary or linear shift).
            span = 0.0
            for later in self._phases:
                if later.stage != phase.stage:
                    break
                span += later.seconds
            self._fault_at = now + span * fault.fraction
        return changes

    def _invoke(self, hook: Mapping[str, Any], stage: str, now: float) -> HookRun:
        kind = str(hook.get("targetType") or "AWS_LAMBDA")
        run = HookRun(
            hook_id=self.new_id("ecs-pause-" if kind == "PAUSE" else "ecs-hook-"),
            target_type=kind,
            stage=stage,
            status="AWAITING_ACTION" if kind == "PAUSE" else "IN_PROGRESS",
            target_arn=hook.get("hookTargetArn") if kind != "PAUSE" else None,
        )
        if kind == "PAUSE":
            timeout = hook.get("timeoutConfiguration") or {}
            run.expires_at = now + self._minutes(timeout.get("timeoutInMinutes") or 1440)
            run.timeout_action = str(timeout.get("action") or "ROLLBACK")
        self.hooks.append(run)
        self._held.append(run)
        return run

    def advance(self, now: float) -> list[Change]:
        """Apply everything due by ``now``; returns what changed, in order."""
        changes, self._pending = self._pending, []
        while self.ongoing and self._phases:
            if self._held:
                waited = self._wait_for_hooks(now)
                changes += waited
                if self._held or not self.ongoing:
                    break
                continue
            if self._fault_at is not None and now >= self._fault_at and self._fault_due():
                changes += self._trigger(self._fault_at)
                break
            end = self._phase_start + self._phases[0].seconds
            if now < end:
                break
            self._phases.pop(0)
            if self._phases:
                changes += self._enter(end)
            else:
                changes += self._succeed(end)
        changes += self._roll_back_progress(now)
        return changes

    def _wait_for_hooks(self, now: float) -> list[Change]:
        """Lambda hooks answer ``unit/2`` after their stage began (FAILED for the scripted
        hook fault); pause hooks wait for ContinueServiceDeployment or their timeout. The
        phase's own time runs once every hook is done."""
        changes: list[Change] = []
        done = self._phase_start + self.unit / 2
        for hook in list(self._held):
            if hook.target_type == "PAUSE":
                if hook.expires_at is not None and now >= hook.expires_at:
                    changes += self._pause_timed_out(hook, hook.expires_at)
                continue
            if now < done:
                continue
            self._held.remove(hook)
            fault = self.fault
            if (
                fault
                and fault.kind == "hook"
                and not self._fault_done
                and hook.stage == fault.stage
            ):
                hook.status = "FAILED"
                self._fault_done = True
                changes.append(Change("hook", done, f"{hook.hook_id} FAILED"))
                return changes + self.roll_back(done, f"lifecycle hook {hook.target_arn} failed")
            hook.status = "SUCCEEDED"
            changes.append(Change("hook", done, f"{hook.hook_id} SUCCEEDED"))
            if not self._held:
                self._phase_start = done
        return changes

    def _fault_due(self) -> bool:
        return self.fault is not None and self.fault.kind != "hook" and not self._fault_done

    def _trigger(self, at: float) -> list[Change]:
        assert self.fault is not None
        self._fault_done = True
        self._fault_at = None
        if self.fault.kind == "alarm":
            return self.alarm_fired(self.alarm_names[:1] or ("deployment-alarm",), at)
        self.failures = self.threshold
        self.breaker_status = "TRIGGERED"
        return self.roll_back(
            at, f"ECS deployment circuit breaker: {self.failures} tasks failed to start."
        )

    def alarm_fired(self, names: tuple[str, ...], at: float) -> list[Change]:
        """A deployment alarm is in ALARM: ECS rolls back when the deployment's alarms are
        enabled with rollback and it is past the start of its tasks."""
        if not self.ongoing or (self.strategy in SHIFTING and self.stage not in MONITORED):
            return []
        self.alarms_status = "TRIGGERED"
        self.triggered = names
        if not self.alarms_roll_back and self.alarm_names:
            return []
        return self.roll_back(at, f"CloudWatch alarm(s) {', '.join(names)} in ALARM state.")

    def _pause_timed_out(self, hook: HookRun, at: float) -> list[Change]:
        hook.status = "TIMED_OUT"
        self._held.remove(hook)
        changes = [Change("hook", at, f"{hook.hook_id} TIMED_OUT")]
        if hook.timeout_action == "CONTINUE":
            self._phase_start = at
            return changes
        return changes + self.roll_back(at, "pause hook timed out")

    def continue_hook(self, hook_id: str, action: str, now: float) -> list[Change]:
        """ContinueServiceDeployment; ValueError when no pause hook ``hook_id`` waits."""
        held = next((h for h in self._held if h.hook_id == hook_id), None)
        if held is None or held.status != "AWAITING_ACTION" or not self.ongoing:
            raise ValueError(f"hook {hook_id} is not awaiting action")
        held.status = "SUCCEEDED"
        self._held.remove(held)
        if action == "ROLLBACK":
            return [
                Change("hook", now, f"{hook_id} SUCCEEDED"),
                *self.roll_back(now, "rollback requested by ContinueServiceDeployment"),
            ]
        self._phase_start = now
        return [Change("hook", now, f"{hook_id} SUCCEEDED"), *self.advance(now)]

    def stop(self, stop_type: str, now: float) -> list[Change]:
        """StopServiceDeployment: ROLLBACK from PENDING or IN_PROGRESS (the documented
        states); ABORT stops the deployment where it is."""
        if not self.ongoing:
            raise ValueError(f"service deployment is {self.status}")
        if stop_type == "ABORT":
            self.status, self.status_reason = "STOPPED", "stopped by StopServiceDeployment"
            self.finished_at = now
            self._phases = []
            return [Change("stopped", now)]
        return self.roll_back(now, "rollback requested by StopServiceDeployment")

    def roll_back(self, at: float, reason: str) -> list[Change]:
        self.status = "ROLLBACK_REQUESTED"
        self.status_reason = reason
        self.rollback_reason = reason
        self.rollback_at = at
        self._phases = []
        self._held = []
        for hook in self.hooks:
            if hook.status in ("IN_PROGRESS", "AWAITING_ACTION"):
                hook.status = "SUCCEEDED"
        return [Change("rollback", at, reason)]

    def _roll_back_progress(self, now: float) -> list[Change]:
        if self.rollback_at is None:
            return []
        changes = []
        # A rollback's pace, whatever the rollout's (one that never ends still rolls back).
        unit = min(self.unit, 2.5)
        begin, end = self.rollback_at + unit, self.rollback_at + 3 * unit
        if self.status == "ROLLBACK_REQUESTED" and now >= begin:
            self.status = "ROLLBACK_IN_PROGRESS"
            if self.production is not None:
                self.production, self.test = 0.0, 0.0
                changes.append(Change("traffic", begin, "production 0%"))
        if self.status == "ROLLBACK_IN_PROGRESS" and now >= end:
            self.status = "ROLLBACK_SUCCESSFUL"
            self.running = 0
            self.finished_at = end
            changes.append(Change("rolled_back", end, self.rollback_reason or ""))
        return changes

    def _succeed(self, at: float) -> list[Change]:
        self.status = "SUCCESSFUL"
        self.status_reason = "Service deployment completed successfully."
        self.finished_at = at
        if self.alarms_status == "MONITORING":
            self.alarms_status = "MONITORING_COMPLETE"
        if self.breaker_status == "MONITORING":
            self.breaker_status = "MONITORING_COMPLETE"
        return [Change("succeeded", at)]

    # -- the API's view --------------------------------------------------------------------

    def payload(
        self,
        *,
        arn: str,
        service_arn: str,
        cluster_arn: str,
        target_revision: str,
        source_revision: str,
        time: Callable[[float], Any],
        source_running: int,
    ) -> dict[str, Any]:
        """One ``DescribeServiceDeployments`` item (botocore's ServiceDeployment shape)."""
        target: dict[str, Any] = {
            "arn": target_revision,
            "requestedTaskCount": self.desired if self.rollback_at is None else 0,
            "runningTaskCount": self.running,
            "pendingTaskCount": 0,
        }
        source: dict[str, Any] = {
            "arn": source_revision,
            "requestedTaskCount": self.desired,
            "runningTaskCount": source_running,
            "pendingTaskCount": 0,
        }
        if self.production is not None:
            target["requestedProductionTrafficWeight"] = self.production
            target["requestedTestTrafficWeight"] = self.test
            source["requestedProductionTrafficWeight"] = 100.0 - self.production
            source["requestedTestTrafficWeight"] = 100.0 - (self.test or 0.0)
        item: dict[str, Any] = {
            "serviceDeploymentArn": arn,
            "serviceArn": service_arn,
            "clusterArn": cluster_arn,
            "createdAt": time(self.started),
            "startedAt": time(self.started),
            "updatedAt": time(self.started),
            "sourceServiceRevisions": [source],
            "targetServiceRevision": target,
            "status": self.status,
            "deploymentConfiguration": dict(self.configuration),
            "deploymentCircuitBreaker": {
                "status": self.breaker_status,
                "failureCount": self.failures,
                "threshold": self.threshold,
            },
            "alarms": {
                "status": self.alarms_status,
                "alarmNames": list(self.alarm_names),
                "triggeredAlarmNames": list(self.triggered),
            },
        }
        if self.status_reason:
            item["statusReason"] = self.status_reason
        if self.stage is not None:
            item["lifecycleStage"] = self.stage
        if self.hooks:
            item["lifecycleHookDetails"] = [h.detail(time) for h in self.hooks]
        if self.rollback_at is not None:
            item["rollback"] = {
                "reason": self.rollback_reason,
                "startedAt": time(self.rollback_at),
                "serviceRevisionArn": source_revision,
            }
        if self.finished_at is not None:
            item["finishedAt"] = time(self.finished_at)
        return item
