"""ecr-build-push reads every input before anything runs: a bad one fails with one line naming
it, with no AWS request and no docker command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support import counting_endpoint, read_outputs

from slipway.commands.ecr_build_push import SPEC, parse
from slipway.gha.inputs import Inputs
from slipway.gha.spec import DeclaredEnv
from slipway.images.mutability import TagMutability

REPO = Path(__file__).resolve().parents[3]
SHA = "0123456789abcdef0123456789abcdef01234567"
GOOD = {"INPUT_REPOSITORY": "acme/web", "INPUT_AWS_REGION": "us-east-1", "GITHUB_SHA": SHA}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    work = tmp_path / "ws"
    (work / "app").mkdir(parents=True)
    (work / "app" / "Dockerfile").write_text("FROM scratch\n")
    (work / "token").write_text("secret")
    return work


def run_command(
    overrides: dict[str, str], endpoint: str, tmp_path: Path, workspace: Path
) -> tuple[subprocess.CompletedProcess[str], Path]:
    calls = tmp_path / "docker-calls"
    docker = tmp_path / "docker"
    # No buildx plugin (the classic builder); the engine's platform for `docker version`.
    docker.write_text(
        f'#!/bin/sh\necho "$*" >> {calls}\n[ "$1" = version ] && echo linux/amd64\nexit 0\n'
    )
    docker.chmod(0o755)
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO / "src"),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_WORKSPACE": str(workspace),
        "INPUT_CONTEXT": "app",
        "SLIPWAY_DOCKER": str(docker),
        **GOOD,
        **overrides,
    }
    result = subprocess.run(
        [sys.executable, "-m", "slipway", "ecr-build-push"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result, calls


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"INPUT_REPOSITORY": ""}, "input 'repository': expected a value, got nothing"),
        (
            {"INPUT_REPOSITORY": "Acme/Web"},
            "input 'repository': expected a lowercase repository name such as team/web, "
            "got 'Acme/Web'",
        ),
        (
            {"INPUT_BUILD_ARGS": "PYTHON=3.11\nGREETING"},
            "input 'build-args': expected key=value pairs, got 'GREETING'",
        ),
        (
            {"INPUT_CONTEXT": "nowhere"},
            "input 'context': expected an existing directory, got 'nowhere'",
        ),
        (
            {"INPUT_DOCKERFILE": "app/Dockerfile.prod"},
            "input 'dockerfile': expected an existing Dockerfile, got 'app/Dockerfile.prod'",
        ),
        (
            {"INPUT_TAGS": "ok,-bad"},
            "input 'tags': expected Docker tags of 1 to 128 letters, digits, '_', '.' or '-' "
            "that do not start with '.' or '-', got '-bad'",
        ),
        (
            {"INPUT_LIFECYCLE_POLICY": '{"rules": [}'},
            "input 'lifecycle-policy': expected valid JSON",
        ),
        ({"GITHUB_SHA": "abc"}, "input 'sha': expected a full 40-character commit SHA, got 'abc'"),
        (
            {"INPUT_SECRETS": "pip=nofile"},
            "input 'secrets': expected id=path lines naming existing files, got 'pip=nofile'",
        ),
        (
            {"INPUT_SCAN_GATE": "SEVERE"},
            "input 'scan-gate': expected one of none, CRITICAL, HIGH, MEDIUM, LOW, got 'SEVERE'",
        ),
        (
            {"INPUT_ENCRYPTION": "AES256", "INPUT_KMS_KEY": "alias/x"},
            "input 'kms-key': expected no value unless encryption is KMS, got 'alias/x'",
        ),
        (
            {"INPUT_IMAGE_TAG_MUTABILITY": "sometimes"},
            "input 'image-tag-mutability': expected one of IMMUTABLE_WITH_EXCLUSION, IMMUTABLE, "
            "MUTABLE, MUTABLE_WITH_EXCLUSION, got 'sometimes'",
        ),
        (
            {"INPUT_REGISTRY_ACCOUNT_ID": "12345"},
            "input 'registry-account-id': expected a 12-digit AWS account id, got '12345'",
        ),
        (
            {"INPUT_REGISTRY": "http://127.0.0.1:5000"},
            "input 'registry': expected a registry host[:port], got 'http://127.0.0.1:5000'",
        ),
        (
            {"INPUT_PUSH_RETRIES": "-1"},
            "input 'push-retries': expected an integer from 0 to 10, got '-1'",
        ),
        ({"INPUT_SCAN_TIMEOUT": "soon"}, "input 'scan-timeout': expected a duration"),
        (
            {"INPUT_CACHE_TO": "type=gha"},
            "input 'cache-to': expected type=inline (the only cache export of the classic "
            "builder), got 'type=gha'",
        ),
        (
            {"INPUT_CACHE_TO": "type=registry"},
            "input 'cache-to': expected type=registry with ref=<image>, got 'type=registry'",
        ),
        (
            {"INPUT_CACHE_TO": "type=floppy"},
            "input 'cache-to': expected type=registry|inline|local|gha|s3|azblob",
        ),
        (
            {"INPUT_PLATFORMS": "linux/amd64,linux/arm64"},
            "input 'platforms': expected one platform with the classic builder (buildx is not "
            "available), got 'linux/amd64,linux/arm64'",
        ),
        (
            {"INPUT_PLATFORMS": "arm64"},
            "input 'platforms': expected os/architecture[/variant] such as linux/arm64, "
            "got 'arm64'",
        ),
        (
            {"INPUT_SBOM": "true"},
            "input 'sbom': expected false with the classic builder (buildx is not available)",
        ),
        (
            {"INPUT_PROVENANCE": "mode=max"},
            "input 'provenance': expected false with the classic builder",
        ),
        (
            {"INPUT_PROVENANCE": "maximal"},
            "input 'provenance': expected false, true, mode=min or mode=max, got 'maximal'",
        ),
        (
            {"INPUT_BUILDER": "buildx"},
            "input 'builder': expected buildx to be available to the docker client",
        ),
        (
            {"INPUT_BUILDER": "kaniko"},
            "input 'builder': expected one of auto, buildx, classic, got 'kaniko'",
        ),
        (
            {"INPUT_IMAGE_TAG_MUTABILITY_EXCLUSION_FILTERS": "main,re*le*as*e"},
            "input 'image-tag-mutability-exclusion-filters': expected wildcard filters of 1 to "
            "128 letters, digits, '.', '_', '-' and at most two '*', got 're*le*as*e'",
        ),
        (
            {"INPUT_IMAGE_TAG_MUTABILITY_EXCLUSION_FILTERS": "a,b,c,d,e,f"},
            "input 'image-tag-mutability-exclusion-filters': expected at most 5 filters",
        ),
        (
            {
                "INPUT_IMAGE_TAG_MUTABILITY": "IMMUTABLE",
                "INPUT_IMAGE_TAG_MUTABILITY_EXCLUSION_FILTERS": "main",
            },
            "input 'image-tag-mutability-exclusion-filters': expected no filters unless "
            "image-tag-mutability is IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION",
        ),
        (
            {"INPUT_IMAGE_TAG_MUTABILITY": "MUTABLE_WITH_EXCLUSION"},
            "input 'image-tag-mutability-exclusion-filters': expected at least one filter",
        ),
        (
            {"INPUT_LOGIN_REGISTRIES": "ghcr.io"},
            "input 'login-registries': expected ECR registry hosts",
        ),
        (
            {"INPUT_SCAN_PLATFORMS": "linux"},
            "input 'platforms': expected os/architecture",
        ),
        ({"INPUT_AWS_REGION": "us-east-9"}, "input 'aws-region': unknown region 'us-east-9'"),
        ({"INPUT_PUSH": "maybe"}, "input 'push': expected a boolean (true or false), got 'maybe'"),
        (
            {"INPUT_PUSH": "false", "INPUT_SCAN_GATE": "HIGH"},
            "input 'scan-gate': expected none with push: false (ECR scans only pushed images), "
            "got 'HIGH'",
        ),
        (
            {"INPUT_PUSH": "false", "INPUT_CACHE_TO": "type=registry,ref=r/web:cache,mode=max"},
            "input 'cache-to': expected no registry cache export with push: false (it writes "
            "to the registry), got 'type=registry,ref=r/web:cache,mode=max'",
        ),
        (
            {"INPUT_PUSH": "false", "INPUT_LOGIN_REGISTRIES": "ghcr.io"},
            "input 'login-registries': expected ECR registry hosts",
        ),
        (
            {
                "INPUT_PUSH": "false",
                "INPUT_LOGIN_REGISTRIES": "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                "INPUT_AWS_REGION": "",
            },
            "input 'aws-region': no region given",
        ),
    ],
)
def test_bad_input_fails_before_anything_runs(
    overrides: dict[str, str], message: str, tmp_path: Path, workspace: Path
) -> None:
    with counting_endpoint() as endpoint:
        result, calls = run_command(overrides, endpoint.url, tmp_path, workspace)
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, result.stdout
    assert message in errors[0]
    assert endpoint.requests == []
    # At most the read-only probe for buildx (the fake docker has none): nothing built.
    probes = calls.read_text().splitlines() if calls.exists() else []
    assert set(probes) <= {"buildx version"}
    assert "Traceback" not in result.stderr


def test_parse_builds_the_request(workspace: Path) -> None:
    env = {
        **GOOD,
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_REF": "refs/tags/v1.4.2",
        "GITHUB_REPOSITORY": "acme/web",
        "GITHUB_SERVER_URL": "https://github.com",
        "INPUT_CONTEXT": "app",
        "INPUT_BUILD_ARGS": "A=1\nB=x=y",
        "INPUT_SECRETS": "pip=token",
        "INPUT_LABELS": "team=web",
        "INPUT_LATEST": "true",
        "INPUT_TAGS": "stable",
        "INPUT_SCAN_GATE": "high",
        "INPUT_CVE_ALLOWLIST": "CVE-2023-1, CVE-2023-2",
        "INPUT_REGISTRY": "127.0.0.1:5000",
    }
    request = parse(Inputs(DeclaredEnv(SPEC, env)), env)
    assert request.tags == (SHA, SHA[:7], "1.4.2", "1.4", "1", "latest", "stable")
    assert request.kinds.fixed == (SHA, SHA[:7], "1.4.2")
    assert request.kinds.moving == ("1.4", "1", "latest")
    build = request.build.base
    assert build.context == workspace / "app"
    assert build.build_args == {"A": "1", "B": "x=y"}
    assert [s.id for s in build.secrets] == ["pip"]
    assert build.labels["org.opencontainers.image.source"] == "https://github.com/acme/web"
    assert build.labels["org.opencontainers.image.revision"] == SHA
    assert build.labels["team"] == "web"
    assert request.build.platforms == ()
    assert request.build.attestations.provenance == "mode=min"
    assert request.build.attestations.sbom is False
    assert request.scan_gate == "HIGH"
    assert request.cve_allowlist == ("CVE-2023-1", "CVE-2023-2")
    assert request.registry == "127.0.0.1:5000"
    # A created repository lets exactly latest and this build's moving tags move.
    assert request.repository.tag_mutability == TagMutability(
        "IMMUTABLE_WITH_EXCLUSION", ("latest", "1.4", "1")
    )
    assert request.repository.scan_on_push is True
    assert request.push_retries == 3
    assert request.scan_timeout_s == 600.0


def test_push_false_builds_and_calls_neither_aws_nor_a_registry(
    tmp_path: Path, workspace: Path
) -> None:
    """A pull request's build: no region, a role it does not need, nothing pushed."""
    role = "arn:aws:iam::123456789012:role/github-image-push"
    overrides = {
        "INPUT_PUSH": "false",
        "INPUT_AWS_REGION": "",
        "INPUT_ROLE_TO_ASSUME": role,
        "INPUT_BUILD_ARGS": "GREETING=hi",
        "INPUT_SECRETS": "pip=token",
        "INPUT_TAGS": "stable",
        "INPUT_LATEST": "true",
    }
    with counting_endpoint() as endpoint:
        result, calls = run_command(overrides, endpoint.url, tmp_path, workspace)
    assert result.returncode == 0, result.stdout + result.stderr
    assert endpoint.requests == []
    commands = calls.read_text().splitlines()
    assert [c.split()[0] for c in commands] == ["buildx", "build", "version"]
    build = commands[1]
    assert "--build-arg GREETING=hi" in build and f"--secret id=pip,src={workspace}/token" in build
    assert "--tag" not in build and not any(" push " in f" {c} " for c in commands)
    outputs = read_outputs(tmp_path / "out")
    assert outputs == {
        "registry": "",
        "digest": "",
        "image": "",
        "tags": "[]",
        "built": "true",
        "platforms": "linux/amd64",
        "skipped-tags": "[]",
    }
    assert "not assumed" in result.stdout
    assert "acme/web: built for linux/amd64; not pushed (push: false)" in result.stdout
    summary = (tmp_path / "summary").read_text()
    assert "acme/web: built in 0s, not pushed (push: false)" in summary
    assert "nothing: no repository, tag or scan" in summary


def test_parse_without_push(workspace: Path) -> None:
    env = {**GOOD, "GITHUB_WORKSPACE": str(workspace), "INPUT_CONTEXT": "app"}
    assert parse(Inputs(DeclaredEnv(SPEC, env)), env).push is True  # the default
    env |= {"INPUT_PUSH": "false", "INPUT_CACHE_TO": "type=inline", "INPUT_AWS_REGION": ""}
    request = parse(Inputs(DeclaredEnv(SPEC, env)), env)
    assert request.push is False
    assert request.aws is None  # nothing to log in to: no AWS settings, no AWS call
    host = "210987654321.dkr.ecr.eu-west-1.amazonaws.com"
    env |= {"INPUT_LOGIN_REGISTRIES": host, "INPUT_AWS_REGION": "eu-west-1"}
    request = parse(Inputs(DeclaredEnv(SPEC, env)), env)
    assert request.login_registries == (host,)
    assert request.aws is not None and request.aws.region == "eu-west-1"
