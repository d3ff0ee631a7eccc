"""The local Docker environment: BuildKit builds with secrets, runs, pushes to the registry,
and the pushed manifest's digest read back from the registry's HTTP API."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from slipway.images.reference import parse_reference

pytestmark = pytest.mark.integration

MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.oci.image.manifest.v1+json"
)


def _context(directory: Path, base_image: str) -> Path:
    (directory / "hello.py").write_text('print("hello from slipway")\n')
    (directory / "token").write_text("s3cret")
    (directory / "Dockerfile").write_text(
        f"FROM {base_image}\n"
        "COPY hello.py /app/hello.py\n"
        "RUN --mount=type=secret,id=token "
        'test "$(cat /run/secrets/token)" = s3cret && echo secret-seen > /app/secret-check\n'
        'CMD ["python3", "/app/hello.py"]\n'
    )
    return directory


def _manifest(registry: str, repository: str, reference: str) -> tuple[str, dict[str, Any]]:
    request = urllib.request.Request(
        f"http://{registry}/v2/{repository}/manifests/{reference}",
        headers={"Accept": MANIFEST_TYPES},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers["Docker-Content-Digest"], json.load(response)


def test_build_run_push_and_read_the_digest_back(docker_env: Any, tmp_path: Path) -> None:
    context = _context(tmp_path, docker_env.base_image)
    local = "slipway-test/hello:1"
    docker_env.run("build", "--secret", "id=token,src=token", "-t", local, ".", cwd=context)

    run = docker_env.run("run", "--rm", local)
    assert run.stdout == "hello from slipway\n"
    # The secret was mounted during the build but is not in the image.
    checked = docker_env.run(
        "run",
        "--rm",
        local,
        "sh",
        "-c",
        "cat /app/secret-check; test -e /run/secrets/token || echo gone",
    )
    assert checked.stdout == "secret-seen\ngone\n"

    # Debian's registry itself (the front would want an ECR repository first).
    registry = docker_env.plain_registry
    remote = parse_reference(f"{registry}/slipway/hello:v1")
    docker_env.run("tag", local, str(remote))
    push = docker_env.run("push", str(remote))
    pushed = re.search(r"^v1: digest: (sha256:[0-9a-f]{64}) size: \d+$", push.stdout, re.M)
    assert pushed, push.stdout

    digest, manifest = _manifest(registry, remote.repository, "v1")
    assert digest == pushed.group(1)
    assert manifest["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
    assert len(manifest["layers"]) == 3  # the imported base, COPY, RUN

    by_digest, _ = _manifest(registry, remote.repository, digest)
    assert by_digest == digest
    repo_digests = docker_env.run(
        "image", "inspect", "--format", "{{json .RepoDigests}}", str(remote)
    )
    assert str(remote.with_tag(None).with_digest(digest)) in json.loads(repo_digests.stdout)


def test_legacy_builder_rejects_secret_mounts(docker_env: Any, tmp_path: Path) -> None:
    context = _context(tmp_path, docker_env.base_image)
    result = docker_env.run(
        "build", "-t", "slipway-test/legacy", ".", cwd=context, buildkit=False, check=False
    )
    assert result.returncode != 0
    assert "the --mount option requires BuildKit" in result.stderr


def test_base_image_runs_python(docker_env: Any) -> None:
    result = docker_env.run("run", "--rm", docker_env.base_image, "python3", "-c", "print(6 * 7)")
    assert result.stdout == "42\n"
