"""ecs-deploy the way a consumer runs it: a workflow run by act. The service lives in the
emulator; ECS calls go through the deployment progressor (tests/fakes/ecs_progressor.py),
which adds the deployment progress moto lacks and forwards everything else to moto."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.e2e.conftest import CLUSTER, EMULATOR_CREDENTIALS, SERVICE, run_workflow
from tests.fakes.ecs_progressor import CIRCUIT_BREAKER_REASON, EcsProgressor

pytestmark = pytest.mark.e2e

IMAGE = (
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:"
    "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"
)


def run_act(aws: str, progressor: EcsProgressor, tmp_path: Path) -> tuple[dict[str, str], str]:
    env = {
        "AWS_ENDPOINT_URL": aws,
        "AWS_ENDPOINT_URL_ECS": progressor.url,
        **EMULATOR_CREDENTIALS,
        "ECS_CLUSTER": CLUSTER,
        "ECS_SERVICE": SERVICE,
        "IMAGE": IMAGE,
    }
    run = run_workflow("ecs-deploy.yml", tmp_path, env)
    assert run.returncode == 0, run.log  # continue-on-error: the job goes on to record
    return run.result, run.log


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
