"""Every bad input fails with one line naming the input, before any AWS request."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support import counting_endpoint

REPO = Path(__file__).resolve().parents[3]

GOOD = {"INPUT_ALARM_NAME_PREFIXES": "web-", "INPUT_AWS_REGION": "us-east-1"}


def run_command(
    overrides: dict[str, str], endpoint: str, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO / "src"),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
    }
    env.update({k: v for k, v in {**GOOD, **overrides}.items() if v is not None})
    return subprocess.run(
        [sys.executable, "-m", "slipway", "cw-alarms-check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"INPUT_BAKE_TIME": "10x"}, "input 'bake-time': expected a duration"),
        ({"INPUT_POLL_INTERVAL": "-5s"}, "input 'poll-interval': expected a duration"),
        ({"INPUT_ALARM_TAGS": "Service"}, "input 'alarm-tags': expected key=value pairs"),
        ({"INPUT_AWS_REGION": "us-east-9"}, "input 'aws-region': unknown region 'us-east-9'"),
        ({"INPUT_ALARM_NAME_PREFIXES": ""}, "input 'alarm-names': expected at least one of"),
        (
            {"INPUT_PRE_EXISTING_ALARMS": "maybe"},
            "input 'pre-existing-alarms': expected one of fail, ignore",
        ),
        ({"INPUT_ROLE_TO_ASSUME": "deploy-role"}, "input 'role-to-assume'"),
        ({"INPUT_INCLUDE_TARGET_TRACKING": "perhaps"}, "input 'include-target-tracking'"),
        (
            {"INPUT_ALARM_SELECTION": "both"},
            "input 'alarm-selection': expected one of union, intersection",
        ),
    ],
)
def test_bad_input_fails_before_any_aws_request(
    overrides: dict[str, str], message: str, tmp_path: Path
) -> None:
    with counting_endpoint() as endpoint:
        result = run_command(overrides, endpoint.url, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, result.stdout
    assert message in errors[0]
    assert endpoint.requests == []
    assert "Traceback" not in result.stderr


def test_no_region_anywhere_is_an_input_error(tmp_path: Path) -> None:
    with counting_endpoint() as endpoint:
        result = run_command({"INPUT_AWS_REGION": ""}, endpoint.url, tmp_path)
    assert result.returncode == 1
    assert "input 'aws-region'" in result.stdout
    assert endpoint.requests == []
