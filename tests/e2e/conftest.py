"""Fixtures the act tests share: an ECS service in the emulator, and the deployment
progressor in front of it (moto's ECS never moves a deployment forward)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.fakes.ecs_progressor import EcsProgressor

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from localrun import act

CLUSTER = "app-prod"
SERVICE = "web"


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


REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / "tests" / "e2e" / "workflows"
EMULATOR_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
}


@dataclass
class ActRun:
    returncode: int
    log: str
    result: dict[str, str]  # what the workflow's last step wrote to $RESULT_FILE


def run_workflow(
    workflow: str,
    tmp_path: Path,
    env: Mapping[str, str],
    *,
    event: str = "workflow_dispatch",
    payload: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str] | None = None,
    on_line: Callable[[str], None] | None = None,
    variables: Mapping[str, str] | None = None,
    inputs: Mapping[str, str] | None = None,
    local_repositories: Mapping[str, Path] | None = None,
    workdir: Path | None = None,
) -> ActRun:
    """Run one of tests/e2e/workflows with act on this host, the way the repository's own
    jobs run: the environment through an env file, the job's results through RESULT_FILE.

    ``variables`` become the ``vars`` context (a var file), ``inputs`` the workflow_dispatch
    inputs, and ``local_repositories`` maps ``owner/repo@ref`` to a directory act uses
    instead of fetching it (for remote ``uses:`` of actions and reusable workflows).
    ``workdir`` is the repository act runs in (default: this one; a clone with commits of
    its own gives the run another commit SHA)."""
    result_file = tmp_path / "result.json"
    run = act.run_act(
        workdir or REPO,
        str(WORKFLOWS.relative_to(REPO) / workflow),
        tmp_path,
        event=event,
        env={**env, "RESULT_FILE": str(result_file)},
        variables=variables,
        secrets=secrets,
        payload=payload,
        inputs=inputs,
        local_repositories=local_repositories,
        on_line=on_line,
        timeout=600,
    )
    result = json.loads(result_file.read_text()) if result_file.exists() else {}
    return ActRun(run.returncode, run.log, result)
