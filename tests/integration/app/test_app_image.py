"""The sample application's image (examples/app/Dockerfile): built with the local engine,
run against the real PostgreSQL server, as a non-root user with a working HEALTHCHECK."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import REPO, DockerEnv, localenv

pytestmark = pytest.mark.integration

APP_DIR = REPO / "examples" / "app"
IMAGE = "slipway-test/example-app:1"


def _ca_bundle() -> Path | None:
    """The CA bundle this machine's pip trusts, handed to the build as a secret: a network
    that intercepts TLS needs it inside the builder too."""
    for name in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        value = os.environ.get(name)
        if value and Path(value).is_file():
            return Path(value)
    default = Path("/etc/ssl/certs/ca-certificates.crt")
    return default if default.is_file() else None


def _psql(url: str, sql: str) -> str:
    result = subprocess.run(
        [str(localenv.postgres_bin() / "psql"), url, "-X", "-q", "-tA", "-c", sql],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"psql {sql!r}: {result.stderr}"
    return result.stdout.strip()


@pytest.fixture(scope="module")
def image(docker_env: DockerEnv) -> str:
    # The builder reaches the package index: with the host's network, since this engine's
    # bridge has no NAT (it leaves iptables alone).
    secret = _ca_bundle()
    args = ["build", "--network", "host", "-t", IMAGE]
    if secret:
        args += ["--secret", f"id=ca-bundle,src={secret}"]
    started = time.monotonic()
    docker_env.run(*args, str(APP_DIR))
    print(f"example-app image built in {time.monotonic() - started:.1f}s")
    return IMAGE


@pytest.fixture
def database_url(postgres: str) -> Iterator[str]:
    name = f"image_{uuid.uuid4().hex[:12]}"
    _psql(postgres, f"CREATE DATABASE {name}")
    parts = urllib.parse.urlsplit(postgres)
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        _psql(postgres, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _inspect(docker_env: DockerEnv, *args: str) -> Any:
    return json.loads(docker_env.run("inspect", *args).stdout)[0]


def _http(port: int, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_the_image_runs_as_non_root_and_declares_its_healthcheck(
    docker_env: DockerEnv, image: str
) -> None:
    config = _inspect(docker_env, "--type", "image", image)["Config"]
    assert config["User"] == "10001:10001"
    assert config["Healthcheck"]["Test"] == ["CMD", "python", "-m", "app.healthcheck"]
    assert config["ExposedPorts"] == {"8080/tcp": {}}
    assert config["Cmd"] == ["python", "-m", "app"]
    whoami = docker_env.run("run", "--rm", image, "sh", "-c", "id -u; id -un")
    assert whoami.stdout.split() == ["10001", "app"]
    # The HEALTHCHECK cannot lean on curl: the image has none.
    curl = docker_env.run("run", "--rm", image, "sh", "-c", "command -v curl", check=False)
    assert curl.returncode != 0
    assert curl.stdout == ""


def test_migrate_then_serve_against_postgres(
    docker_env: DockerEnv, image: str, database_url: str
) -> None:
    migrate = docker_env.run(
        "run", "--rm", "--network", "host", "-e", f"DATABASE_URL={database_url}",
        image, "python", "-m", "app", "migrate",
    )  # fmt: skip
    assert migrate.stdout == (
        "applied 0001_create_items.sql\napplied 0002_index_items_created_at.sql\n"
    )
    port = localenv.free_port()
    name = f"example-app-{uuid.uuid4().hex[:8]}"
    docker_env.run(
        "run", "-d", "--name", name, "--network", "host", "--health-interval", "1s",
        "-e", f"DATABASE_URL={database_url}", "-e", f"PORT={port}", "-e", "APP_VERSION=3.1.4",
        image,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        health: tuple[int, Any] = (0, None)
        while time.monotonic() < deadline:
            try:
                health = _http(port, "GET", "/health")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        assert health == (200, {"status": "ok", "version": "3.1.4", "database": "reachable"})
        status, created = _http(port, "POST", "/items", {"name": "from the image"})
        assert (status, created["id"], created["name"]) == (201, 1, "from the image")
        assert _http(port, "GET", "/items") == (200, {"items": [created]})
        assert _psql(database_url, "SELECT name FROM items") == "from the image"

        # Docker runs the image's own HEALTHCHECK command; it must report healthy.
        state: dict[str, Any] = {}
        while time.monotonic() < deadline + 10:
            state = _inspect(docker_env, "--type", "container", name)["State"]
            if state["Health"]["Status"] == "healthy":
                break
            time.sleep(0.5)
        assert state["Health"]["Status"] == "healthy", state["Health"]

        # ECS stops a task with SIGTERM: the server shuts down cleanly.
        docker_env.run("stop", "--time", "10", name)
        assert _inspect(docker_env, "--type", "container", name)["State"]["ExitCode"] == 0
    finally:
        docker_env.run("rm", "-f", name, check=False)
