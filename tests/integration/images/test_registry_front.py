"""The registry front refuses what ECR refuses: a tag the repository's mutability protects
cannot be pointed at another image, a repository nobody created takes no push; what it
stores is recorded in the emulator's ECR API (images, tags, scans)."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest

pytestmark = pytest.mark.integration

MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"


def _image(docker_env: Any, tmp_path: Path, text: str) -> str:
    """A small local image whose content is ``text``."""
    context = tmp_path / text
    context.mkdir()
    (context / "Dockerfile").write_text(
        f'FROM {docker_env.base_image}\nRUN echo "{text}" > /content\n'
    )
    tag = f"slipway-front/{text}:local"
    docker_env.run("build", "-t", tag, ".", cwd=context)
    return tag


def _push(docker_env: Any, local: str, reference: str) -> Any:
    docker_env.run("tag", local, reference)
    return docker_env.run("push", reference, check=False)


def _head(registry: str, repository: str, tag: str) -> str | None:
    request = urllib.request.Request(
        f"http://{registry}/v2/{repository}/manifests/{tag}", method="HEAD",
        headers={"Accept": MANIFEST},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return str(response.headers["Docker-Content-Digest"])
    except urllib.error.HTTPError as error:
        assert error.code == 404
        return None


def test_protected_tags_are_refused_with_ecrs_error(
    aws: str, docker_env: Any, tmp_path: Path
) -> None:
    ecr = boto3.client("ecr")
    ecr.create_repository(
        repositoryName="front/excl",
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[
            {"filterType": "WILDCARD", "filter": "main"},
            {"filterType": "WILDCARD", "filter": "cache-*"},
        ],
        imageScanningConfiguration={"scanOnPush": True},
    )
    ecr.create_repository(repositoryName="front/immutable", imageTagMutability="IMMUTABLE")
    ecr.create_repository(repositoryName="front/mutable", imageTagMutability="MUTABLE")
    first = _image(docker_env, tmp_path, "one")
    second = _image(docker_env, tmp_path, "two")
    registry = docker_env.registry

    for repository in ("front/excl", "front/immutable", "front/mutable"):
        for tag in ("v1", "main", "cache-x"):
            assert _push(docker_env, first, f"{registry}/{repository}:{tag}").returncode == 0
    one = _head(registry, "front/excl", "v1")
    assert one is not None

    # The same image again under its own tag: accepted, as ECR accepts it.
    assert _push(docker_env, first, f"{registry}/front/immutable:v1").returncode == 0

    refused = _push(docker_env, second, f"{registry}/front/immutable:main")
    assert refused.returncode != 0
    assert (
        "tag invalid: The image tag 'main' already exists in the 'front/immutable' repository "
        "and cannot be overwritten because the repository is immutable."
    ) in refused.stderr
    assert _head(registry, "front/immutable", "main") == one

    # IMMUTABLE_WITH_EXCLUSION: the filters' tags move (a wildcard matches the whole tag),
    # every other tag stays.
    assert _push(docker_env, second, f"{registry}/front/excl:main").returncode == 0
    assert _push(docker_env, second, f"{registry}/front/excl:cache-x").returncode == 0
    kept = _push(docker_env, second, f"{registry}/front/excl:v1")
    assert "tag invalid: The image tag 'v1' already exists" in kept.stderr
    two = _head(registry, "front/excl", "main")
    assert two not in (None, one)
    assert _head(registry, "front/excl", "v1") == one

    assert _push(docker_env, second, f"{registry}/front/mutable:v1").returncode == 0
    assert _head(registry, "front/mutable", "v1") == two

    nowhere = _push(docker_env, first, f"{registry}/front/nobody:v1")
    assert nowhere.returncode != 0
    assert "name unknown: The repository with name 'front/nobody' does not exist" in (
        nowhere.stderr
    )

    # ECR's API answers for what was pushed: tags moved, images scanned on push.
    details = ecr.describe_images(repositoryName="front/excl")["imageDetails"]
    tags = {d["imageDigest"]: sorted(d.get("imageTags", [])) for d in details}
    assert tags[one] == ["v1"]
    assert tags[two] == ["cache-x", "main"]
    findings = ecr.describe_image_scan_findings(
        repositoryName="front/excl", imageId={"imageDigest": two}
    )
    assert findings["imageScanStatus"]["status"] == "COMPLETE"
    names = [finding["name"] for finding in findings["imageScanFindings"]["findings"]]
    assert names == ["CVE-9999-9999"]  # the emulator's canned basic-scan finding
