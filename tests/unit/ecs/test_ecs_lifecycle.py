"""The ECS doubles' lifecycle model (tests/fakes/ecs_lifecycle.py) on its own: each
strategy's documented stage order and traffic steps, hooks, pause hooks, stops and
rollbacks, and the refusals ECS documents."""

from __future__ import annotations

from typing import Any

import pytest
from tests.fakes.ecs_lifecycle import STAGES, Change, Fault, Lifecycle, circuit_breaker_threshold

ALARMS = {"alarmNames": ["web-5xx"], "enable": True, "rollback": True}


def run(lifecycle: Lifecycle, until: float = 10_000.0, step: float = 0.25) -> list[Change]:
    changes, t = [], 0.0
    while t <= until and lifecycle.status not in (
        "SUCCESSFUL",
        "ROLLBACK_SUCCESSFUL",
        "STOPPED",
    ):
        changes += lifecycle.advance(t)
        t += step
    return changes


def make(configuration: dict[str, Any], **kw: Any) -> Lifecycle:
    return Lifecycle(configuration, 4, 0.0, after_s=8.0, minute_s=1.0, **kw)


def test_blue_green_goes_through_the_documented_stages_in_order() -> None:
    lifecycle = make({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 3})
    changes = run(lifecycle)
    assert [c.detail for c in changes if c.kind == "stage"] == list(STAGES)
    traffic = [c.detail for c in changes if c.kind == "traffic"]
    assert traffic == ["test 100%", "production 100%"]
    assert lifecycle.status == "SUCCESSFUL"
    bake = next(c.at for c in changes if c.detail == "BAKE_TIME")
    clean = next(c.at for c in changes if c.detail == "CLEAN_UP")
    assert clean - bake == 3.0  # three configured minutes of a second each


def test_canary_and_linear_shift_in_their_steps() -> None:
    canary = make(
        {
            "strategy": "CANARY",
            "canaryConfiguration": {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 4},
        }
    )
    shifts = [c for c in run(canary) if c.kind == "traffic" and c.detail.startswith("production")]
    assert [c.detail for c in shifts] == ["production 5%", "production 100%"]
    assert shifts[1].at - shifts[0].at == 4.0 + 0.5  # the canary bake, then the shift
    linear = make(
        {
            "strategy": "LINEAR",
            "linearConfiguration": {"stepPercent": 30.0, "stepBakeTimeInMinutes": 1},
        }
    )
    weights = [c.detail for c in run(linear) if c.detail.startswith("production")]
    assert weights == ["production 30%", "production 60%", "production 90%", "production 100%"]


def test_a_rolling_deployment_has_no_stage_and_no_weights() -> None:
    lifecycle = make({"strategy": "ROLLING"})
    changes = run(lifecycle)
    assert lifecycle.stage is None and lifecycle.production is None
    assert [c.kind for c in changes] == ["running", "succeeded"]


@pytest.mark.parametrize("stage", ["TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME"])
def test_an_alarm_rolls_back_in_the_stage_it_fires_in(stage: str) -> None:
    lifecycle = make(
        {"strategy": "CANARY", "bakeTimeInMinutes": 5, "alarms": ALARMS},
        fault=Fault("alarm", stage, 0.5),
    )
    changes = run(lifecycle)
    assert lifecycle.status == "ROLLBACK_SUCCESSFUL"
    assert lifecycle.stage == stage
    assert (lifecycle.alarms_status, lifecycle.triggered) == ("TRIGGERED", ("web-5xx",))
    assert [c.kind for c in changes][-3:] == ["rollback", "traffic", "rolled_back"]
    assert lifecycle.production == 0.0


def test_an_alarm_does_not_roll_back_without_rollback_or_before_the_tasks_start() -> None:
    watched = make({"strategy": "BLUE_GREEN", "alarms": {**ALARMS, "rollback": False}})
    watched.advance(5.0)
    assert watched.alarm_fired(("web-5xx",), 5.0) == []
    assert (watched.status, watched.alarms_status) == ("IN_PROGRESS", "TRIGGERED")
    early = make({"strategy": "BLUE_GREEN", "alarms": ALARMS})
    assert early.stage == "PRE_SCALE_UP"
    assert early.alarm_fired(("web-5xx",), 0.1) == []


