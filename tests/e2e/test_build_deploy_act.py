"""Build once, deploy by digest: ecr-build-push then ecs-deploy in one workflow run by act,
with a real Docker engine and registry, ECR's API on the emulator, and ECS deployments moved
forward by the progressor."""

from __future__ import annotations

import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.conftest import CLUSTER, EMULATOR_CREDENTIALS, SERVICE, run_workflow
from tests.fakes.ecs_progressor import EcsProgressor

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def registry_digest(registry: str, repository: str, reference: str) -> str:
    request = urllib.request.Request(
        f"http://{registry}/v2/{repository}/manifests/{reference}",
        method="HEAD",
        headers={
            "Accept": "application/vnd.docker.distribution.manifest.v2+json, "
            "application/vnd.oci.image.manifest.v1+json"
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.headers["Docker-Content-Digest"])


def test_the_built_digest_is_what_gets_deployed(
    aws: str, ecs: Any, progressor: EcsProgressor, docker_env: Any, tmp_path: Path
) -> None:
    progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=3)
    env = {
        "AWS_ENDPOINT_URL": aws,
        "AWS_ENDPOINT_URL_ECS": progressor.url,
        **EMULATOR_CREDENTIALS,
        "DOCKER_HOST": docker_env.docker_host,
        "SLIPWAY_DOCKER": docker_env.docker,
        "REGISTRY": docker_env.registry,
        "ECS_CLUSTER": CLUSTER,
        "ECS_SERVICE": SERVICE,
    }
    run = run_workflow("build-deploy.yml", tmp_path, env)
    log = run.log
    assert run.returncode == 0, log
    result = run.result
    assert result["build_outcome"] == "success", log
    assert result["built"] == "true"
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert result["digest"] == registry_digest(docker_env.registry, "shop/web", sha)
    assert result["image"] == f"{docker_env.registry}/shop/web@{result['digest']}"
    assert result["deploy_outcome"] == "success", log
    assert result["result"] == "deployed"
    service = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    assert service["taskDefinition"] == result["task_definition_arn"]
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])
    assert definition["taskDefinition"]["containerDefinitions"][0]["image"] == result["image"]
