"""ecs-deploy the way a consumer runs it: a workflow run by act. The service lives in the
emulator; ECS calls go through the deployment progressor (tests/fakes/ecs_progressor.py),
which adds the deployment progress moto lacks and forwards everything else to moto."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.fakes.ecs_progressor import CIRCUIT_BREAKER_REASON, EcsProgressor

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
ACT = REPO / ".venv" / "bin" / "act"
WORKFLOW = REPO / "tests" / "e2e" / "workflows" / "ecs-deploy.yml"
CLUSTER = "app-prod"
SERVICE = "web"
IMAGE = (
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:"
    "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"
)


@pytest.fixture
def ecs(aws: str) -> Any:
    """Cluster, network and a service on task definition web:1, in the emulator."""
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    client = boto3.client("ecs")
    client.create_cluster(clusterName=CLUSTER)
    first = client.register_task_definition(
        family="web",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "web",
                "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.0.0",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    client.create_service(
        cluster=CLUSTER,
        serviceName=SERVICE,
        taskDefinition=first,
        desiredCount=2,
        launchType="FARGATE",
        # moto refuses an awsvpc service without securityGroups
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}
        },
    )
    return client


@pytest.fixture
def progressor(aws: str) -> Iterator[EcsProgressor]:
    with EcsProgressor(aws) as server:
        yield server


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
