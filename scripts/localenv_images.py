"""The image side of the local environment, beside the engine and registry of localenv.py:
the registry front that refuses what ECR refuses (scripts/registry_front.py), a BuildKit
daemon driven by buildx as GitHub's runners build (scripts/build-buildkit), QEMU for other
platforms, and the base image in the registry (BuildKit pulls bases from a registry, never
from the engine's image store).

Stdlib only, like localenv.py; the front itself runs on the development environment's
interpreter (it calls the emulator's ECR API with boto3).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import localenv
import localenv_base_image
import localenv_process
from localenv import REPO, Service
from localenv_process import run_build

BUILDKIT_HEALTH_TIMEOUT_S = 60.0
QEMU_BINFMT = Path("/usr/lib/binfmt.d")
BINFMT_MISC = Path("/proc/sys/fs/binfmt_misc")
# The platforms GitHub's hosted runners offer natively, and the QEMU handler of each.
QEMU_HANDLERS = {"linux/arm64": "qemu-aarch64", "linux/amd64": "qemu-x86_64"}
BASE_REPOSITORY = "slipway-base/python"


def _front_healthy(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{address}/v2/", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_registry_front(
    directory: Path,
    upstream: str,
    emulator: str,
    *,
    account: str = "123456789012",
    region: str = "us-east-1",
) -> Service:
    """The front on its own port, for the ECR registry of ``account`` on the emulator; the
    address to push to is its endpoint."""
    state = localenv.docker_dir(directory)
    state.mkdir(parents=True, exist_ok=True)
    current = localenv.running("registry-front", state)
    config = f"{upstream} {emulator} {account} {region}"
    config_file = state / "registry-front.config"
    if (
        current
        and _front_healthy(current.endpoint)
        and config_file.exists()
        and config_file.read_text() == config
    ):
        return current
    if current:
        stop_registry_front(directory)
    python = REPO / ".venv" / "bin" / "python"
    if not python.exists():
        raise SystemExit("the development environment is missing: run scripts/dev-env first")
    port = localenv.free_port()
    address = f"127.0.0.1:{port}"
    config_file.write_text(config)
    command = [
        str(python),
        str(REPO / "scripts" / "registry_front.py"),
        "--port", str(port),
        "--upstream", upstream,
        "--emulator", emulator,
        "--account", account,
        "--region", region,
    ]  # fmt: skip
    return localenv_process.launch(
        state,
        "registry-front",
        command,
        address,
        lambda: _front_healthy(address),
        timeout=localenv.HEALTH_TIMEOUT_S,
        on_failure=lambda: stop_registry_front(directory),
        what="the registry front",
    )


def stop_registry_front(directory: Path) -> bool:
    return localenv_process.stop_service(
        "registry-front", localenv.docker_dir(directory), grace_s=10.0
    )


# --- QEMU --------------------------------------------------------------------------------


def native_platform() -> str:
    machine = platform.machine().lower()
    return "linux/arm64" if machine in ("aarch64", "arm64") else "linux/amd64"


def register_qemu() -> list[str]:
    """Register Debian's qemu-user-static handlers for the non-native platform with the
    kernel (binfmt_misc, with the F flag so containers use them), as docker/setup-qemu-action
    does on a runner; the platforms this machine can then build. Raises SystemExit saying
    exactly what is missing."""
    native = native_platform()
    usable = [native]
    for target, handler in QEMU_HANDLERS.items():
        if target == native:
            continue
        conf = QEMU_BINFMT / f"{handler}.conf"
        if not conf.exists():
            raise SystemExit(f"{conf} is missing: install Debian's qemu-user-static")
        if not (BINFMT_MISC / "register").exists():
            mounted = subprocess.run(
                ["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT_MISC)],
                capture_output=True,
                text=True,
                check=False,
            )
            if mounted.returncode != 0:
                raise SystemExit(
                    f"binfmt_misc cannot be mounted on {BINFMT_MISC} ({mounted.stderr.strip()}): "
                    f"{target} images cannot be built here"
                )
        if not (BINFMT_MISC / handler).exists():
            line = conf.read_text().strip()
            try:
                (BINFMT_MISC / "register").write_text(line + "\n")
            except OSError as error:
                # Refused because another process (a parallel test worker) registered it
                # first is fine; refused otherwise is not.
                if not (BINFMT_MISC / handler).exists():
                    raise SystemExit(
                        f"the kernel refused the {handler} binfmt handler ({error}): {target} "
                        "images cannot be built here"
                    ) from None
        usable.append(target)
    return usable


# --- BuildKit and buildx -----------------------------------------------------------------


@dataclass(frozen=True)
class Buildkit:
    service: Service  # endpoint: unix:///…/buildkitd.sock
    builder: str  # the buildx builder that drives it
    docker_config: Path  # DOCKER_CONFIG with the buildx plugin and the builder
    platforms: tuple[str, ...]

    def env(self) -> dict[str, str]:
        """What points the docker client's buildx at this daemon."""
        return {"DOCKER_CONFIG": str(self.docker_config), "BUILDX_BUILDER": self.builder}