def test_the_circuit_breaker_trips_at_its_threshold() -> None:
    lifecycle = make(
        {"strategy": "LINEAR", "deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        fault=Fault("circuit_breaker", "SCALE_UP", 1.0),
    )
    run(lifecycle)
    assert (lifecycle.breaker_status, lifecycle.failures) == ("TRIGGERED", 3)
    assert lifecycle.stage == "SCALE_UP"
    assert [circuit_breaker_threshold(n) for n in (1, 10, 1000)] == [3, 5, 200]


def test_a_lambda_hook_runs_and_a_failing_one_rolls_back() -> None:
    hooks = [
        {
            "hookTargetArn": "arn:aws:lambda:eu-west-1:123456789012:function:smoke",
            "lifecycleStages": ["POST_SCALE_UP", "PRODUCTION_TRAFFIC_SHIFT"],
        }
    ]
    ok = make(
        {
            "strategy": "LINEAR",
            "lifecycleHooks": hooks,
            "linearConfiguration": {"stepPercent": 50.0, "stepBakeTimeInMinutes": 0},
        }
    )
    run(ok)
    # POST_SCALE_UP once, PRODUCTION_TRAFFIC_SHIFT at each of the two steps.
    assert [(h.stage, h.status) for h in ok.hooks] == [
        ("POST_SCALE_UP", "SUCCEEDED"),
        ("PRODUCTION_TRAFFIC_SHIFT", "SUCCEEDED"),
        ("PRODUCTION_TRAFFIC_SHIFT", "SUCCEEDED"),
    ]
    failing = make(
        {"strategy": "BLUE_GREEN", "lifecycleHooks": hooks}, fault=Fault("hook", "POST_SCALE_UP")
    )
    run(failing)
    assert [h.status for h in failing.hooks] == ["FAILED"]
    assert failing.rollback_reason == (
        "lifecycle hook arn:aws:lambda:eu-west-1:123456789012:function:smoke failed"
    )


PAUSE = {
    "strategy": "BLUE_GREEN",
    "lifecycleHooks": [
        {
            "targetType": "PAUSE",
            "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
            "timeoutConfiguration": {"timeoutInMinutes": 30, "action": "ROLLBACK"},
        }
    ],
}


def test_a_pause_hook_holds_until_continued() -> None:
    lifecycle = make(PAUSE)
    lifecycle.advance(20.0)
    [hook] = lifecycle.hooks
    assert (lifecycle.stage, hook.status, hook.expires_at) == (
        "POST_TEST_TRAFFIC_SHIFT",
        "AWAITING_ACTION",
        5.0 + 30.0,
    )
    lifecycle.advance(25.0)
    assert lifecycle.stage == "POST_TEST_TRAFFIC_SHIFT"
    with pytest.raises(ValueError, match="not awaiting action"):
        lifecycle.continue_hook("ecs-pause-other", "CONTINUE", 25.0)
    lifecycle.continue_hook(hook.hook_id, "CONTINUE", 26.0)
    assert hook.status == "SUCCEEDED"
    run(lifecycle)
    assert lifecycle.status == "SUCCESSFUL"


def test_a_pause_hook_times_out_with_its_action() -> None:
    lifecycle = make(PAUSE)
    lifecycle.advance(40.0)
    assert lifecycle.hooks[0].status == "TIMED_OUT"
    assert (lifecycle.status, lifecycle.rollback_reason, lifecycle.rollback_at) == (
        "ROLLBACK_SUCCESSFUL",
        "pause hook timed out",
        35.0,
    )


def test_stop_rolls_back_or_aborts_and_refuses_a_finished_deployment() -> None:
    rolled = make({"strategy": "CANARY"})
    rolled.advance(3.0)
    rolled.stop("ROLLBACK", 3.0)
    run(rolled)
    assert rolled.status == "ROLLBACK_SUCCESSFUL"
    with pytest.raises(ValueError, match="ROLLBACK_SUCCESSFUL"):
        rolled.stop("ROLLBACK", 30.0)
    aborted = make({"strategy": "ROLLING"})
    aborted.stop("ABORT", 1.0)
    assert (aborted.status, aborted.finished_at) == ("STOPPED", 1.0)


def test_bad_faults_are_refused() -> None:
    with pytest.raises(ValueError, match="fault must be one of"):
        Fault("flood")
    with pytest.raises(ValueError, match="fault stage"):
        Fault("alarm", "PRE_PRODUCTION_TRAFFIC_SHIFT")
    with pytest.raises(ValueError, match="fraction"):
        Fault("alarm", "BAKE_TIME", 1.5)
