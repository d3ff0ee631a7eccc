"""Build once, deploy by digest: ecr-build-push then ecs-deploy in one workflow run by act,
with a real Docker engine and registry, ECR's API on the emulator, and ECS deployments moved
forward by the progressor."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.conftest import CLUSTER, SERVICE
from tests.fakes.ecs_progressor import EcsProgressor

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
ACT = REPO / ".venv" / "bin" / "act"
WORKFLOW = REPO / "tests" / "e2e" / "workflows" / "build-deploy.yml"


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
    result_file = tmp_path / "result.json"
    env_file = tmp_path / "act.env"
    settings = {
        "AWS_ENDPOINT_URL": aws,
        "AWS_ENDPOINT_URL_ECS": progressor.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "DOCKER_HOST": docker_env.docker_host,
        "SLIPWAY_DOCKER": docker_env.docker,
        "REGISTRY": docker_env.registry,
        "ECS_CLUSTER": CLUSTER,
        "ECS_SERVICE": SERVICE,
        "RESULT_FILE": str(result_file),
    }
    env_file.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
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
        timeout=600,
        check=False,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    log = process.stdout + process.stderr
    assert process.returncode == 0, log
    result = json.loads(result_file.read_text())
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
