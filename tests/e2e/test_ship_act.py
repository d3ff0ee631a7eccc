"""The root action as a consumer uses it (`uses: ./`), run by act: a real Docker engine and
registry, ECR's API and CloudWatch on the emulator, ECS deployments moved forward by the
progressor. A green ship, and a red one whose alarm fires during the bake."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.e2e.conftest import CLUSTER, EMULATOR_CREDENTIALS, SERVICE, ActRun, run_workflow
from tests.e2e.test_build_deploy_act import registry_digest
from tests.fakes.ecs_progressor import EcsProgressor
from tests.support import put_metric_alarm

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def run_ship(
    aws: str,
    progressor: EcsProgressor,
    docker_env: Any,
    tmp_path: Path,
    *,
    bake_time: str,
    on_line: Callable[[str], None] | None = None,
) -> ActRun:
    env = {
        "AWS_ENDPOINT_URL": aws,
        "AWS_ENDPOINT_URL_ECS": progressor.url,
        **EMULATOR_CREDENTIALS,
        "DOCKER_HOST": docker_env.docker_host,
        "SLIPWAY_DOCKER": docker_env.docker,
        "REGISTRY": docker_env.registry,
        "ECS_CLUSTER": CLUSTER,
        "ECS_SERVICE": SERVICE,
        "ALARM_PREFIX": "shop-",
        "BAKE_TIME": bake_time,
    }
    run = run_workflow("ship.yml", tmp_path, env, on_line=on_line)
    assert run.returncode == 0, run.log  # continue-on-error: the job goes on to record
    return run


def task_definition(ecs: Any) -> str:
    services = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"]
    return str(services[0]["taskDefinition"])


def test_green_ship(
    aws: str, ecs: Any, progressor: EcsProgressor, docker_env: Any, tmp_path: Path
) -> None:
    progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=3)
    put_metric_alarm(boto3.client("cloudwatch"), "shop-5xx")
    run = run_ship(aws, progressor, docker_env, tmp_path, bake_time="3s")
    result = run.result
    assert result["outcome"] == "success", run.log
    assert result["result"] == "shipped"
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert result["digest"] == registry_digest(docker_env.registry, "shop/web", sha)
    assert result["image"] == f"{docker_env.registry}/shop/web@{result['digest']}"
    assert result["previous_task_definition_arn"].endswith("task-definition/web:1")
    assert result["task_definition_arn"].endswith("task-definition/web:2")
    assert json.loads(result["watched"]) == ["shop-5xx"]
    assert json.loads(result["breached"]) == []
    assert task_definition(ecs) == result["task_definition_arn"]
    container = ecs.describe_task_definition(taskDefinition=result["task_definition_arn"])[
        "taskDefinition"
    ]["containerDefinitions"][0]
    assert container["image"] == result["image"]
    assert {"name": "RELEASE", "value": sha} in container["environment"]


def test_red_ship_rolls_back_when_an_alarm_fires_during_the_bake(
    aws: str, ecs: Any, progressor: EcsProgressor, docker_env: Any, tmp_path: Path
) -> None:
    progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=3)
    cloudwatch = boto3.client("cloudwatch")
    put_metric_alarm(cloudwatch, "shop-5xx")
    put_metric_alarm(cloudwatch, "shop-latency")
    fired: list[str] = []

    def fire_once_baking(line: str) -> None:
        # Only once the deployment completed and the bake took its starting snapshot.
        if "Bake: watching 2 alarm(s)" in line and not fired:
            cloudwatch.set_alarm_state(
                AlarmName="shop-latency", StateValue="ALARM", StateReason="p99 above 2s"
            )
            fired.append(line)

    run = run_ship(
        aws, progressor, docker_env, tmp_path, bake_time="120s", on_line=fire_once_baking
    )
    result = run.result
    assert fired, run.log
    assert result["outcome"] == "failure", run.log
    assert result["result"] == "rolled-back", run.log
    breached = json.loads(result["breached"])
    assert [(b["name"], b["reason"], b["pre_existing"]) for b in breached] == [
        ("shop-latency", "p99 above 2s", False)
    ]
    previous = result["previous_task_definition_arn"]
    assert previous.endswith("task-definition/web:1")
    assert result["task_definition_arn"].endswith("task-definition/web:2")
    assert re.search(
        rf"bake failed: shop-latency ALARM at \d\d:\d\d:\d\d UTC: p99 above 2s; "
        rf"rolled back to {re.escape(previous)}",
        run.log,
    )
    # ECS runs the previous task definition again.
    assert task_definition(ecs) == previous
    deployments = progressor.state()[f"{CLUSTER}/{SERVICE}"]["deployments"]
    assert [(d["taskDefinition"], d["rolloutState"]) for d in deployments] == [
        (previous, "COMPLETED")
    ]
