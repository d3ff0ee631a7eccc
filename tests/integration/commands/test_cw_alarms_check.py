"""cw-alarms-check against the real emulator: discovery, green and red bakes, outputs."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.support import put_metric_alarm as put_alarm
from tests.support import read_outputs

from slipway.cli import main
from slipway.commands import cw_alarms_check

pytestmark = pytest.mark.integration


@pytest.fixture
def cloudwatch(aws: str) -> object:
    client = boto3.client("cloudwatch", region_name="us-east-1")
    put_alarm(client, "web-prod-cpu", {"Service": "web"})
    put_alarm(client, "web-prod-5xx", {"Service": "web"})
    put_alarm(client, "worker-prod-cpu", {"Service": "worker"})
    put_alarm(client, "TargetTracking-service/prod/web-AlarmHigh-1", {"Service": "web"})
    return client


@pytest.fixture
def github_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    outputs, summary = tmp_path / "outputs", tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    return outputs, summary


def test_green_bake_by_tag_excludes_target_tracking(
    cloudwatch: object, github_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    outputs, summary = github_files
    code = main(
        [
            "cw-alarms-check",
            "--alarm-tags",
            "Service=web",
            "--bake-time",
            "2s",
            "--poll-interval",
            "1s",
        ]
    )
    assert code == 0, capsys.readouterr().out
    values = read_outputs(outputs)
    assert values["result"] == "ok"
    assert json.loads(values["breached"]) == []
    assert json.loads(values["watched"]) == ["web-prod-5xx", "web-prod-cpu"]
    text = summary.read_text()
    assert "✅ CloudWatch alarm bake: ok" in text
    assert "| web-prod-cpu | metric | 🟢 OK | 🟢 OK | 0 |  |" in text


def test_alarm_entering_alarm_mid_bake_fails_fast(
    cloudwatch: object, github_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    outputs, summary = github_files

    def breach_later() -> None:
        time.sleep(1.5)
        cloudwatch.set_alarm_state(  # type: ignore[attr-defined]
            AlarmName="web-prod-5xx", StateValue="ALARM", StateReason="5xx above 1%"
        )

    threading.Thread(target=breach_later, daemon=True).start()
    started = time.monotonic()
    code = main(
        [
            "cw-alarms-check",
            "--alarm-name-prefixes",
            "web-prod-",
            "--bake-time",
            "60s",
            "--poll-interval",
            "1s",
        ]
    )
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == 1
    assert elapsed < 20, "the bake must stop at the first breach, not run to the end"
    values = read_outputs(outputs)
    assert values["result"] == "breached"
    breached = json.loads(values["breached"])
    assert [(b["name"], b["state"], b["reason"], b["pre_existing"]) for b in breached] == [
        ("web-prod-5xx", "ALARM", "5xx above 1%", False)
    ]
    assert re.search(
        r"::error::bake failed: web-prod-5xx ALARM at \d\d:\d\d:\d\d UTC: 5xx above 1%", out
    )
    text = summary.read_text()
    assert "❌ CloudWatch alarm bake: breached" in text
    assert "| web-prod-5xx | metric | 🟢 OK | 🔴 ALARM | 1 | **breached** |" in text
    assert "5xx above 1%" in text


def test_pre_existing_alarm_fails_or_is_tolerated_by_choice(
    cloudwatch: object, github_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    outputs, _ = github_files
    cloudwatch.set_alarm_state(  # type: ignore[attr-defined]
        AlarmName="worker-prod-cpu", StateValue="ALARM", StateReason="busy before deploy"
    )
    assert main(["cw-alarms-check", "--alarm-names", "worker-prod-cpu", "--bake-time", "30s"]) == 1
    breached = json.loads(read_outputs(outputs)["breached"])
    assert breached[0]["pre_existing"] is True
    outputs.unlink()

    def recover_later() -> None:
        time.sleep(1.2)
        cloudwatch.set_alarm_state(  # type: ignore[attr-defined]
            AlarmName="worker-prod-cpu", StateValue="OK", StateReason="calm"
        )

    threading.Thread(target=recover_later, daemon=True).start()
    code = main(
        [
            "cw-alarms-check",
            "--alarm-names",
            "worker-prod-cpu",
            "--bake-time",
            "3s",
            "--poll-interval",
            "1s",
            "--pre-existing-alarms",
            "ignore",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert read_outputs(outputs)["result"] == "ok"
    assert "was already ALARM when the bake started" in out


def test_alarm_firing_and_recovering_between_two_polls_fails_the_bake(
    cloudwatch: object,
    github_files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """ALARM at +5 s, OK again at +8 s, the default 15 s poll: no read of the states sees
    the ALARM; the alarm history does, and the bake fails naming the alarm and the time."""
    outputs, summary = github_files
    fired: list[datetime] = []
    baking = threading.Event()

    def flip() -> None:
        baking.wait(30)
        time.sleep(5)
        fired.append(datetime.now(UTC))
        cloudwatch.set_alarm_state(  # type: ignore[attr-defined]
            AlarmName="web-prod-5xx", StateValue="ALARM", StateReason="5xx above 1%"
        )
        time.sleep(3)
        cloudwatch.set_alarm_state(  # type: ignore[attr-defined]
            AlarmName="web-prod-5xx", StateValue="OK", StateReason="5xx back to 0%"
        )

    real_bake = cw_alarms_check.bake_alarms

    def bake_then_flip(*args: Any, **kwargs: Any) -> Any:
        baking.set()  # the starting states are read: the flip happens during the bake
        return real_bake(*args, **kwargs)

    monkeypatch.setattr(cw_alarms_check, "bake_alarms", bake_then_flip)
    threading.Thread(target=flip, daemon=True).start()
    started = time.monotonic()
    code = main(["cw-alarms-check", "--alarm-name-prefixes", "web-prod-", "--bake-time", "60s"])
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == 1, out
    assert fired
    # Detected at the first poll after the flip (15 s into the bake), not at the end.
    assert 14 < elapsed < 25, elapsed
    values = read_outputs(outputs)
    assert values["result"] == "breached"
    [breach] = json.loads(values["breached"])
    assert (breach["name"], breach["state"], breach["reason"]) == (
        "web-prod-5xx",
        "ALARM",
        "5xx above 1%",
    )
    when = datetime.fromisoformat(breach["time"])
    assert abs(when - fired[0]) < timedelta(seconds=1)
    assert f"::error::bake failed: web-prod-5xx ALARM at {when:%H:%M:%S} UTC: 5xx above 1%" in out
    text = summary.read_text()
    assert "| web-prod-5xx | metric | 🟢 OK | 🟢 OK | 2 | **breached** |" in text
    assert f"went ALARM at {when:%H:%M:%S} UTC" in text
    assert "(from the alarm history)" in text


def test_prefixes_and_tags_add_up_unless_intersected(
    cloudwatch: object, github_files: tuple[Path, Path]
) -> None:
    outputs, _ = github_files
    put_alarm(cloudwatch, "api-prod-cpu", {"Service": "web"})  # tagged web, another prefix
    args = ["cw-alarms-check", "--alarm-name-prefixes", "web-prod-", "--alarm-tags", "Service=web"]
    assert main([*args, "--bake-time", "0s"]) == 0
    assert json.loads(read_outputs(outputs)["watched"]) == [
        "api-prod-cpu",
        "web-prod-5xx",
        "web-prod-cpu",
    ]
    outputs.unlink()
    assert main([*args, "--alarm-selection", "intersection", "--bake-time", "0s"]) == 0
    assert json.loads(read_outputs(outputs)["watched"]) == ["web-prod-5xx", "web-prod-cpu"]


def test_no_alarm_matched_is_its_own_result_and_an_error_unless_allowed(
    aws: str, github_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    outputs, summary = github_files
    assert main(["cw-alarms-check", "--alarm-name-prefixes", "nothing-", "--bake-time", "1s"]) == 1
    assert "no alarm matched prefixes nothing-*" in capsys.readouterr().out
    values = read_outputs(outputs)
    assert (values["result"], values["breached"], values["watched"]) == ("no-alarms", "[]", "[]")
    assert "no alarm matched" in summary.read_text()
    outputs.unlink()
    assert (
        main(
            [
                "cw-alarms-check",
                "--alarm-name-prefixes",
                "nothing-",
                "--bake-time",
                "1s",
                "--allow-no-alarms",
                "true",
            ]
        )
        == 0
    )
    assert read_outputs(outputs)["result"] == "no-alarms"


def test_missing_named_alarm_is_warned(
    cloudwatch: object, github_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["cw-alarms-check", "--alarm-names", "web-prod-cpu,web-prod-typo", "--bake-time", "0s"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "::warning::alarm 'web-prod-typo' named in alarm-names does not exist" in out


def test_alarms_in_another_account_through_assumed_role(
    aws: str, github_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    role = "arn:aws:iam::222222222222:role/bake"
    creds = boto3.client("sts").assume_role(RoleArn=role, RoleSessionName="setup")["Credentials"]
    other = boto3.client(
        "cloudwatch",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    put_alarm(other, "staging-web-cpu")
    outputs, _ = github_files
    # Without the role the default account has no such alarm.
    assert main(["cw-alarms-check", "--alarm-names", "staging-web-cpu", "--bake-time", "0s"]) == 1
    outputs.unlink()
    code = main(
        [
            "cw-alarms-check",
            "--alarm-names",
            "staging-web-cpu",
            "--bake-time",
            "0s",
            "--role-to-assume",
            role,
            "--web-identity",
            "false",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert json.loads(read_outputs(outputs)["watched"]) == ["staging-web-cpu"]
    assert "::add-mask::" in out  # the temporary credentials were masked
