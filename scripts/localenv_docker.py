"""The local Docker engine (driven by scripts/docker-env): a dockerd whose socket, data-root,
exec-root, containerd namespace and bridge all belong to one state directory, leaving
iptables alone, so several engines run side by side; and the docker client that drives it.

The registry and the base image live in their own modules; they only need ``docker_dir`` and
``docker_cli`` from here.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import socket
import subprocess
from pathlib import Path

from localenv_docker_bridge import bridge_for, delete_bridge, ensure_bridge
from localenv_process import Service, launch, running, service_files, state_dir, stop_service

DOCKER_HEALTH_TIMEOUT_S = 60.0
# Debian's client matches the Debian engine (API 1.41) and has BuildKit built in; newer
# static clients need the buildx plugin for BuildKit builds.
DEBIAN_DOCKER_CLI = "/usr/bin/docker"
_UNIX_PATH_MAX = 107


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float = 2.0) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def docker_dir(directory: Path | None = None) -> Path:
    """Where the engine and registry keep their state: ``<state dir>/docker``."""
    return (directory or state_dir()) / "docker"


def docker_cli() -> str:
    """The docker client to run against the local engine (``$SLIPWAY_DOCKER`` overrides)."""
    override = os.environ.get("SLIPWAY_DOCKER")
    if override:
        return override
    if Path(DEBIAN_DOCKER_CLI).exists():
        return DEBIAN_DOCKER_CLI
    return shutil.which("docker") or "docker"


def docker_env(docker_host: str, registry: str | None) -> dict[str, str]:
    """Variables that point the docker client and slipway at the local engine and registry."""
    env = {"DOCKER_HOST": docker_host, "SLIPWAY_DOCKER": docker_cli()}
    if registry:
        env["SLIPWAY_REGISTRY"] = registry
    return env


def _docker_healthy(endpoint: str) -> bool:
    connection = _UnixHTTPConnection(endpoint.removeprefix("unix://"))
    try:
        connection.request("GET", "/_ping")
        response = connection.getresponse()
        return response.status == 200 and response.read() == b"OK"
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _exec_root(state: Path) -> Path:
    """``<state>/exec``, or a short path under /tmp when containerd's sockets would not fit."""
    exec_root = state / "exec"
    longest = exec_root / "containerd" / "containerd.sock.ttrpc"
    if len(str(longest)) <= _UNIX_PATH_MAX:
        return exec_root
    digest = hashlib.sha256(str(state.resolve()).encode()).hexdigest()[:12]
    return Path("/tmp") / f"slipway-docker-{digest}"


def _docker_config(state: Path) -> Path:
    """An empty daemon.json, so /etc/docker/daemon.json never leaks into this engine."""
    config = state / "daemon.json"
    if not config.exists():
        config.write_text("{}\n")
    return config


def start_docker(directory: Path | None = None) -> Service:
    """Start dockerd (or reuse a healthy one) with all its state under ``<state dir>/docker``.

    The engine gets its own socket, data-root (overlay2), exec-root, containerd namespace and
    bridge, and leaves iptables alone, so several engines can run side by side.
    """
    directory = directory or state_dir()
    state = docker_dir(directory)
    state.mkdir(parents=True, exist_ok=True)
    current = running("dockerd", state)
    if current and _docker_healthy(current.endpoint):
        return current
    if current:
        stop_docker(directory)

    dockerd = shutil.which("dockerd")
    if not dockerd:
        raise SystemExit("dockerd not found: run scripts/docker-env install first")
    service_files(state, "dockerd")[0].unlink(missing_ok=True)
    socket_path = state / "docker.sock"
    if len(str(socket_path)) > _UNIX_PATH_MAX:
        raise SystemExit(f"docker socket path too long for a unix socket: {socket_path}")
    endpoint = f"unix://{socket_path}"
    bridge, address = bridge_for(directory)
    ensure_bridge(bridge, address)
    namespace = "slipway-" + bridge.removeprefix("slw")
    storage_driver = os.environ.get("SLIPWAY_DOCKER_STORAGE_DRIVER", "overlay2")
    command = [
        dockerd,
        "--host",
        endpoint,
        "--data-root",
        str(state / "data"),
        "--exec-root",
        str(_exec_root(state)),
        "--pidfile",
        str(state / "docker.pid"),  # dockerd's own; dockerd.pid is ours, written first
        "--storage-driver",
        storage_driver,
        "--bridge",
        bridge,
        "--iptables=false",
        "--ip6tables=false",
        "--containerd-namespace",
        namespace,
        "--containerd-plugins-namespace",
        namespace + "-plugins",
        "--shutdown-timeout",
        "3",
        "--config-file",
        str(_docker_config(state)),
    ]
    return launch(
        state,
        "dockerd",
        command,
        endpoint,
        lambda: _docker_healthy(endpoint),
        timeout=DOCKER_HEALTH_TIMEOUT_S,
        on_failure=lambda: stop_docker(directory),
        what="dockerd",
    )


def stop_docker(directory: Path | None = None) -> bool:
    """Stop the engine started by :func:`start_docker`; True when something was stopped."""
    directory = directory or state_dir()
    stopped = stop_service("dockerd", docker_dir(directory), grace_s=30.0)
    delete_bridge(directory)
    _unmount_below(docker_dir(directory))
    return stopped


def mounts_below(mounts: str, root: str) -> list[str]:
    """The mount points in ``mounts`` (/proc/self/mounts) at or below ``root``, deepest first,
    the order they can be unmounted in."""
    points = [line.split()[1] for line in mounts.splitlines() if len(line.split()) > 1]
    below = (point for point in points if point == root or point.startswith(root + "/"))
    return sorted(below, key=len, reverse=True)


def _unmount_below(root: Path) -> None:
    """dockerd bind-mounts its data-root onto itself and leaves the mount behind when it
    exits; without this the state directory cannot be deleted ("device or resource busy")."""
    try:
        mounts = Path("/proc/self/mounts").read_text()
    except OSError:
        return
    for point in mounts_below(mounts, str(root.resolve())):
        subprocess.run(["umount", "-l", point], check=False, capture_output=True)
