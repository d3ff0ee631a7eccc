"""Building and pushing an image with the docker CLI (BuildKit through ``DOCKER_BUILDKIT=1``).

The command lines are built by pure functions (:func:`build_argv`, :func:`oci_labels`,
:func:`parse_secrets`); :func:`run_docker` and :func:`push_with_retries`
are the thin shell that runs them. Build secrets are passed with ``--secret id=…,src=…`` so a
``RUN --mount=type=secret`` step reads them without them ever reaching a layer.

This is the classic ``docker build`` (the fallback where the docker client has no buildx;
:mod:`slipway.images.buildx` is the other builder): it takes ``--cache-from`` and the inline
cache (``BUILDKIT_INLINE_CACHE=1``), which is what ``cache-to: type=inline`` asks for.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from slipway.gha.inputs import InputError

DEBIAN_DOCKER_CLI = "/usr/bin/docker"
_SECRET_ID = re.compile(r"[A-Za-z0-9_.-]+")
_PUSH_DIGEST = r"^{tag}: digest: (sha256:[0-9a-f]{{64}}) size: [0-9]+$"


def docker_cli(env: Mapping[str, str]) -> str:
    """The docker client: ``$SLIPWAY_DOCKER``, else Debian's ``/usr/bin/docker`` (BuildKit
    built in), else ``docker`` on PATH."""
    override = env.get("SLIPWAY_DOCKER")
    if override:
        return override
    if Path(DEBIAN_DOCKER_CLI).exists():
        return DEBIAN_DOCKER_CLI
    return shutil.which("docker") or "docker"


@dataclass(frozen=True)
class BuildSecret:
    id: str
    path: Path


@dataclass(frozen=True)
class BuildSpec:
    """Everything ``docker build`` needs; paths are absolute."""

    context: Path
    dockerfile: Path | None = None
    target: str | None = None
    build_args: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[BuildSecret, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    cache_from: tuple[str, ...] = ()
    inline_cache: bool = False
    tags: tuple[str, ...] = ()
    network: str | None = None
    platform: str | None = None  # one platform (the classic builder builds one)


def oci_labels(*, server_url: str, repository: str, sha: str, created: datetime) -> dict[str, str]:
    """The OCI annotations every image gets: source, revision and creation time (UTC)."""
    labels = {}
    if repository:
        labels["org.opencontainers.image.source"] = f"{server_url.rstrip('/')}/{repository}"
    labels["org.opencontainers.image.revision"] = sha
    labels["org.opencontainers.image.created"] = created.astimezone(UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    return labels


def parse_secrets(lines: Sequence[str], base: Path) -> tuple[BuildSecret, ...]:
    """``id=path`` items (path relative to ``base``) as build secrets; each file must exist."""
    secrets: list[BuildSecret] = []
    seen: set[str] = set()
    for item in lines:
        secret_id, sep, path = item.partition("=")
        secret_id, path = secret_id.strip(), path.strip()
        if not sep or not _SECRET_ID.fullmatch(secret_id) or not path:
            raise InputError(
                "secrets", "id=path lines (id of letters, digits, '_', '.', '-')", item
            )
        if secret_id in seen:
            raise InputError("secrets", "id=path lines with unique ids", item)
        seen.add(secret_id)
        file = (base / path).resolve()
        if not file.is_file():
            raise InputError("secrets", "id=path lines naming existing files", item)
        secrets.append(BuildSecret(secret_id, file))
    return tuple(secrets)


def parse_network(value: str) -> str | None:
    """``docker build --network``: ``default``, ``host``, ``none`` or a network's name."""
    if not value:
        return None
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value):
        raise InputError("network", "default, host, none or a network name", value)
    return value


def build_argv(docker: str, spec: BuildSpec) -> list[str]:
    """The exact ``docker build`` command line for ``spec``."""
    argv = [docker, "build"]
    if spec.dockerfile is not None:
        argv += ["--file", str(spec.dockerfile)]
    if spec.target:
        argv += ["--target", spec.target]
    if spec.network:
        argv += ["--network", spec.network]
    if spec.platform:
        argv += ["--platform", spec.platform]
    for key, value in spec.build_args.items():
        argv += ["--build-arg", f"{key}={value}"]
    if spec.inline_cache:
        argv += ["--build-arg", "BUILDKIT_INLINE_CACHE=1"]
    for secret in spec.secrets:
        argv += ["--secret", f"id={secret.id},src={secret.path}"]
    for key, value in spec.labels.items():
        argv += ["--label", f"{key}={value}"]
    for source in spec.cache_from:
        argv += ["--cache-from", source]
    for tag in spec.tags:
        argv += ["--tag", tag]
    argv.append(str(spec.context))
    return argv


def docker_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment for the docker client: the process's, without action inputs, with
    BuildKit on."""
    clean = {key: env[key] for key in env if not key.startswith("INPUT_")}
    return clean | {"DOCKER_BUILDKIT": "1"}


class DockerError(RuntimeError):
    """A docker command that failed; ``output`` is everything it printed."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


def run_docker(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    stdin: str | None = None,
    echo: Callable[[str], None] | None = None,
) -> str:
    """Run a docker command; its combined output (echoed line by line when asked)."""
    process = subprocess.Popen(
        list(argv),
        env=dict(env),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if stdin is not None and process.stdin is not None:
        process.stdin.write(stdin)
        process.stdin.close()
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if echo is not None:
            echo(line.rstrip("\n"))
    code = process.wait()
    output = "".join(lines)
    if code != 0:
        tail = output.strip().splitlines()[-1:] or ["no output"]
        raise DockerError(
            f"docker {argv[1] if len(argv) > 1 else ''} exited {code}: {tail[0]}", output
        )
    return output


def pushed_digest(output: str, tag: str) -> str | None:
    """The digest ``docker push`` reports for ``tag`` (``<tag>: digest: sha256:… size: N``)."""
    match = re.search(_PUSH_DIGEST.format(tag=re.escape(tag)), output, re.MULTILINE)
    return match.group(1) if match else None


def backoff_delays(retries: int, base: float = 2.0) -> list[float]:
    """Seconds to wait before each retry: 2, 4, 8, …"""
    return [base * 2**attempt for attempt in range(retries)]


def push_with_retries(
    docker: str,
    reference: str,
    tag: str,
    env: Mapping[str, str],
    *,
    retries: int,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, str], None] | None = None,
    run: Callable[..., str] = run_docker,
) -> str | None:
    """Push ``reference`` (retrying with exponential backoff); the digest it reports."""
    delays = backoff_delays(retries)
    for attempt in range(retries + 1):
        try:
            output = run([docker, "push", reference], env)
        except DockerError as error:
            if attempt >= retries:
                raise
            if on_retry is not None:
                on_retry(attempt + 1, str(error))
            sleep(delays[attempt])
            continue
        return pushed_digest(output, tag)
    return None  # pragma: no cover - the loop returns or raises


def workspace(env: Mapping[str, str]) -> Path:
    return Path(env.get("GITHUB_WORKSPACE") or os.getcwd())
