"""The docker build and push command lines, built by pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from slipway.gha.inputs import InputError
from slipway.images.build import (
    BuildSecret,
    BuildSpec,
    DockerError,
    backoff_delays,
    build_argv,
    docker_cli,
    docker_env,
    oci_labels,
    parse_network,
    parse_secrets,
    push_with_retries,
    pushed_digest,
)

DIGEST = "sha256:" + "ab" * 32


def test_build_argv_is_exact() -> None:
    spec = BuildSpec(
        context=Path("/ws/app"),
        dockerfile=Path("/ws/app/Dockerfile.prod"),
        target="runtime",
        build_args={"PYTHON": "3.11", "GREETING": "hi there"},
        secrets=(BuildSecret("pip", Path("/ws/.secrets/pip")),),
        labels={"org.opencontainers.image.revision": "abc", "team": "web"},
        cache_from=("reg/app:cache",),
        inline_cache=True,
        tags=("reg/app:abc", "reg/app:main"),
    )
    assert build_argv("/usr/bin/docker", spec) == [
        "/usr/bin/docker", "build",
        "--file", "/ws/app/Dockerfile.prod",
        "--target", "runtime",
        "--build-arg", "PYTHON=3.11",
        "--build-arg", "GREETING=hi there",
        "--build-arg", "BUILDKIT_INLINE_CACHE=1",
        "--secret", "id=pip,src=/ws/.secrets/pip",
        "--label", "org.opencontainers.image.revision=abc",
        "--label", "team=web",
        "--cache-from", "reg/app:cache",
        "--tag", "reg/app:abc",
        "--tag", "reg/app:main",
        "/ws/app",
    ]  # fmt: skip


def test_minimal_build_argv() -> None:
    assert build_argv("docker", BuildSpec(context=Path("/ctx"))) == ["docker", "build", "/ctx"]


def test_oci_labels_in_utc() -> None:
    created = datetime(2026, 3, 1, 14, 30, 5, tzinfo=timezone(timedelta(hours=2)))
    assert oci_labels(
        server_url="https://github.example.com/", repository="acme/web", sha="f" * 40,
        created=created,
    ) == {
        "org.opencontainers.image.source": "https://github.example.com/acme/web",
        "org.opencontainers.image.revision": "f" * 40,
        "org.opencontainers.image.created": "2026-03-01T12:30:05Z",
    }  # fmt: skip
    no_repo = oci_labels(server_url="x", repository="", sha="a", created=datetime.now(UTC))
    assert "org.opencontainers.image.source" not in no_repo


def test_parse_secrets(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("x")
    assert parse_secrets(["pip=token"], tmp_path) == (
        BuildSecret("pip", (tmp_path / "token").resolve()),
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "pip",
            "input 'secrets': expected id=path lines (id of letters, digits, '_', '.', "
            "'-'), got 'pip'",
        ),
        ("p p=token", "input 'secrets': expected id=path lines (id of letters"),
        (
            "pip=missing",
            "input 'secrets': expected id=path lines naming existing files, got 'pip=missing'",
        ),
    ],
)
def test_bad_secret_lines(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "token").write_text("x")
    with pytest.raises(InputError) as error:
        parse_secrets([line], tmp_path)
    assert str(error.value).startswith(message)


def test_duplicate_secret_ids(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("x")
    with pytest.raises(InputError, match="unique ids"):
        parse_secrets(["a=token", "a=token"], tmp_path)


def test_docker_cli_and_env() -> None:
    assert docker_cli({"SLIPWAY_DOCKER": "/opt/docker"}) == "/opt/docker"
    env = docker_env({"PATH": "/bin", "INPUT_SECRETS": "pip=token", "DOCKER_HOST": "unix:///s"})
    assert env == {"PATH": "/bin", "DOCKER_HOST": "unix:///s", "DOCKER_BUILDKIT": "1"}


def test_pushed_digest_for_the_tag() -> None:
    output = (
        "The push refers to repository [127.0.0.1:5000/acme/web]\n"
        "5f70bf18a086: Pushed\n"
        f"main: digest: {DIGEST} size: 949\n"
    )
    assert pushed_digest(output, "main") == DIGEST
    assert pushed_digest(output, "mai") is None


def test_push_retries_with_exponential_backoff() -> None:
    calls: list[list[str]] = []
    slept: list[float] = []
    retried: list[int] = []

    def flaky(argv: list[str], env: object) -> str:
        calls.append(argv)
        if len(calls) < 3:
            raise DockerError("docker push exited 1: connection reset")
        return f"v1: digest: {DIGEST} size: 1\n"

    digest = push_with_retries(
        "docker", "reg/app:v1", "v1", {}, retries=3, sleep=slept.append,
        on_retry=lambda n, _: retried.append(n), run=flaky,
    )  # fmt: skip
    assert digest == DIGEST
    assert calls == [["docker", "push", "reg/app:v1"]] * 3
    assert slept == [2.0, 4.0]
    assert retried == [1, 2]
    assert backoff_delays(4) == [2.0, 4.0, 8.0, 16.0]


def test_push_gives_up_after_the_retries() -> None:
    def broken(argv: list[str], env: object) -> str:
        raise DockerError("docker push exited 1: denied")

    slept: list[float] = []
    with pytest.raises(DockerError, match="denied"):
        push_with_retries("docker", "r:t", "t", {}, retries=1, sleep=slept.append, run=broken)
    assert slept == [2.0]


def test_network_goes_before_the_context() -> None:
    spec = BuildSpec(context=Path("/ctx"), network="host")
    assert build_argv("docker", spec) == ["docker", "build", "--network", "host", "/ctx"]


@pytest.mark.parametrize("value", ["host net", "-host", "host;rm"])
def test_bad_network_names_the_input(value: str) -> None:
    with pytest.raises(InputError, match="network"):
        parse_network(value)


def test_empty_network_is_the_default() -> None:
    assert parse_network("") is None
    assert parse_network("host") == "host"
