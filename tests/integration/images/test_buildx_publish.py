"""ecr-build-push as it runs on GitHub's runners: buildx and a BuildKit daemon, pushing through
the registry front that refuses what ECR refuses. Several commits on main to an
IMMUTABLE_WITH_EXCLUSION repository and a plain IMMUTABLE one, a two-platform image index with
attestations, and the scan gate over the index's platform images."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import tarfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.conftest import localenv_images
from tests.support import counting_endpoint, read_outputs

from slipway.cli import main
from slipway.images.mutability import refused_tag

pytestmark = pytest.mark.integration

INDEX = "application/vnd.oci.image.index.v1+json"
ACCEPT = ", ".join(
    (
        INDEX,
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)


def _sha(number: int) -> str:
    return hashlib.sha1(f"commit {number}".encode()).hexdigest()


def _manifest(registry: str, repository: str, reference: str) -> tuple[str, dict[str, Any]]:
    request = urllib.request.Request(
        f"http://{registry}/v2/{repository}/manifests/{reference}", headers={"Accept": ACCEPT}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.headers["Docker-Content-Digest"]), json.load(response)


@pytest.fixture
def project(tmp_path: Path, buildkit: Any) -> Path:
    work = tmp_path / "work"
    (work / "app").mkdir(parents=True)
    (work / "app" / "Dockerfile").write_text(
        f"FROM {buildkit.base_image}\n"
        "ARG RELEASE\n"
        "RUN uname -m > /arch\n"
        'RUN echo "$RELEASE" > /release\n'
    )
    return work


@pytest.fixture
def runner_env(
    tmp_path: Path, project: Path, docker_env: Any, buildkit: Any, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Path]:
    for key, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "outputs"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_WORKSPACE": str(project),
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_REPOSITORY": "acme/web",
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "DOCKER_HOST": docker_env.docker_host,
        "SLIPWAY_DOCKER": docker_env.docker,
        **buildkit.env,
    }.items():
        monkeypatch.setenv(key, value)
    return {"outputs": tmp_path / "outputs", "temp": tmp_path / "runner-temp"}


def _publish(
    registry: str, repository: str, sha: str, outputs: Path, *extra: str
) -> tuple[int, dict[str, str]]:
    outputs.unlink(missing_ok=True)
    flags = {
        "repository": repository,
        "registry": registry,
        "context": "app",
        "sha": sha,
        "build-args": f"RELEASE={sha[:7]}",
    }
    argv = [item for name, value in flags.items() for item in (f"--{name}", value)]
    code = main(["ecr-build-push", *argv, *extra])
    return code, read_outputs(outputs) if outputs.exists() else {}


def test_several_commits_on_main_to_both_kinds_of_immutable_repository(
    aws: str,
    docker_env: Any,
    runner_env: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    ecr = boto3.client("ecr")
    ecr.create_repository(repositoryName="commits/plain", imageTagMutability="IMMUTABLE")
    registry = docker_env.registry
    digests = []
    for number in (1, 2, 3):
        sha = _sha(number)
        # A repository the action creates: IMMUTABLE_WITH_EXCLUSION, `main` excluded.
        code, out = _publish(registry, "commits/excl", sha, runner_env["outputs"])
        log = capsys.readouterr().out
        assert code == 0, log
        assert out["built"] == "true"
        assert json.loads(out["skipped-tags"]) == []
        assert "builder: buildx v0.38.2" in log
        digest, _ = _manifest(registry, "commits/excl", sha)
        assert out["digest"] == digest
        assert _manifest(registry, "commits/excl", "main")[0] == digest  # main moved
        assert _manifest(registry, "commits/excl", sha[:7])[0] == digest
        digests.append(digest)

        # The plain IMMUTABLE repository keeps main still: never pushed, said in a notice.
        code, out = _publish(registry, "commits/plain", sha, runner_env["outputs"])
        log = capsys.readouterr().out
        assert code == 0, log
        assert json.loads(out["skipped-tags"]) == ["main"]
        assert json.loads(out["tags"]) == [sha, sha[:7], "main"]
        assert (
            "::notice::main not pushed to commits/plain: the repository is IMMUTABLE, so this "
            "tag could never move to a later image" in log
        )
    assert len(set(digests)) == 3
    repository = ecr.describe_repositories(repositoryNames=["commits/excl"])["repositories"][0]
    assert repository["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert [f["filter"] for f in repository["imageTagMutabilityExclusionFilters"]] == [
        "latest",
        "main",
    ]
    # Every commit's fixed tags still name its own image.
    for number, digest in zip((1, 2, 3), digests, strict=True):
        assert _manifest(registry, "commits/excl", _sha(number))[0] == digest
    # The private docker configs are gone.
    assert list(runner_env["temp"].iterdir()) == []

    # Same commit again: nothing built, main (already there) left as it is.
    code, out = _publish(registry, "commits/excl", _sha(3), runner_env["outputs"])
    assert code == 0
    assert out["built"] == "false"
    assert out["digest"] == digests[2]

    # A short SHA that collides with another commit's: refused before anything is built,
    # one line naming the tag and the repository's setting.
    twin = _sha(3)[:7] + "f" * 33
    code, out = _publish(registry, "commits/plain", twin, runner_env["outputs"])
    errors = [line for line in capsys.readouterr().out.splitlines() if "::error" in line]
    assert code == 1
    assert errors == [
        f"::error::tag {twin[:7]} of commits/plain already names {_plain_digest(registry, 3)} "
        "and cannot be rewritten (a commit or version tag is never rewritten; repository "
        "setting IMMUTABLE)"
    ]
    assert _manifest(registry, "commits/plain", twin[:7])[0] == _plain_digest(registry, 3)


def _plain_digest(registry: str, number: int) -> str:
    return _manifest(registry, "commits/plain", _sha(number))[0]


def test_two_platform_index_with_attestations_and_the_scan_gate(
    aws: str,
    docker_env: Any,
    buildkit: Any,
    runner_env: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert set(buildkit.platforms) == {"linux/amd64", "linux/arm64"}, buildkit.platforms
    registry = docker_env.registry
    sha = _sha(42)
    code, out = _publish(
        registry, "multi/web", sha, runner_env["outputs"],
        "--platforms", "linux/amd64,linux/arm64", "--provenance", "mode=max",
    )  # fmt: skip
    log = capsys.readouterr().out
    assert code == 0, log
    digest, index = _manifest(registry, "multi/web", sha)
    assert out["digest"] == digest
    assert index["mediaType"] == INDEX
    assert out["platforms"] == "linux/amd64,linux/arm64"
    platforms = {
        f"{m['platform']['os']}/{m['platform']['architecture']}": m["digest"]
        for m in index["manifests"]
        if m["platform"]["os"] != "unknown"
    }
    attestations = [
        m
        for m in index["manifests"]
        if m.get("annotations", {}).get("vnd.docker.reference.type") == "attestation-manifest"
    ]
    assert set(platforms) == {"linux/amd64", "linux/arm64"}
    # One provenance attestation per platform. (No SBOM here: BuildKit makes it with the
    # docker/buildkit-syft-scanner image, which this machine cannot pull or build.)
    assert len(attestations) == 2
    # Each platform image really is built for its CPU: the arm64 one's RUN ran under QEMU.
    # (Read from its layers: Debian's Docker 20.10 cannot pull OCI manifests from Debian's
    # registry; Fargate and Docker 29 can.)
    for platform, machine in (("linux/amd64", "x86_64"), ("linux/arm64", "aarch64")):
        assert _file_in_image(registry, "multi/web", platforms[platform], "arch") == machine

    # The scan gate judges the platform images (ECR scans those, not the index): the arm64
    # image's scan reports a CRITICAL finding, the amd64 one a HIGH.
    _scan_result(aws, "multi/web", platforms["linux/amd64"], "CVE-2026-0002", "HIGH")
    _scan_result(aws, "multi/web", platforms["linux/arm64"], "CVE-2026-0001", "CRITICAL")
    gate = ("--scan-gate", "CRITICAL", "--scan-timeout", "30s")
    code, out = _publish(
        registry, "multi/web", sha, runner_env["outputs"], *gate, "--scan-platforms", "linux/amd64"
    )
    log = capsys.readouterr().out
    assert code == 0, log
    assert out["built"] == "false"
    assert f"linux/amd64 ({platforms['linux/amd64']}): 1 finding(s)" in log

    code, out = _publish(registry, "multi/web", sha, runner_env["outputs"], *gate)
    log = capsys.readouterr().out
    assert code == 1
    errors = [line for line in log.splitlines() if "::error" in line]
    assert errors == [
        "::error::scan gate: 1 finding(s) at or above CRITICAL: CVE-2026-0001 (CRITICAL, "
        "linux/arm64)"
    ]
    assert out["digest"] == digest  # the outputs are set before the gate judges


def _file_in_image(registry: str, repository: str, digest: str, name: str) -> str:
    """The text of file ``name`` in the topmost layer of the image that has it."""
    _, manifest = _manifest(registry, repository, digest)
    for layer in reversed(manifest["layers"]):
        url = f"http://{registry}/v2/{repository}/blobs/{layer['digest']}"
        with urllib.request.urlopen(url, timeout=30) as response:
            data = response.read()
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            member = next((m for m in archive.getmembers() if m.name.lstrip("./") == name), None)
            if member is not None:
                extracted = archive.extractfile(member)
                assert extracted is not None
                return extracted.read().decode().strip()
    raise AssertionError(f"no {name} in {repository}@{digest}")


def _scan_result(endpoint: str, repository: str, digest: str, cve: str, severity: str) -> None:
    """The emulator's scan of ``digest`` reports one finding (moto's static results API)."""
    result = {
        "registryId": "123456789012",
        "repositoryName": repository,
        # With a tag that no image has: the emulator gives a result without a tag to every
        # untagged image (it compares the missing tags), so only the digest matches here.
        "imageId": {"imageDigest": digest, "imageTag": "scan-of-" + digest[7:19]},
        "imageScanStatus": {"status": "COMPLETE", "description": "done"},
        "imageScanFindings": {
            "findings": [{"name": cve, "severity": severity, "attributes": []}],
            "findingSeverityCounts": {severity: 1},
        },
    }
    request = urllib.request.Request(
        endpoint + "/moto-api/static/ecr/scan-finding-results",
        data=json.dumps({"results": [result], "region": "us-east-1"}).encode(),
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).close()


def test_a_refused_overwrite_is_read_from_buildkits_output(
    aws: str, docker_env: Any, buildkit: Any, tmp_path: Path
) -> None:
    """What BuildKit prints when the registry refuses a tag (the race a plan cannot see:
    another run pushed the tag in between) is recognised, naming the tag."""
    boto3.client("ecr").create_repository(repositoryName="race/web", imageTagMutability="IMMUTABLE")
    reference = f"{docker_env.registry}/race/web:v1"
    env = {**os.environ, "DOCKER_HOST": docker_env.docker_host, **buildkit.env}
    outputs = []
    for content in ("one", "two"):
        context = tmp_path / content
        context.mkdir()
        (context / "Dockerfile").write_text(
            f"FROM {buildkit.base_image}\nRUN echo {content} > /c\n"
        )
        done = subprocess.run(
            [docker_env.docker, "buildx", "build", "--push", "--tag", reference, str(context)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        outputs.append(done)
    assert outputs[0].returncode == 0, outputs[0].stderr
    assert outputs[1].returncode != 0
    assert refused_tag(outputs[1].stderr) == "v1", outputs[1].stderr[-2000:]


def _tags(registry: str, repository: str) -> list[str] | None:
    """The repository's tags in the registry, None when the registry has no such repository."""
    try:
        with urllib.request.urlopen(
            f"http://{registry}/v2/{repository}/tags/list", timeout=10
        ) as response:
            return sorted(json.load(response).get("tags") or [])
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def test_push_false_builds_every_platform_and_writes_nothing(
    aws: str,
    docker_env: Any,
    runner_env: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pull request's build: both platforms built (their RUN steps ran), attestations made,
    and no repository, no tag, no AWS request: the emulator is swapped for an endpoint that
    counts what reaches it."""
    registry = docker_env.registry
    ecr = boto3.client("ecr")
    code, out = _publish(registry, "pr/web", _sha(50), runner_env["outputs"])
    log = capsys.readouterr().out
    assert code == 0, log
    before = _tags(registry, "pr/web")
    assert before == sorted([_sha(50), _sha(50)[:7], "main"])

    with counting_endpoint() as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint.url)
        sha = _sha(51)
        code, out = _publish(
            registry, "pr/web", sha, runner_env["outputs"],
            "--push", "false", "--platforms", "linux/amd64,linux/arm64", "--latest", "true",
            "--role-to-assume", "arn:aws:iam::123456789012:role/github-image-push",
        )  # fmt: skip
        log = capsys.readouterr().out
        assert code == 0, log
        code, fresh = _publish(
            registry, "pr/new", sha, runner_env["outputs"], "--push", "false",
            "--provenance", "false",
        )  # fmt: skip
        fresh_log = capsys.readouterr().out
        assert code == 0, fresh_log
    assert endpoint.requests == []
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws)

    assert out == {
        "registry": "",
        "digest": "",
        "image": "",
        "tags": "[]",
        "built": "true",
        "platforms": "linux/amd64,linux/arm64",
        "skipped-tags": "[]",
    }
    assert "[linux/arm64 2/3] RUN uname -m > /arch" in log
    assert "[linux/amd64 2/3] RUN uname -m > /arch" in log
    assert "exporting attestation manifest" in log and "pushing" not in log
    assert "pr/web: built sha256:" in log and "not pushed (push: false)" in log
    summary = Path(os.environ["GITHUB_STEP_SUMMARY"]).read_text()
    assert "pr/web: built in" in summary and "not pushed (push: false)" in summary
    # Nothing reached the registry: pr/web's tags as they were, pr/new never made.
    assert _tags(registry, "pr/web") == before
    assert _tags(registry, "pr/new") is None
    names = [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]
    assert "pr/web" in names and "pr/new" not in names
    # One platform, not asked for, no attestation: the builder's own, read from the metadata.
    assert fresh["platforms"] == localenv_images.native_platform()
    assert list(runner_env["temp"].iterdir()) == []
