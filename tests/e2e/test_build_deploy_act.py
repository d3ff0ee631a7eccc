"""Build once, deploy by digest: ecr-build-push then ecs-deploy in one workflow run by act,
with a real Docker engine, BuildKit driven by buildx (as on GitHub's runners), the registry
front that refuses what ECR refuses, ECR's API on the emulator, and ECS deployments moved
forward by the progressor."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.e2e.conftest import CLUSTER, EMULATOR_CREDENTIALS, SERVICE, run_workflow
from tests.fakes.ecs_progressor import EcsProgressor

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
ACCEPT = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)


def registry_manifest(registry: str, repository: str, reference: str) -> tuple[str, str]:
    """(digest, media type) of ``repository:reference`` in the registry."""
    request = urllib.request.Request(
        f"http://{registry}/v2/{repository}/manifests/{reference}",
        method="HEAD",
        headers={"Accept": ACCEPT},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        media_type = str(response.headers["Content-Type"]).split(";")[0]
        return str(response.headers["Docker-Content-Digest"]), media_type


@pytest.fixture
def act_env(aws: str, progressor: EcsProgressor, docker_env: Any, buildkit: Any) -> dict[str, str]:
    """What the workflow's jobs see: the emulator, the progressor, the engine, buildx's
    builder, the registry front (REGISTRY) and the base image in the registry."""
    return {
        "AWS_ENDPOINT_URL": aws,
        "AWS_ENDPOINT_URL_ECS": progressor.url,
        **EMULATOR_CREDENTIALS,
        "DOCKER_HOST": docker_env.docker_host,
        "SLIPWAY_DOCKER": docker_env.docker,
        "REGISTRY": docker_env.registry,
        "BASE_IMAGE": buildkit.base_image,
        "ECS_CLUSTER": CLUSTER,
        "ECS_SERVICE": SERVICE,
        **buildkit.env,
    }


def registry_digest(registry: str, repository: str, reference: str) -> str:
    return registry_manifest(registry, repository, reference)[0]


def _commit(work: Path, message: str) -> str:
    """A new commit on main in ``work`` (a clone of this repository for the run)."""
    app = work / "tests" / "e2e" / "app" / "server.py"
    app.write_text(app.read_text() + f"# {message}\n")
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "commit", "-qam", message], check=True)
    return subprocess.run(
        ["git", "-C", str(work), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_built_index_is_what_gets_deployed(
    ecs: Any, progressor: EcsProgressor, act_env: dict[str, str], tmp_path: Path
) -> None:
    progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=3)
    run = run_workflow("build-deploy.yml", tmp_path, act_env)
    log = run.log
    assert run.returncode == 0, log
    result = run.result
    assert result["build_outcome"] == "success", log
    assert result["built"] == "true"
    assert "builder: buildx v0.38.2" in log
    sha = result["sha"]  # the commit act ran (HEAD when the run started)
    assert len(sha) == 40
    registry = act_env["REGISTRY"]
    digest, media_type = registry_manifest(registry, "shop/web", sha)
    # As on GitHub's runners: an OCI index (the image and its provenance attestation).
    assert media_type == "application/vnd.oci.image.index.v1+json"
    assert result["digest"] == digest
    assert result["image"] == f"{registry}/shop/web@{digest}"
    assert result["platforms"] == "linux/amd64"
    assert result["deploy_outcome"] == "success", log
    assert result["result"] == "deployed"
    service = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    assert service["taskDefinition"] == result["task_definition_arn"]
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])
    assert definition["taskDefinition"]["containerDefinitions"][0]["image"] == result["image"]


@pytest.fixture
def arm64_service(ecs: Any) -> Any:
    """The service moved to an ARM64 task definition (runtimePlatform), as the ecs-service
    module's cpu_architecture = "ARM64" makes it."""
    described = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    current = ecs.describe_task_definition(taskDefinition=described["taskDefinition"])
    definition = current["taskDefinition"]
    arm = ecs.register_task_definition(
        family=definition["family"],
        networkMode=definition["networkMode"],
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        runtimePlatform={"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
        containerDefinitions=definition["containerDefinitions"],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=arm)
    return ecs


def test_several_commits_on_main_then_a_two_platform_image_on_arm64(
    arm64_service: Any, progressor: EcsProgressor, act_env: dict[str, str], tmp_path: Path
) -> None:
    """Three commits on main, each built and deployed, to an IMMUTABLE_WITH_EXCLUSION
    repository (main moves) and a plain IMMUTABLE one (main is never pushed, with a notice):
    no run fails. The image is built for linux/amd64 and linux/arm64 and deployed to the
    ARM64 task definition; an amd64-only image is refused before anything is registered."""
    ecr = boto3.client("ecr")
    ecr.create_repository(repositoryName="shop/plain", imageTagMutability="IMMUTABLE")
    work = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{REPO}", str(work)], check=True)
    registry = act_env["REGISTRY"]
    progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=2)
    deployed = []
    for number in (1, 2, 3):
        sha = _commit(work, f"change {number}")
        for repository in ("shop/multi", "shop/plain"):
            runs = tmp_path / f"run-{number}-{repository.replace('/', '-')}"
            runs.mkdir()
            env = {**act_env, "REPOSITORY": repository, "PLATFORMS": "linux/amd64,linux/arm64"}
            run = run_workflow("build-deploy.yml", runs, env, workdir=work)
            assert run.returncode == 0, run.log
            result = run.result
            assert result["build_outcome"] == "success", run.log
            assert result["sha"] == sha
            assert result["platforms"] == "linux/amd64,linux/arm64"
            digest, media_type = registry_manifest(registry, repository, sha)
            assert result["digest"] == digest
            assert media_type == "application/vnd.oci.image.index.v1+json"
            assert result["result"] == "deployed", run.log
            if repository == "shop/multi":
                assert registry_manifest(registry, repository, "main")[0] == digest
                assert json.loads(result["skipped"]) == []
            else:
                assert json.loads(result["skipped"]) == ["main"]
                assert "main not pushed to shop/plain: the repository is IMMUTABLE" in run.log
            deployed.append(result["image"])
    assert len(set(deployed)) == 6
    service = arm64_service.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    definition = arm64_service.describe_task_definition(taskDefinition=service["taskDefinition"])
    assert definition["taskDefinition"]["runtimePlatform"]["cpuArchitecture"] == "ARM64"
    assert definition["taskDefinition"]["containerDefinitions"][0]["image"] == deployed[-1]

    # An image built for amd64 only never reaches the ARM64 task definition.
    sha = _commit(work, "amd64 only")
    runs = tmp_path / "run-amd64"
    runs.mkdir()
    env = {**act_env, "REPOSITORY": "shop/multi", "PLATFORMS": "linux/amd64"}
    run = run_workflow("build-deploy.yml", runs, env, workdir=work)
    assert run.result["build_outcome"] == "success", run.log
    assert run.result["deploy_outcome"] == "failure"
    assert (
        "input 'platforms': expected an image built for linux/arm64: task definition web runs "
        "on cpuArchitecture ARM64, got 'linux/amd64'"
    ) in run.log
    after = arm64_service.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    assert after["taskDefinition"] == service["taskDefinition"]
