"""ecs-deploy the way a consumer runs it: a workflow run by act. The service lives in the
emulator; ECS calls go through the deployment progressor (tests/fakes/ecs_progressor.py),
which adds the deployment progress moto lacks and forwards everything else to moto."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.conftest import CLUSTER, SERVICE
from tests.fakes.ecs_progressor import CIRCUIT_BREAKER_REASON, EcsProgressor

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
ACT = REPO / ".venv" / "bin" / "act"
WORKFLOW = REPO / "tests" / "e2e" / "workflows" / "ecs-deploy.yml"
IMAGE = (
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:"
    "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"
)


def run_act(aws: str, progressor: EcsProgressor, tmp_path: Path) -> tuple[dict[str, str], str]:
    result_file = tmp_path / "result.json"
    env_file = tmp_path / "act.env"
    env_file.write_text(
        "\n".join(
            f"{k}={v}"
            for k, v in {
                "AWS_ENDPOINT_URL": aws,
                "AWS_ENDPOINT_URL_ECS": progressor.url,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": "us-east-1",
                "ECS_CLUSTER": CLUSTER,
                "ECS_SERVICE": SERVICE,
                "IMAGE": IMAGE,
                "RESULT_FILE": str(result_file),
            }.items()
        )
        + "\n"
    )
    process = subprocess.run(
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
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    log = process.stdout + process.stderr
    assert process.returncode == 0, log  # continue-on-error: the job goes on to record
    return json.loads(result_file.read_text()), log


def test_deploy_waits_for_the_completed_rollout(
    aws: str, ecs: Any, progressor: EcsProgressor, tmp_path: Path
) -> None:
    progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=5)
    result, log = run_act(aws, progressor, tmp_path)
    assert result["outcome"] == "success", log
    assert result["result"] == "deployed", log
    assert result["previous_task_definition_arn"].endswith("task-definition/web:1")
    assert result["task_definition_arn"].endswith("task-definition/web:2")
    assert result["deployment_id"].startswith("ecs-svc/")
    assert "has reached a steady state." in log
    # moto itself (not the progressor) has the service on the new revision
    service = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    assert service["taskDefinition"] == result["task_definition_arn"]
    registered = ecs.describe_task_definition(taskDefinition=result["task_definition_arn"])
    assert registered["taskDefinition"]["containerDefinitions"][0]["image"] == IMAGE
    recorded = progressor.state()[f"{CLUSTER}/{SERVICE}"]["deployments"]
    assert [(d["id"], d["rolloutState"]) for d in recorded] == [
        (result["deployment_id"], "COMPLETED")
    ]


def test_circuit_breaker_rollback_fails_the_step(
    aws: str, ecs: Any, progressor: EcsProgressor, tmp_path: Path
) -> None:
    progressor.set_scenario(CLUSTER, SERVICE, "circuit_breaker", after_s=5)
    result, log = run_act(aws, progressor, tmp_path)
    assert result["outcome"] == "failure", log
    assert result["result"] == "rolled-back", log
    assert result["deployment_id"].startswith("ecs-svc/")
    assert result["task_definition_arn"].endswith("task-definition/web:2")
    assert CIRCUIT_BREAKER_REASON in log
    # ECS rolled the service back to the previous revision
    service = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    assert service["taskDefinition"] == result["previous_task_definition_arn"]
    assert service["taskDefinition"].endswith("task-definition/web:1")