def built_buildkit() -> Path:
    """scripts/build-buildkit's install directory (built from the Go module proxy; cached)."""
    return Path(run_build(REPO / "scripts" / "build-buildkit"))


def _buildkit_healthy(bin_dir: Path, endpoint: str) -> bool:
    result = subprocess.run(
        [str(bin_dir / "buildctl"), "--addr", endpoint, "debug", "workers"],
        capture_output=True,
        text=True,
        check=False,
        timeout=10,
    )
    return result.returncode == 0


def _buildkitd_config(registries: list[str]) -> str:
    """Plain HTTP for the loopback registries (as ECR is HTTPS, this is the one setting
    here that a runner does not need)."""
    lines = ["[worker.oci]", "  enabled = true", "  gc = true", "[worker.containerd]",
             "  enabled = false", ""]  # fmt: skip
    for registry in registries:
        lines += [f'[registry."{registry}"]', "  http = true", ""]
    return "\n".join(lines)


def start_buildkit(directory: Path, registries: list[str]) -> Buildkit:
    """buildkitd (OCI worker, runc) under ``<state>/docker/buildkit``, a buildx builder of the
    ``remote`` driver pointing at it, and QEMU for the other platform."""
    bin_dir = built_buildkit()
    platforms = register_qemu()
    state = localenv.docker_dir(directory) / "buildkit"
    state.mkdir(parents=True, exist_ok=True)
    socket_path = state / "buildkitd.sock"
    endpoint = f"unix://{socket_path}"
    config = state / "buildkitd.toml"
    wanted = _buildkitd_config(registries)
    current = localenv.running("buildkitd", state)
    if current and not (config.exists() and config.read_text() == wanted):
        localenv_process.stop_service("buildkitd", state, grace_s=15.0)
        current = None
    if not (current and _buildkit_healthy(bin_dir, endpoint)):
        if current:
            localenv_process.stop_service("buildkitd", state, grace_s=15.0)
        if not shutil.which("runc"):
            raise SystemExit("runc not found: run scripts/docker-env install first")
        config.write_text(wanted)
        with contextlib.suppress(FileNotFoundError):
            socket_path.unlink()
        current = localenv_process.launch(
            state,
            "buildkitd",
            [
                str(bin_dir / "buildkitd"),
                "--addr",
                endpoint,
                "--root",
                str(state / "root"),
                "--config",
                str(config),
                # As Docker's own BuildKit allows it: RUN steps on the host network where the
                # build asks for it (network: host).
                "--allow-insecure-entitlement",
                "network.host",
            ],
            endpoint,
            lambda: socket_path.exists() and _buildkit_healthy(bin_dir, endpoint),
            timeout=BUILDKIT_HEALTH_TIMEOUT_S,
            on_failure=lambda: localenv_process.stop_service("buildkitd", state, grace_s=15.0),
            what="buildkitd",
        )
    docker_config = state / "client"
    plugins = docker_config / "cli-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    plugin = plugins / "docker-buildx"
    if not plugin.is_symlink() or plugin.resolve() != (bin_dir / "docker-buildx").resolve():
        with contextlib.suppress(FileNotFoundError):
            plugin.unlink()
        plugin.symlink_to(bin_dir / "docker-buildx")
    # One builder per state directory: buildx keeps it in this DOCKER_CONFIG only.
    builder = "slipway-" + hashlib.sha256(str(state.resolve()).encode()).hexdigest()[:10]
    env = {**os.environ, "DOCKER_CONFIG": str(docker_config)}
    subprocess.run(
        [localenv.docker_cli(), "buildx", "rm", builder], env=env, capture_output=True, check=False
    )
    created = subprocess.run(
        [
            localenv.docker_cli(),
            "buildx",
            "create",
            "--name",
            builder,
            "--driver",
            "remote",
            "--platform",
            ",".join(platforms),
            endpoint,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if created.returncode != 0:
        raise SystemExit(f"docker buildx create failed: {created.stderr.strip()}")
    return Buildkit(current, builder, docker_config, tuple(platforms))


def stop_buildkit(directory: Path) -> bool:
    return localenv_process.stop_service(
        "buildkitd", localenv.docker_dir(directory) / "buildkit", grace_s=15.0
    )


def _arch(platform_name: str) -> str:
    return platform_name.split("/")[1]


def base_tarball(platform_name: str, suite: str = "bookworm") -> Path:
    """The cached root file system of the base image for ``platform_name``: the engine's own
    tarball (localenv.ensure_base_image) for the native platform, one debootstrap made
    through QEMU for the other (a few minutes once, then cached)."""
    cache = localenv.cache_dir() / "base-images"
    cache.mkdir(parents=True, exist_ok=True)
    if platform_name == native_platform():
        return cache / f"python-base-{suite}.tar"
    tarball = cache / f"python-base-{suite}-{_arch(platform_name)}.tar"
    with (cache / f"python-base-{suite}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not tarball.exists():
            localenv_base_image.build_base_tarball(tarball, suite, _arch(platform_name))
    return tarball


BASE_DOCKERFILE = """FROM scratch
ARG TARGETARCH
ADD rootfs-${TARGETARCH}.tar /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
CMD ["python3"]
"""


def push_base_image(
    docker_host: str, registry: str, kit: Buildkit, work: Path, suite: str = "bookworm"
) -> str:
    """The Debian base image (python3 in a minbase) for every platform ``kit`` builds, pushed
    to ``registry`` as one image index (the plain registry, not the front: it stands for a
    base image registry, not the application's ECR repository); its reference there, for
    ``FROM`` lines BuildKit can pull. Made from the cached root file systems by BuildKit
    itself (ADD of a tarball: nothing runs, so no emulation is needed here)."""
    localenv.ensure_base_image(docker_host)  # the native tarball
    context = work / "base-context"
    context.mkdir(parents=True, exist_ok=True)
    for platform_name in kit.platforms:
        link = context / f"rootfs-{_arch(platform_name)}.tar"
        if not link.exists():
            os.link(base_tarball(platform_name, suite), link)
    (context / "Dockerfile").write_text(BASE_DOCKERFILE)
    reference = f"{registry}/{BASE_REPOSITORY}:{suite}"
    built = subprocess.run(
        [
            localenv.docker_cli(),
            "buildx",
            "build",
            "--platform",
            ",".join(kit.platforms),
            "--provenance",
            "false",
            "--output",
            f"type=image,name={reference},push=true",
            str(context),
        ],
        env={**os.environ, "DOCKER_HOST": docker_host, **kit.env()},
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode != 0:
        raise SystemExit(f"the base image index did not build: {built.stderr[-2000:]}")
    return reference


def main(argv: list[str]) -> int:
    """``stop``: the front and buildkitd of the default state directory (scripts/docker-env
    stop; the demo and the tests start them, the front needs the emulator)."""
    directory = localenv.state_dir()
    if argv[:1] == ["stop"]:
        print(f"registry front: {'stopped' if stop_registry_front(directory) else 'not running'}")
        print(f"buildkit: {'stopped' if stop_buildkit(directory) else 'not running'}")
        return 0
    print("usage: localenv_images.py stop", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
