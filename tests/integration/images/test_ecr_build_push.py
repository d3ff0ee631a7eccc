"""ecr-build-push against moto's ECR API and the real local Docker engine and registry, with the
classic builder (a docker client without buildx, as Debian's Docker 20.10): build with a
secret, push, read the digest back; a second run for the same commit builds nothing."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.support import read_outputs

from slipway.cli import main

pytestmark = pytest.mark.integration

SHA = "0123456789abcdef0123456789abcdef01234567"
SECRET = "pip-token-7f3a9c2e"
POLICY = {
    "rules": [
        {
            "rulePriority": 1,
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 7,
            },
            "action": {"type": "expire"},
        }
    ]
}


@pytest.fixture
def project(tmp_path: Path, docker_env: Any) -> Path:
    work = tmp_path / "work"
    (work / "app").mkdir(parents=True)
    (work / "app" / "hello.py").write_text('print("hello")\n')
    (work / "token").write_text(SECRET)
    (work / "policy.json").write_text(json.dumps(POLICY))
    (work / "app" / "Dockerfile").write_text(
        f"FROM {docker_env.base_image}\n"
        "ARG GREETING\n"
        "COPY hello.py /app/hello.py\n"
        "RUN --mount=type=secret,id=pip "
        'wc -c < /run/secrets/pip > /app/secret-size && echo "$GREETING" > /app/greeting\n'
    )
    return work


@pytest.fixture
def github(
    tmp_path: Path, project: Path, docker_env: Any, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Path]:
    calls = tmp_path / "docker-calls"
    wrapper = tmp_path / "docker"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {docker_env.docker} "$@"\n')
    wrapper.chmod(0o755)
    for key, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "outputs"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_WORKSPACE": str(project),
        "GITHUB_SHA": SHA,
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_REPOSITORY": "acme/web",
        "GITHUB_SERVER_URL": "https://github.com",
        "DOCKER_HOST": docker_env.docker_host,
        "DOCKER_CONFIG": str(tmp_path / "docker-config"),
        "SLIPWAY_DOCKER": str(wrapper),
    }.items():
        monkeypatch.setenv(key, value)
    return {"outputs": tmp_path / "outputs", "summary": tmp_path / "summary.md", "calls": calls}


def _registry_digest(registry: str, repository: str, tag: str) -> str:
    request = urllib.request.Request(
        f"http://{registry}/v2/{repository}/manifests/{tag}",
        method="HEAD",
        headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.headers["Docker-Content-Digest"])


def _args(registry: str, *extra: str, repository: str = "acme/web") -> list[str]:
    return [
        "ecr-build-push",
        "--repository", repository,
        "--registry", registry,
        "--context", "app",
        "--build-args", "GREETING=hi there",
        "--secrets", "pip=token",
        "--lifecycle-policy", "policy.json",
        *extra,
    ]  # fmt: skip


def test_build_push_then_skip_for_the_same_commit(
    aws: str, docker_env: Any, github: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    registry = docker_env.registry
    assert main(_args(registry)) == 0, capsys.readouterr().out
    log = capsys.readouterr().out
    assert (
        "builder: classic builder (docker build, BuildKit): the docker client has no buildx "
        "plugin" in log
    )
    first = read_outputs(github["outputs"])
    digest = _registry_digest(registry, "acme/web", SHA)
    assert first["digest"] == digest
    assert first["built"] == "true"
    assert first["registry"] == registry
    assert first["image"] == f"{registry}/acme/web@{digest}"
    assert json.loads(first["tags"]) == [SHA, SHA[:7], "main"]
    assert _registry_digest(registry, "acme/web", "main") == digest
    assert "built and pushed" in github["summary"].read_text()

    ecr = boto3.client("ecr", region_name="us-east-1")
    repo = ecr.describe_repositories(repositoryNames=["acme/web"])["repositories"][0]
    assert repo["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert repo["imageTagMutabilityExclusionFilters"] == [
        {"filterType": "WILDCARD", "filter": "latest"},
        {"filterType": "WILDCARD", "filter": "main"},
    ]
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repo["encryptionConfiguration"]["encryptionType"] == "AES256"
    policy = ecr.get_lifecycle_policy(repositoryName="acme/web")["lifecyclePolicyText"]
    assert json.loads(policy) == POLICY

    # The secret was used during the build but is nowhere in the image.
    image = f"{registry}/acme/web:{SHA}"
    assert docker_env.run("run", "--rm", image, "cat", "/app/greeting").stdout == "hi there\n"
    size = docker_env.run("run", "--rm", image, "cat", "/app/secret-size").stdout
    assert size.strip() == str(len(SECRET))  # the RUN step did read the secret
    leaked = docker_env.run("run", "--rm", image, "cat", "/run/secrets/pip", check=False)
    assert leaked.returncode != 0
    history = docker_env.run("history", "--no-trunc", image).stdout
    assert SECRET not in history
    saved = subprocess.run(
        [docker_env.docker, "save", image], env=docker_env.env(), capture_output=True, check=True
    ).stdout
    assert SECRET.encode() not in saved
    labels = json.loads(
        docker_env.run("image", "inspect", "--format", "{{json .Config.Labels}}", image).stdout
    )
    assert labels["org.opencontainers.image.revision"] == SHA
    assert labels["org.opencontainers.image.source"] == "https://github.com/acme/web"

    calls_before = github["calls"].read_text().splitlines()
    # The probe for buildx (absent), then the classic build and one push per tag.
    assert [c.split()[0] for c in calls_before] == ["buildx", "build", "push", "push", "push"]

    # Same commit again, with an extra tag: nothing built or pushed, the tag added.
    github["outputs"].unlink()
    assert main(_args(registry, "--tags", "release-1")) == 0, capsys.readouterr().out
    second = read_outputs(github["outputs"])
    assert second["built"] == "false"
    assert second["digest"] == digest
    assert github["calls"].read_text().splitlines() == [*calls_before, "buildx version"]
    assert _registry_digest(registry, "acme/web", "release-1") == digest
    assert "skipped" in github["summary"].read_text()


def test_push_false_with_the_classic_builder_pushes_nothing(
    aws: str, docker_env: Any, github: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The same build (secret, build argument), no push: no repository, no tag, the engine's
    platform reported."""
    registry = docker_env.registry
    code = main(_args(registry, "--push", "false", repository="acme/preview"))
    log = capsys.readouterr().out
    assert code == 0, log
    outputs = read_outputs(github["outputs"])
    assert outputs["built"] == "true"
    assert (outputs["image"], outputs["digest"], outputs["tags"]) == ("", "", "[]")
    engine = docker_env.run("version", "--format", "{{.Server.Os}}/{{.Server.Arch}}").stdout
    assert outputs["platforms"] == engine.strip()
    assert "acme/preview: built for" in log and "not pushed (push: false)" in log
    calls = github["calls"].read_text().splitlines()
    assert [c.split()[0] for c in calls] == ["buildx", "build", "version"]
    assert "--secret id=pip" in calls[1] and "--tag" not in calls[1]
    ecr = boto3.client("ecr", region_name="us-east-1")
    assert ecr.describe_repositories()["repositories"] == []
    request = urllib.request.Request(f"http://{registry}/v2/acme/preview/tags/list")
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(request, timeout=10)
    assert missing.value.code == 404
    assert "not pushed (push: false)" in github["summary"].read_text()
