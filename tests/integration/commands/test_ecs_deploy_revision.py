"""ecs-deploy of a registered revision (task-definition: an ARN or family:revision) against
the emulator, ECS calls through the deployment progressor: the revision is deployed as it
is and nothing is registered; that is how a rollback redeploys the previous revision."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.e2e.conftest import CLUSTER, SERVICE
from tests.fakes.ecs_progressor import EcsProgressor
from tests.support import read_outputs

from slipway.cli import main

pytestmark = pytest.mark.integration

NEW_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:2.0.0"


@pytest.fixture
def deploy_env(
    aws: str, progressor: EcsProgressor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECS", progressor.url)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=2)
    return outputs


def register_second_revision(ecs: Any) -> str:
    current = ecs.describe_task_definition(taskDefinition="web:1")["taskDefinition"]
    container = {**current["containerDefinitions"][0], "image": NEW_IMAGE}
    arn: str = ecs.register_task_definition(
        family="web",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[container],
    )["taskDefinition"]["taskDefinitionArn"]
    return arn


def revisions(ecs: Any) -> list[str]:
    arns: list[str] = ecs.list_task_definitions(familyPrefix="web")["taskDefinitionArns"]
    return sorted(arn.rsplit("/", 1)[1] for arn in arns)


def service_task_definition(ecs: Any) -> str:
    return str(
        ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]["taskDefinition"]
    )


def deploy(*extra: str) -> int:
    return main(
        ["ecs-deploy", "--cluster", CLUSTER, "--service", SERVICE, "--timeout", "1m", *extra]
    )


def test_deploy_a_revision_then_roll_back_to_the_previous_arn(
    ecs: Any, deploy_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = service_task_definition(ecs)
    second = register_second_revision(ecs)

    assert deploy("--task-definition", "web:2") == 0, capsys.readouterr().out
    out = read_outputs(deploy_env)
    assert out["result"] == "deployed"
    assert out["task-definition-arn"] == second  # family:revision resolved to the ARN
    assert out["previous-task-definition-arn"] == first
    assert out["deployment-id"].startswith("ecs-svc/")
    diff = json.loads(out["diff"])
    assert {"path": "containerDefinitions[web].image", "kind": "changed"}.items() <= diff[0].items()
    assert diff[0]["new"] == NEW_IMAGE
    assert service_task_definition(ecs) == second
    assert revisions(ecs) == ["web:1", "web:2"]  # nothing registered

    deploy_env.unlink()
    assert deploy("--task-definition", out["previous-task-definition-arn"]) == 0
    back = read_outputs(deploy_env)
    assert back["result"] == "deployed"
    assert back["task-definition-arn"] == first
    assert back["previous-task-definition-arn"] == second
    assert service_task_definition(ecs) == first
    assert revisions(ecs) == ["web:1", "web:2"]
    assert "deploying the registered revision" in capsys.readouterr().out


def test_unknown_revision_is_an_input_error_and_nothing_changes(
    ecs: Any, deploy_env: Path, progressor: EcsProgressor, capsys: pytest.CaptureFixture[str]
) -> None:
    before = service_task_definition(ecs)
    assert deploy("--task-definition", "web:9") == 1
    errors = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error")]
    assert errors == [
        "::error::input 'task-definition': expected a registered task definition revision, "
        "got 'web:9'"
    ]
    assert service_task_definition(ecs) == before
    assert "UpdateService" not in progressor.requests
    assert revisions(ecs) == ["web:1"]


def test_a_revision_with_images_is_refused_before_any_call(
    ecs: Any, deploy_env: Path, progressor: EcsProgressor, capsys: pytest.CaptureFixture[str]
) -> None:
    assert deploy("--task-definition", "web:1", "--images", f"web={NEW_IMAGE}") == 1
    out = capsys.readouterr().out
    assert (
        "::error::input 'images': expected nothing when task-definition names a registered " in out
    )
    assert progressor.requests == []
    assert boto3.client("ecs").list_task_definitions()["taskDefinitionArns"][-1].endswith("web:1")
