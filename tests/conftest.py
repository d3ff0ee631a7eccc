"""Shared fixtures: the real local AWS emulator (moto in server mode)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import platform
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from tests.fakes.release_site import EngineBuild, ServedSite, built_engines, running_site

from slipway.terraform.engine_releases import platform_names

REPO = Path(__file__).resolve().parent.parent

# Go's collector runs a quarter as often in the suite's Terraform, OpenTofu, provider, act and
# BuildKit processes: at the default (GOGC=100) a command that loads the AWS provider's schema
# spends about a third of its CPU collecting garbage (7.2 s of CPU against 5.1 s at 400, for
# about 150 MB more memory). Nothing they do changes; a GOGC the caller sets wins.
os.environ.setdefault("GOGC", "400")


def _load_localenv() -> ModuleType:
    spec = importlib.util.spec_from_file_location("localenv", REPO / "scripts" / "localenv.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["localenv"] = module
    spec.loader.exec_module(module)
    return module


localenv = _load_localenv()
sys.path.insert(0, str(REPO / "scripts"))
import localenv_images  # noqa: E402 - needs localenv registered first


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private moto server for this test session; yields its endpoint URL."""
    directory = tmp_path_factory.mktemp("localenv")
    service = localenv.start_emulator(directory)
    try:
        yield service.endpoint
    finally:
        localenv.stop("emulator", directory)


def clean_emulator(emulator: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Reset the emulator (all state) and point boto3 at it, for ``monkeypatch``'s lifetime."""
    localenv.reset_emulator(emulator)
    for key, value in localenv.emulator_env(emulator).items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(key, raising=False)
    return emulator


@pytest.fixture
def aws(emulator: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A clean emulator (all state reset) with the environment pointing boto3 at it."""
    return clean_emulator(emulator, monkeypatch)


@dataclass(frozen=True)
class DockerEnv:
    """A private Docker engine and registry for one test session. ``registry`` is the front
    that refuses what ECR refuses (for the emulator's default account), ``plain_registry``
    Debian's registry behind it."""

    docker_host: str  # unix:///…/docker.sock
    registry: str  # 127.0.0.1:<port>, the front
    base_image: str  # local/python-base:bookworm
    docker: str  # the client that matches the engine (Debian's /usr/bin/docker)
    plain_registry: str = ""
    directory: Path | None = None

    def env(self) -> dict[str, str]:
        """The process environment with DOCKER_HOST pointing at this engine."""
        return {**os.environ, **localenv.docker_env(self.docker_host, self.registry)}

    def run(
        self, *args: str, check: bool = True, buildkit: bool = True, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the docker client against this engine; output captured as text."""
        env = self.env() | {"DOCKER_BUILDKIT": "1" if buildkit else "0"}
        result = subprocess.run(
            [self.docker, *args], env=env, cwd=cwd, capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"docker {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result


@pytest.fixture(scope="session")
def docker_env(emulator: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerEnv]:
    """dockerd + a registry on 127.0.0.1 in a private state directory, with the base image,
    and the registry's front (it reads repositories from this session's emulator).

    Fails (never skips) when Docker cannot be installed or started: CI provides it.
    """
    install = subprocess.run(
        [str(REPO / "scripts" / "docker-env"), "install"],
        capture_output=True,
        text=True,
        check=False,
    )
    if install.returncode != 0:
        pytest.fail(f"scripts/docker-env install failed:\n{install.stdout}\n{install.stderr}")
    directory = tmp_path_factory.mktemp("dockerenv")
    try:
        engine = localenv.start_docker(directory)
        registry = localenv.start_registry(directory)
        front = localenv_images.start_registry_front(directory, registry.endpoint, emulator)
        localenv.ensure_base_image(engine.endpoint)
    except (SystemExit, OSError, subprocess.CalledProcessError) as error:
        localenv_images.stop_registry_front(directory)
        localenv.stop_registry(directory)
        localenv.stop_docker(directory)
        pytest.fail(f"the local Docker environment did not start: {error}")
    try:
        yield DockerEnv(
            docker_host=engine.endpoint,
            registry=front.endpoint,
            base_image=localenv.BASE_IMAGE,
            docker=localenv.docker_cli(),
            plain_registry=registry.endpoint,
            directory=directory,
        )
    finally:
        localenv_images.stop_registry_front(directory)
        localenv.stop_registry(directory)
        localenv.stop_docker(directory)


@dataclass(frozen=True)
class BuildkitEnv:
    """buildx driving a BuildKit daemon, as on GitHub's runners, for one test session."""

    env: dict[str, str]  # DOCKER_CONFIG (with the buildx plugin) and BUILDX_BUILDER
    platforms: tuple[str, ...]  # what this machine can build (native + QEMU)
    base_image: str  # the base image in the registry, for FROM lines BuildKit can pull


@pytest.fixture(scope="session")
def buildkit(docker_env: DockerEnv) -> Iterator[BuildkitEnv]:
    """buildkitd (built by scripts/build-buildkit) with a buildx builder and QEMU.

    Fails (never skips) when it cannot be built or started: CI builds it first."""
    assert docker_env.directory is not None
    try:
        kit = localenv_images.start_buildkit(
            docker_env.directory, [docker_env.registry, docker_env.plain_registry]
        )
        base = localenv_images.push_base_image(
            docker_env.docker_host, docker_env.plain_registry, kit, docker_env.directory
        )
    except (SystemExit, OSError, subprocess.CalledProcessError) as error:
        localenv_images.stop_buildkit(docker_env.directory)
        pytest.fail(f"BuildKit did not start: {error}")
    try:
        yield BuildkitEnv(kit.env(), kit.platforms, base)
    finally:
        localenv_images.stop_buildkit(docker_env.directory)


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A private PostgreSQL cluster on 127.0.0.1 for this test session; yields its DATABASE_URL.

    Fails (never skips) when the server binaries are missing: CI installs them.
    """
    with contextlib.ExitStack() as stack:
        try:
            cluster = stack.enter_context(localenv.temporary_postgres())
        except SystemExit as error:
            pytest.fail(f"PostgreSQL did not start: {error}")
        yield cluster.url


@pytest.fixture(scope="session")
def engine_builds() -> list[EngineBuild]:
    """Terraform and OpenTofu built from the Go module proxy (scripts/build-engines; cached).

    Fails (never skips) when they cannot be built: CI builds them first."""
    try:
        return built_engines(REPO)
    except subprocess.CalledProcessError as error:
        pytest.fail(f"scripts/build-engines failed:\n{error.stderr}")


@pytest.fixture(scope="session")
def release_site(
    engine_builds: list[EngineBuild], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedSite]:
    """The engines' release sites, served locally with this session's signing key."""
    os_name, arch = platform_names(platform.system(), platform.machine())
    with running_site(tmp_path_factory.mktemp("releases"), engine_builds, os_name, arch) as site:
        yield site


@pytest.fixture(scope="session")
def engine_env(
    release_site: ServedSite, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The environment of a runner that installs engines from the local release site, into
    one tool cache for the session (so each engine is installed once)."""
    return release_site.env(tmp_path_factory.mktemp("toolcache"))
