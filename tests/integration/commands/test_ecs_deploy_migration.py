"""ecs-deploy with a migration-command against the emulator, ECS calls through the
deployment progressor: the one-off task runs the new task definition before the service is
updated, and only a migration that exited 0 lets the deploy go ahead."""

from __future__ import annotations

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
MIGRATION = "python manage.py migrate --noinput"


def make_runnable(ecs: Any) -> str:
    """Point the service at a revision moto can run as a task; returns its ARN.

    moto's RunTask crashes on a container with neither memory nor memoryReservation (valid
    on Fargate) and on an awsvpc task in a VPC without DNS hostnames; the service is moved
    straight in moto, so the progressor records no deployment for it."""
    service = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    subnets = service["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
    ec2 = boto3.client("ec2")
    vpc = ec2.describe_subnets(SubnetIds=subnets)["Subnets"][0]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    current = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])
    container = {**current["taskDefinition"]["containerDefinitions"][0], "memoryReservation": 256}
    arn: str = ecs.register_task_definition(
        family="web",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[container],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=arn)
    return arn


@pytest.fixture
def migration_env(
    ecs: Any,
    aws: str,
    progressor: EcsProgressor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECS", progressor.url)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=2)
    return outputs


def deploy() -> int:
    return main(
        [
            "ecs-deploy",
            "--cluster",
            CLUSTER,
            "--service",
            SERVICE,
            "--images",
            f"web={NEW_IMAGE}",
            "--migration-command",
            MIGRATION,
            "--migration-timeout",
            "30s",
            "--timeout",
            "1m",
        ]
    )


def service_task_definition(ecs: Any) -> str:
    return str(
        ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]["taskDefinition"]
    )


def one_off_tasks(ecs: Any) -> list[dict[str, Any]]:
    """The tasks moto holds, as moto describes them (not through the progressor)."""
    arns = ecs.list_tasks(cluster=CLUSTER)["taskArns"]
    return list(ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"]) if arns else []


def test_a_migration_that_exits_0_lets_the_deploy_go_ahead(
    ecs: Any, migration_env: Path, progressor: EcsProgressor, capsys: pytest.CaptureFixture[str]
) -> None:
    before = make_runnable(ecs)
    progressor.set_one_off(CLUSTER, "web", exit_code=0, after_s=1)

    assert deploy() == 0, capsys.readouterr().out
    out = read_outputs(migration_env)
    assert out["result"] == "deployed"
    assert out["previous-task-definition-arn"] == before
    assert out["task-definition-arn"].endswith(":task-definition/web:3")
    assert service_task_definition(ecs) == out["task-definition-arn"]
    # the migration ran the new revision, with the command, before the service was updated
    [task] = one_off_tasks(ecs)
    assert task["taskDefinitionArn"] == out["task-definition-arn"]
    assert task["startedBy"] == "slipway"
    assert task["overrides"]["containerOverrides"] == [
        {"name": "web", "command": ["python", "manage.py", "migrate", "--noinput"]}
    ]
    calls = progressor.requests
    assert calls.index("RunTask") < calls.index("UpdateService")
    assert "DescribeTasks" in calls[calls.index("RunTask") : calls.index("UpdateService")]
    log = capsys.readouterr().out
    assert "migration succeeded: container web exited with code 0" in log


def test_a_migration_that_exits_3_stops_the_deploy_before_the_service_changes(
    ecs: Any, migration_env: Path, progressor: EcsProgressor, capsys: pytest.CaptureFixture[str]
) -> None:
    before = make_runnable(ecs)
    progressor.set_one_off(CLUSTER, "web", exit_code=3, after_s=1)

    assert deploy() == 1
    out = read_outputs(migration_env)
    assert out["result"] == "migration-failed"
    assert out["previous-task-definition-arn"] == before
    assert out["task-definition-arn"].endswith(":task-definition/web:3")  # registered only
    assert out["deployment-id"] == ""
    assert service_task_definition(ecs) == before
    assert "UpdateService" not in progressor.requests
    [task] = one_off_tasks(ecs)
    assert task["taskDefinitionArn"] == out["task-definition-arn"]
    errors = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error")]
    assert errors == [
        "::error::deploy migration-failed: migration failed: container web exited with code 3 "
        "(task stopped: Essential container in task exited, stopCode EssentialContainerExited)"
    ]
