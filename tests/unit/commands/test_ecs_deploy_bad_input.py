"""ecs-deploy: every bad input fails with one line naming it, before any AWS request."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support import counting_endpoint

REPO = Path(__file__).resolve().parents[3]
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"INPUT_IMAGES": "web=repo@sha256:123"}, "input 'images'"),
        ({"INPUT_IMAGES": "web=a b"}, "input 'images'"),
        ({"INPUT_IMAGES": f"web={IMAGE},web={IMAGE}"}, "input 'images'"),
        ({"INPUT_TIMEOUT": "-5m"}, "input 'timeout': expected a duration"),
        ({"INPUT_TASK_DEFINITION": "taskdef.json"}, "input 'task-definition'"),
        ({"INPUT_ENVIRONMENT": "LOG_LEVEL=debug"}, "input 'environment'"),
        ({"INPUT_SECRETS": "web.DB_PASSWORD=hunter2"}, "input 'secrets'"),
        ({"INPUT_ROLLBACK": "sometimes"}, "input 'rollback': expected one of"),
        ({"INPUT_MIGRATION_COMMAND": '["unterminated'}, "input 'migration-command'"),
        ({"INPUT_KEEP_REVISIONS": "-1"}, "input 'keep-revisions'"),
        ({"INPUT_IMAGES": ""}, "input 'images': expected images, environment"),
    ],
)
def test_bad_input_fails_before_any_aws_request(
    overrides: dict[str, str], message: str, tmp_path: Path
) -> None:
    (tmp_path / "taskdef.json").write_text('{"family": "web", "containerDefinitions": [,]}')
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO / "src"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "INPUT_CLUSTER": "app",
        "INPUT_SERVICE": "web",
        "INPUT_IMAGES": f"web={IMAGE}",
    }
    env.update(overrides)
    with counting_endpoint() as endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint.url
        result = subprocess.run(
            [sys.executable, "-m", "slipway", "ecs-deploy"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(errors) == 1 and message in errors[0], result.stdout
    assert "hunter2" not in result.stdout  # values of a rejected secrets line are not echoed
    assert endpoint.requests == []
