"""ecs-deploy on BLUE_GREEN, CANARY and LINEAR services, followed through the
service-deployment API stage by stage: the scripted double (tests/fakes/ecs_scenarios.py)
moves each deployment through its strategy's documented lifecycle
(tests/fakes/ecs_lifecycle.py) in virtual time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.fakes.ecs_lifecycle import Fault
from tests.fakes.ecs_scenarios import Scenario
from tests.support import read_outputs
from tests.unit.ecs.deploy_double import RegistryEcs, deploy

ALARMS = {"alarmNames": ["web-5xx", "web-latency"], "enable": True, "rollback": True}
BREAKER = {"enable": True, "rollback": True}
HOOK = "arn:aws:lambda:us-east-1:123456789012:function:smoke-test"
STRATEGIES: dict[str, dict[str, Any]] = {
    "BLUE_GREEN": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 10},
    "CANARY": {
        "strategy": "CANARY",
        "bakeTimeInMinutes": 10,
        "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 5},
    },
    "LINEAR": {
        "strategy": "LINEAR",
        "bakeTimeInMinutes": 10,
        "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 2},
    },
}


def hook(stage: str) -> dict[str, Any]:
    return {"hookTargetArn": HOOK, "roleArn": "arn:aws:iam::1:role/h", "lifecycleStages": [stage]}


def configuration(strategy: str, **extra: Any) -> dict[str, Any]:
    return {
        **STRATEGIES[strategy],
        "alarms": ALARMS,
        "deploymentCircuitBreaker": BREAKER,
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
        **extra,
    }


def stages(stdout: str) -> list[str]:
    """The lifecycle stages the deploy logged, in order, once each."""
    seen: list[str] = []
    for line in stdout.splitlines():
        if line.startswith("stage: +"):
            stage = line.split()[2]
            if stage.isupper() and (not seen or seen[-1] != stage):
                seen.append(stage)
    return seen


ALL_STAGES = [
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
]


def in_order(seen: list[str]) -> bool:
    """The stages seen come in the documented order (a short stage can fall between two
    polls)."""
    return seen == [stage for stage in ALL_STAGES if stage in seen]


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_a_deployment_completes_after_ecs_bake(
    strategy: str,
    monkeypatch: pytest.MonkeyPatch,
    github_files: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    scenario = Scenario.deploys(configuration(strategy), after_s=40)
    code, _, clock = deploy(monkeypatch, scenario, "--timeout", "60m")
    stdout = capsys.readouterr().out
    out = read_outputs(github_files)
    assert code == 0, stdout
    assert out["result"] == "deployed"
    assert out["service-deployment-arn"].startswith(
        "arn:aws:ecs:us-east-1:123456789012:service-deployment/app-prod/web/"
    )
    assert out["rollback-cause"] == ""
    seen = stages(stdout)
    assert in_order(seen), seen
    assert {"PRE_SCALE_UP", "PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME"} <= set(seen), seen
    assert "SUCCESSFUL (deployment successful)" in stdout
    # Done when ECS's 10-minute bake and the clean-up are over, not when traffic moved.
    assert clock.t >= 600 + 40
    summary = (tmp_path / "summary.md").read_text()
    assert "### Deployment timeline" in summary
    assert f"| strategy | {strategy}" in summary
    assert "bake 10m" in summary


def test_canary_and_linear_shift_production_traffic_in_their_steps(
    monkeypatch: pytest.MonkeyPatch, github_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(monkeypatch, Scenario.deploys(configuration("CANARY")), "--timeout", "60m")
    canary = capsys.readouterr().out
    assert "PRODUCTION_TRAFFIC_SHIFT production 10% (canary bake 5m)" in canary
    assert "PRODUCTION_TRAFFIC_SHIFT production 100%" in canary
    deploy(monkeypatch, Scenario.deploys(configuration("LINEAR")), "--timeout", "60m")
    linear = capsys.readouterr().out
    steps = [w for w in ("25%", "50%", "75%", "100%") if f"production {w}" in linear]
    assert steps == ["25%", "50%", "75%", "100%"]
    assert "(step bake 2m)" in linear


ROLLBACKS = [
    # (strategy, fault, stage the deployment is in when ECS rolls it back, cause)
    (
        "BLUE_GREEN",
        Fault("circuit_breaker", "TEST_TRAFFIC_SHIFT"),
        "TEST_TRAFFIC_SHIFT",
        "circuit-breaker",
    ),
    (
        "CANARY",
        Fault("alarm", "PRODUCTION_TRAFFIC_SHIFT", 0.5),
        "PRODUCTION_TRAFFIC_SHIFT",
        "alarm",
    ),
    (
        "LINEAR",
        Fault("alarm", "PRODUCTION_TRAFFIC_SHIFT", 0.6),
        "PRODUCTION_TRAFFIC_SHIFT",
        "alarm",
    ),
    ("BLUE_GREEN", Fault("alarm", "BAKE_TIME", 0.3), "BAKE_TIME", "alarm"),
    ("CANARY", Fault("alarm", "BAKE_TIME", 0.5), "BAKE_TIME", "alarm"),
    ("LINEAR", Fault("circuit_breaker", "BAKE_TIME", 0.9), "BAKE_TIME", "circuit-breaker"),
]


@pytest.mark.parametrize(
    ("strategy", "fault", "stage", "cause"),
    ROLLBACKS,
    ids=[f"{s}-{f.kind}-during-{st}" for s, f, st, _ in ROLLBACKS],
)
def test_a_rollback_by_ecs_fails_the_step_naming_stage_and_cause(  # noqa: PLR0917
    strategy: str,
    fault: Fault,
    stage: str,
    cause: str,
    monkeypatch: pytest.MonkeyPatch,
    github_files: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    scenario = Scenario.deploys(configuration(strategy), after_s=40, fault=fault)
    code, ecs, clock = deploy(monkeypatch, scenario, "--timeout", "60m")
    stdout = capsys.readouterr().out
    out = read_outputs(github_files)
    assert code == 1
    assert out["result"] == "rolled-back"
    assert out["rollback-cause"] == cause
    assert out["lifecycle-stage"] == stage
    assert f"::error::deploy rolled-back: Deployment {ecs.deployment_id}" in stdout
    assert f"ECS is rolling back the deployment during {stage}" in stdout
    rolled_back_at = ecs.tracked.lifecycle.rollback_at if ecs.tracked else None
    assert rolled_back_at is not None
    assert clock.t - rolled_back_at <= 2.0, "noticed within the hot poll interval"
    if stage == "BAKE_TIME":
        assert "into the bake" in stdout and "left" in stdout


def test_a_failing_lifecycle_hook_rolls_the_deployment_back(
    monkeypatch: pytest.MonkeyPatch, github_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hooks = [
        {
            "hookTargetArn": HOOK,
            "roleArn": "arn:aws:iam::1:role/h",
            "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
        }
    ]
    scenario = Scenario.deploys(
        configuration("CANARY", lifecycleHooks=hooks),
        fault=Fault("hook", "POST_TEST_TRAFFIC_SHIFT"),
    )
    code, _, _ = deploy(monkeypatch, scenario, "--timeout", "60m")
    stdout = capsys.readouterr().out
    out = read_outputs(github_files)
    assert code == 1
    assert (out["result"], out["rollback-cause"]) == ("rolled-back", "hook")
    assert out["lifecycle-stage"] == "POST_TEST_TRAFFIC_SHIFT"
    assert "hook smoke-test failed" in stdout


def test_a_hook_that_succeeds_is_shown_and_the_deployment_goes_on(
    monkeypatch: pytest.MonkeyPatch, github_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hooks = [
        {
            "hookTargetArn": HOOK,
            "roleArn": "arn:aws:iam::1:role/h",
            "lifecycleStages": ["POST_SCALE_UP"],
        }
    ]
    code, _, _ = deploy(
        monkeypatch,
        Scenario.deploys(configuration("BLUE_GREEN", lifecycleHooks=hooks)),
        "--timeout",
        "60m",
    )
    stdout = capsys.readouterr().out
    assert code == 0
    assert "hook smoke-test: SUCCEEDED" in stdout


def test_a_blue_green_service_configured_elsewhere_is_followed_through_its_bake(
    monkeypatch: pytest.MonkeyPatch, github_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A BLUE_GREEN service nobody configured with slipway (no module, plain API): its
    rolloutState is IN_PROGRESS during ECS's 20-minute bake. The deploy neither gives up at
    the default 15-minute timeout measured from ... nor stops early: it reports the stage
    and waits for SUCCESSFUL within the timeout it was given."""
    blue_green = {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 20}
    code, ecs, clock = deploy(
        monkeypatch, Scenario.deploys(blue_green, after_s=60), "--timeout", "30m"
    )
    stdout = capsys.readouterr().out
    assert code == 0, stdout
    assert read_outputs(github_files)["result"] == "deployed"
    assert "BAKE_TIME production 100% (bake 20m)" in stdout
    assert clock.t >= 20 * 60
    # Its rollout state alone would have kept the deploy waiting past its timeout.
    assert ecs.count("describe_service_deployments") > 0


