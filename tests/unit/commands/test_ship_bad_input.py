"""ship: every bad input fails with one line naming it, before any AWS request and before
any docker command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support import counting_endpoint

REPO = Path(__file__).resolve().parents[3]

GOOD = {
    "INPUT_REPOSITORY": "shop/web",
    "INPUT_REGISTRY": "127.0.0.1:5000",
    "INPUT_CLUSTER": "app-prod",
    "INPUT_SERVICE": "web",
    "INPUT_ALARM_NAME_PREFIXES": "web-",
    "INPUT_AWS_REGION": "us-east-1",
}


def run_ship(
    overrides: dict[str, str], tmp_path: Path
) -> tuple[subprocess.CompletedProcess[str], list[str], Path]:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    docker_calls = tmp_path / "docker-calls"
    docker = tmp_path / "docker"
    docker.write_text(f'#!/bin/sh\necho "$*" >> {docker_calls}\nexit 1\n')
    docker.chmod(0o755)
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO / "src"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "SLIPWAY_DOCKER": str(docker),
        **GOOD,
        **overrides,
    }
    with counting_endpoint() as endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint.url
        result = subprocess.run(
            [sys.executable, "-m", "slipway", "ship"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    return result, endpoint.requests, docker_calls


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"INPUT_REPOSITORY": "Shop/Web"}, "input 'repository': expected a lowercase"),
        ({"INPUT_REGISTRY": "no such host"}, "input 'registry'"),
        ({"INPUT_CONTEXT": "missing"}, "input 'context': expected an existing directory"),
        ({"INPUT_DOCKERFILE": "nope/Dockerfile"}, "input 'dockerfile'"),
        ({"INPUT_BUILD_ARGS": "NOEQUALS"}, "input 'build-args'"),
        ({"INPUT_PUSH_RETRIES": "11"}, "input 'push-retries'"),
        ({"INPUT_CLUSTER": ""}, "input 'cluster'"),
        ({"INPUT_SERVICE": ""}, "input 'service'"),
        ({"INPUT_CONTAINER": "web app"}, "input 'container'"),
        ({"INPUT_ENVIRONMENT": "RELEASE=1"}, "input 'environment'"),
        ({"INPUT_MIGRATION_COMMAND": '["unterminated'}, "input 'migration-command'"),
        ({"INPUT_MIGRATION_TIMEOUT": "0s"}, "input 'migration-timeout'"),
        ({"INPUT_TIMEOUT": "-5m"}, "input 'timeout': expected a duration"),
        ({"INPUT_ROLLBACK": "sometimes"}, "input 'rollback': expected one of"),
        ({"INPUT_ALARM_TAGS": "Service"}, "input 'alarm-tags': expected key=value pairs"),
        ({"INPUT_BAKE_TIME": "10x"}, "input 'bake-time': expected a duration"),
        ({"INPUT_POLL_INTERVAL": "0s"}, "input 'poll-interval'"),
        ({"INPUT_PRE_EXISTING_ALARMS": "maybe"}, "input 'pre-existing-alarms'"),
        ({"INPUT_ALLOW_NO_ALARMS": "perhaps"}, "input 'allow-no-alarms'"),
        ({"INPUT_AWS_REGION": "us-east-9"}, "input 'aws-region': unknown region 'us-east-9'"),
        ({"INPUT_ROLE_TO_ASSUME": "deploy-role"}, "input 'role-to-assume'"),
    ],
)
def test_bad_input_fails_before_any_aws_request_or_docker_command(
    overrides: dict[str, str], message: str, tmp_path: Path
) -> None:
    result, requests, docker_calls = run_ship(overrides, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, result.stdout
    assert message in errors[0]
    assert requests == []
    assert not docker_calls.exists()
    assert "Traceback" not in result.stderr
