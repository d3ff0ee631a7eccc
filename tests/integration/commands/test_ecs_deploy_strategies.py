"""ecs-deploy and cw-alarms-check on traffic-shifting services in the emulator, ECS calls
through the deployment progressor (which moves each service deployment through its
strategy's documented lifecycle and rolls back on a deployment alarm it reads from the
emulator's CloudWatch)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.e2e.conftest import CLUSTER, SERVICE
from tests.fakes.ecs_progressor import EcsProgressor
from tests.support import put_metric_alarm, read_outputs

from slipway.cli import main

pytestmark = pytest.mark.integration

NEW_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:2.0.0"
ALARMS = ["web-5xx", "web-latency"]


def configure(ecs: Any, configuration: dict[str, Any]) -> None:
    """Set the strategy with the plain API, as a team without slipway's module would."""
    ecs.update_service(cluster=CLUSTER, service=SERVICE, deploymentConfiguration=configuration)


@pytest.fixture
def env(
    aws: str, progressor: EcsProgressor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECS", progressor.url)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    cloudwatch = boto3.client("cloudwatch")
    for name in ALARMS:
        put_metric_alarm(cloudwatch, name, {"Service": "web"})
    return outputs


def deploy(*extra: str) -> int:
    return main(
        [
            "ecs-deploy",
            "--cluster",
            CLUSTER,
            "--service",
            SERVICE,
            "--images",
            f"web={NEW_IMAGE}",
            "--timeout",
            "2m",
            *extra,
        ]
    )


def test_a_blue_green_service_configured_outside_slipway_is_followed_through_its_bake(
    ecs: Any, progressor: EcsProgressor, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(ecs, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 3})
    progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=2, minute_s=1.0)
    started = time.monotonic()
    code = deploy()
    stdout = capsys.readouterr().out
    out = read_outputs(env)
    assert code == 0, stdout
    assert (out["result"], out["lifecycle-stage"]) == ("deployed", "CLEAN_UP")
    assert time.monotonic() - started >= 3.0, "it waited for ECS's 3-minute (3 s) bake"
    assert "BAKE_TIME production 100% (bake 3m)" in stdout
    summary = (env.parent / "summary.md").read_text()
    assert "| strategy | BLUE_GREEN, bake 3m |" in summary
    assert (
        "| time | lifecycle stage | status | production traffic | test traffic | note |" in summary
    )


def test_ecs_rolls_back_a_canary_whose_alarm_fires_in_the_bake(
    ecs: Any, progressor: EcsProgressor, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(
        ecs,
        {
            "strategy": "CANARY",
            "bakeTimeInMinutes": 10,
            "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 1},
            "alarms": {"alarmNames": ALARMS, "enable": True, "rollback": True},
        },
    )
    progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=2, minute_s=1.0)
    fired = threading.Event()

    def fire_in_the_bake() -> None:
        cloudwatch = boto3.client("cloudwatch")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not fired.is_set():
            state = progressor.state().get(f"{CLUSTER}/{SERVICE}", {})
            deployments = state.get("service_deployments") or [{}]
            if deployments[-1].get("lifecycleStage") == "BAKE_TIME":
                cloudwatch.set_alarm_state(
                    AlarmName="web-latency", StateValue="ALARM", StateReason="p99 above 2s"
                )
                fired.set()
            time.sleep(0.1)

    thread = threading.Thread(target=fire_in_the_bake, daemon=True)
    thread.start()
    code = deploy()
    thread.join(timeout=5)
    stdout = capsys.readouterr().out
    out = read_outputs(env)
    assert fired.is_set()
    assert code == 1
    assert (out["result"], out["rollback-cause"], out["lifecycle-stage"]) == (
        "rolled-back",
        "alarm",
        "BAKE_TIME",
    )
    assert (
        "ECS is rolling back the deployment during BAKE_TIME: alarm web-latency went to ALARM"
        in stdout
    )
    first = out["previous-task-definition-arn"]
    service = boto3.client("ecs").describe_services(cluster=CLUSTER, services=[SERVICE])
    assert service["services"][0]["taskDefinition"] == first


def test_cw_alarms_check_leaves_out_what_ecs_baked(
    ecs: Any, progressor: EcsProgressor, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(
        ecs,
        {
            "strategy": "BLUE_GREEN",
            "bakeTimeInMinutes": 1,
            "alarms": {"alarmNames": ["web-5xx"], "enable": True, "rollback": True},
        },
    )
    progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=1, minute_s=1.0)
    assert deploy() == 0, capsys.readouterr().out

    def check(*extra: str) -> tuple[int, dict[str, str]]:
        env.unlink(missing_ok=True)
        code = main(
            [
                "cw-alarms-check",
                "--ecs-cluster",
                CLUSTER,
                "--ecs-service",
                SERVICE,
                "--bake-time",
                "1s",
                "--poll-interval",
                "1s",
                *extra,
            ]
        )
        return code, read_outputs(env)

    code, out = check("--alarm-names", "web-5xx")
    assert code == 0, capsys.readouterr().out
    assert (out["result"], json.loads(out["watched"])) == ("ecs-baked", [])
    summary = (env.parent / "summary.md").read_text()
    assert "CloudWatch alarm bake: baked by ECS" in summary

    code, out = check("--alarm-names", "web-5xx,web-latency")
    assert (code, out["result"], json.loads(out["watched"])) == (0, "ok", ["web-latency"])
    assert "not baking again web-5xx" in capsys.readouterr().out

    code, out = check("--alarm-names", "web-5xx,web-latency", "--repeat-ecs-bake", "true")
    assert (code, out["result"], json.loads(out["watched"])) == (
        0,
        "ok",
        ["web-5xx", "web-latency"],
    )


def test_cluster_without_service_is_one_line_before_any_call(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["cw-alarms-check", "--alarm-names", "web-5xx", "--ecs-cluster", CLUSTER])
    assert code == 1
    assert "input 'ecs-service'" in capsys.readouterr().out