def test_rollout_state_alone_misreads_a_blue_green_bake_as_no_verdict(
    monkeypatch: pytest.MonkeyPatch, github_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the service-deployment API the same deploy times out during the bake, and
    says why it could not know better."""
    blue_green = {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 20}
    code, _, _ = deploy(
        monkeypatch, Scenario.deploys(blue_green, after_s=60), "--timeout", "15m", api=False
    )
    assert code == 1
    assert read_outputs(github_files)["result"] == "timeout"


@pytest.mark.parametrize(
    ("wait_for", "stage"),
    [("POST_TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT"), ("bake-time", "BAKE_TIME")],
)
def test_wait_for_a_stage_ends_the_step_there(
    wait_for: str,
    stage: str,
    monkeypatch: pytest.MonkeyPatch,
    github_files: Path,
) -> None:
    code, ecs, _ = deploy(
        monkeypatch, Scenario.deploys(configuration("CANARY")), "--wait-for", wait_for
    )
    out = read_outputs(github_files)
    assert code == 0
    assert (out["result"], out["lifecycle-stage"]) == ("stage-reached", stage)
    assert ecs.tracked is not None and ecs.tracked.lifecycle.status == "IN_PROGRESS"


PAUSED = configuration(
    "BLUE_GREEN",
    lifecycleHooks=[
        {
            "targetType": "PAUSE",
            "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
            "timeoutConfiguration": {"timeoutInMinutes": 60, "action": "ROLLBACK"},
        }
    ],
)


def test_wait_for_paused_then_continue_finishes_the_deployment(
    monkeypatch: pytest.MonkeyPatch,
    github_files: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, ecs, clock = deploy(monkeypatch, Scenario.deploys(PAUSED), "--wait-for", "paused")
    out = read_outputs(github_files)
    assert code == 0, capsys.readouterr().out
    assert (out["result"], out["lifecycle-stage"]) == ("paused", "POST_TEST_TRAFFIC_SHIFT")
    assert out["hook-id"].startswith("ecs-pause-")
    arn = out["service-deployment-arn"]

    # The manual check happens; a later step resumes the same deployment.
    clock.sleep(300)
    code = _continue(monkeypatch, ecs, github_files, arn, "continue")
    out = read_outputs(github_files)
    assert code == 0, capsys.readouterr().out
    assert out["result"] == "deployed"
    resumed = [c.params for c in ecs.calls if c.operation == "continue_service_deployment"]
    assert resumed == [{"arn": arn, "hook": read_hook(ecs), "action": "CONTINUE"}]
    assert ecs.count("register_task_definition") == 0 and ecs.count("update_service") == 1


def test_continue_with_rollback_rolls_back_and_succeeds(
    monkeypatch: pytest.MonkeyPatch, github_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, ecs, _ = deploy(monkeypatch, Scenario.deploys(PAUSED), "--wait-for", "paused")
    arn = read_outputs(github_files)["service-deployment-arn"]
    code = _continue(monkeypatch, ecs, github_files, arn, "rollback")
    out = read_outputs(github_files)
    assert code == 0, capsys.readouterr().out
    assert (out["result"], out["rollback-cause"]) == ("rolled-back", "requested")
    assert ecs.tracked is not None and ecs.tracked.lifecycle.status == "ROLLBACK_SUCCESSFUL"


def test_continue_on_a_deployment_that_is_not_paused_is_one_line(
    monkeypatch: pytest.MonkeyPatch, github_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, ecs, _ = deploy(
        monkeypatch, Scenario.deploys(configuration("CANARY")), "--wait-for", "BAKE_TIME"
    )
    arn = read_outputs(github_files)["service-deployment-arn"]
    capsys.readouterr()
    code = _continue(monkeypatch, ecs, github_files, arn, "continue")
    stdout = capsys.readouterr().out
    assert code == 1
    assert "is IN_PROGRESS at BAKE_TIME, not waiting at a pause hook" in stdout
    assert ecs.count("continue_service_deployment") == 0


def read_hook(ecs: RegistryEcs) -> str:
    assert ecs.tracked is not None
    return next(h.hook_id for h in ecs.tracked.lifecycle.hooks if h.target_type == "PAUSE")


def _continue(
    monkeypatch: pytest.MonkeyPatch, ecs: RegistryEcs, outputs: Path, arn: str, action: str
) -> int:
    from slipway.cli import main
    from slipway.commands import ecs_deploy
    from slipway.ecs.deploy import Clock

    outputs.unlink(missing_ok=True)
    monkeypatch.setattr(ecs_deploy, "ecs_client", lambda session: ecs)
    monkeypatch.setattr(
        ecs_deploy, "deploy_clock", lambda: Clock(ecs.clock.monotonic, ecs.clock.sleep)
    )
    return main(
        [
            "ecs-deploy",
            "--cluster",
            "app-prod",
            "--service",
            "web",
            "--continue-deployment",
            arn,
            "--continue-action",
            action,
        ]
    )


@pytest.mark.parametrize(
    ("config", "wait_for", "expected"),
    [
        (None, "POST_TEST_TRAFFIC_SHIFT", "completed or steady-state for a ROLLING service"),
        (configuration("CANARY"), "paused", "a pause hook in its deployment configuration"),
    ],
)
def test_a_wait_for_the_service_cannot_give_is_refused_before_any_change(  # noqa: PLR0917
    config: dict[str, Any] | None,
    wait_for: str,
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    github_files: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    scenario = Scenario.completes() if config is None else Scenario.deploys(config)
    code, ecs, _ = deploy(monkeypatch, scenario, "--wait-for", wait_for)
    stdout = capsys.readouterr().out
    assert code == 1
    assert "input 'wait-for'" in stdout and expected in stdout
    assert ecs.registered == [] and ecs.count("update_service") == 0
