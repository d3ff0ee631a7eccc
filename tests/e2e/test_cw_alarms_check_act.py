"""The action as a consumer uses it: a workflow run by act, against the emulator."""

from __future__ import annotations

import json
import re
from pathlib import Path

import boto3
import pytest
from tests.e2e.conftest import EMULATOR_CREDENTIALS, run_workflow
from tests.support import put_metric_alarm as put_alarm

pytestmark = pytest.mark.e2e


def settings(aws: str, prefix: str, bake_time: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": aws,
        **EMULATOR_CREDENTIALS,
        "ALARM_PREFIX": prefix,
        "BAKE_TIME": bake_time,
    }


def test_green_bake_through_act(aws: str, tmp_path: Path) -> None:
    put_alarm(boto3.client("cloudwatch"), "shop-green-5xx")
    run = run_workflow("cw-alarms-check.yml", tmp_path, settings(aws, "shop-green-", "3s"))
    assert run.returncode == 0, run.log
    assert run.result["outcome"] == "success", run.log
    assert run.result["result"] == "ok"
    assert json.loads(run.result["breached"]) == []
    assert json.loads(run.result["watched"]) == ["shop-green-5xx"]


def test_red_bake_through_act_when_an_alarm_fires_mid_bake(aws: str, tmp_path: Path) -> None:
    cloudwatch = boto3.client("cloudwatch")
    put_alarm(cloudwatch, "shop-red-5xx")
    put_alarm(cloudwatch, "shop-red-latency")
    fired: list[str] = []

    def fire_once_baking(line: str) -> None:
        # Fire only once the action has taken its starting snapshot and is baking.
        if "Bake: watching 2 alarm(s)" in line and not fired:
            cloudwatch.set_alarm_state(
                AlarmName="shop-red-latency", StateValue="ALARM", StateReason="p99 above 2s"
            )
            fired.append(line)

    run = run_workflow(
        "cw-alarms-check.yml",
        tmp_path,
        settings(aws, "shop-red-", "120s"),
        on_line=fire_once_baking,
    )
    assert fired, run.log
    assert run.returncode == 0, run.log  # continue-on-error: the job goes on to record
    assert run.result["outcome"] == "failure", run.log
    assert run.result["result"] == "breached"
    breached = json.loads(run.result["breached"])
    assert [(b["name"], b["reason"]) for b in breached] == [("shop-red-latency", "p99 above 2s")]
    assert re.search(
        r"bake failed: shop-red-latency ALARM at \d\d:\d\d:\d\d UTC: p99 above 2s", run.log
    )
