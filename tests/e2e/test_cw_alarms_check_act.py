"""The action as a consumer uses it: a workflow run by act, against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path

import boto3
import pytest
from tests.support import put_metric_alarm as put_alarm

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
ACT = REPO / ".venv" / "bin" / "act"
WORKFLOW = REPO / "tests" / "e2e" / "workflows" / "cw-alarms-check.yml"


def start_act(
    aws: str, tmp_path: Path, prefix: str, bake_time: str
) -> tuple[subprocess.Popen[str], Path]:
    result_file = tmp_path / "result.json"
    env_file = tmp_path / "act.env"
    env_file.write_text(
        "\n".join(
            [
                f"AWS_ENDPOINT_URL={aws}",
                "AWS_ACCESS_KEY_ID=testing",
                "AWS_SECRET_ACCESS_KEY=testing",
                "AWS_REGION=us-east-1",
                f"ALARM_PREFIX={prefix}",
                f"BAKE_TIME={bake_time}",
                f"RESULT_FILE={result_file}",
            ]
        )
        + "\n"
    )
    process = subprocess.Popen(
        [
            str(ACT),
            "workflow_dispatch",
            "-W",
            str(WORKFLOW),
            "-P",
            "ubuntu-latest=-self-hosted",
            "--env-file",
            str(env_file),
            "--action-offline-mode",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    return process, result_file


def test_green_bake_through_act(aws: str, tmp_path: Path) -> None:
    put_alarm(boto3.client("cloudwatch"), "shop-green-5xx")
    process, result_file = start_act(aws, tmp_path, "shop-green-", "3s")
    log, _ = process.communicate(timeout=300)
    assert process.returncode == 0, log
    result = json.loads(result_file.read_text())
    assert result["outcome"] == "success", log
    assert result["result"] == "ok"
    assert json.loads(result["breached"]) == []
    assert json.loads(result["watched"]) == ["shop-green-5xx"]


def test_red_bake_through_act_when_an_alarm_fires_mid_bake(aws: str, tmp_path: Path) -> None:
    cloudwatch = boto3.client("cloudwatch")
    put_alarm(cloudwatch, "shop-red-5xx")
    put_alarm(cloudwatch, "shop-red-latency")
    process, result_file = start_act(aws, tmp_path, "shop-red-", "120s")
    lines: list[str] = []
    fired = threading.Event()
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        # Fire only once the action has taken its starting snapshot and is baking.
        if "Bake: watching 2 alarm(s)" in line and not fired.is_set():
            cloudwatch.set_alarm_state(
                AlarmName="shop-red-latency", StateValue="ALARM", StateReason="p99 above 2s"
            )
            fired.set()
    process.wait(timeout=300)
    log = "".join(lines)
    assert fired.is_set(), log
    assert process.returncode == 0, log  # continue-on-error: the job goes on to record
    result = json.loads(result_file.read_text())
    assert result["outcome"] == "failure", log
    assert result["result"] == "breached"
    breached = json.loads(result["breached"])
    assert [(b["name"], b["reason"]) for b in breached] == [("shop-red-latency", "p99 above 2s")]
    assert "bake failed: shop-red-latency ALARM: p99 above 2s" in log
