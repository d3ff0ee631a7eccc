"""Start, stop and inspect the local services slipway's tests and demo run against.

Stdlib only, so it runs before any environment exists. Each service runs detached, bound to
127.0.0.1 on a free port, with its pid, endpoint and log under a state directory
(``$SLIPWAY_STATE_DIR``, default ``<repo>/.local``). ``start`` is idempotent: a live, healthy
service is reused.

    python3 scripts/localenv.py emulator start|stop|status|env
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import http.client
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEALTH_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Service:
    name: str
    endpoint: str
    pid: int


def state_dir() -> Path:
    return Path(os.environ.get("SLIPWAY_STATE_DIR", REPO / ".local"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _files(directory: Path, name: str) -> tuple[Path, Path, Path]:
    return directory / f"{name}.pid", directory / f"{name}.endpoint", directory / f"{name}.log"


def _launch(
    directory: Path,
    name: str,
    command: list[str],
    endpoint: str,
    healthy: Callable[[], bool],
    *,
    timeout: float,
    on_failure: Callable[[], object],
    what: str,
) -> Service:
    """Start ``command`` detached with its pid, endpoint and log under ``directory``, and wait
    until ``healthy()``; on failure call ``on_failure`` and exit with the log's tail."""
    pid_file, endpoint_file, log_file = _files(directory, name)
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # survives the shell that started it, like a daemon
        )
    pid_file.write_text(f"{process.pid}\n")
    endpoint_file.write_text(f"{endpoint}\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if healthy():
            return Service(name, endpoint, process.pid)
        time.sleep(0.1)
    on_failure()
    tail = log_file.read_text(errors="replace")[-3000:]
    raise SystemExit(f"{what} did not become healthy on {endpoint}:\n{tail}")


def running(name: str, directory: Path | None = None) -> Service | None:
    """The service recorded in the state directory, if its process is alive."""
    pid_file, endpoint_file, _ = _files(directory or state_dir(), name)
    try:
        pid = int(pid_file.read_text().strip())
        endpoint = endpoint_file.read_text().strip()
    except (OSError, ValueError):
        return None
    return Service(name, endpoint, pid) if _alive(pid) else None


def start_emulator(directory: Path | None = None) -> Service:
    """Start the AWS emulator (moto plus the RPC v2 CBOR protocol, scripts/emulator_server.py)
    or reuse a healthy one, and return its endpoint."""
    directory = directory or state_dir()
    directory.mkdir(parents=True, exist_ok=True)
    current = running("emulator", directory)
    if current and _healthy(current.endpoint + "/moto-api/data.json"):
        return current
    if current:
        stop("emulator", directory)

    # The server needs the project's locked moto and cbor2: the development environment's
    # interpreter, whichever python runs this script.
    python = REPO / ".venv" / "bin" / "python"
    if not python.exists():
        raise SystemExit("the development environment is missing: run scripts/dev-env first")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = REPO / "scripts" / "emulator_server.py"
    return _launch(
        directory,
        "emulator",
        [str(python), str(server), "-H", "127.0.0.1", "-p", str(port)],
        endpoint,
        lambda: _healthy(endpoint + "/moto-api/data.json"),
        timeout=HEALTH_TIMEOUT_S,
        on_failure=lambda: stop("emulator", directory),
        what="the AWS emulator",
    )


def _terminate(pid: int, ask: Callable[[int], None], *, grace_s: float) -> None:
    """Ask a service to stop, wait up to ``grace_s`` (reaping it if it is our child), then
    kill its process group."""
    with contextlib.suppress(ProcessLookupError):
        ask(pid)
    deadline = time.monotonic() + grace_s
    while _alive(pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def stop(name: str, directory: Path | None = None) -> bool:
    """Stop a recorded service; True when something was stopped."""
    directory = directory or state_dir()
    service = running(name, directory)
    pid_file, endpoint_file, _ = _files(directory, name)
    stopped = False
    if service:
        _terminate(service.pid, lambda pid: os.killpg(pid, signal.SIGTERM), grace_s=10)
        stopped = True
    for path in (pid_file, endpoint_file):
        path.unlink(missing_ok=True)
    return stopped


def emulator_env(endpoint: str) -> dict[str, str]:
    """Variables that point boto3, the AWS CLI and Terraform at the emulator."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("service", choices=["emulator"])
    parser.add_argument("action", choices=["start", "stop", "status", "env"])
    args = parser.parse_args(argv)
    if args.action == "start":
        service = start_emulator()
        print(f"{service.name}: {service.endpoint} (pid {service.pid})")
    elif args.action == "stop":
        print(f"{args.service}: {'stopped' if stop(args.service) else 'not running'}")
    elif args.action == "status":
        service = running(args.service)
        print(f"{args.service}: {service.endpoint if service else 'not running'}")
        return 0 if service else 1
    else:
        service = running(args.service)
        if not service:
            print(f"{args.service} is not running", file=sys.stderr)
            return 1
        for key, value in emulator_env(service.endpoint).items():
            print(f"export {key}={value}")
    return 0


# --- Docker engine, registry and base image (driven by scripts/docker-env) -------------------

DOCKER_HEALTH_TIMEOUT_S = 60.0
BASE_IMAGE = "local/python-base:bookworm"
DEFAULT_DEBIAN_MIRROR = "http://deb.debian.org/debian"
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


def _bridge_for(directory: Path) -> tuple[str, str]:
    """A bridge name and subnet private to one state directory, so engines don't collide."""
    digest = hashlib.sha256(str(directory.resolve()).encode()).digest()
    name = "slw" + digest[:4].hex()
    used = subprocess.run(
        ["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, check=True
    ).stdout
    for offset in range(256):
        third = (digest[4] + offset) % 256
        subnet = f"10.213.{third}"
        mine = f" {name} " in used and f"inet {subnet}.1/" in used
        if mine or f"inet {subnet}." not in used:
            return name, f"{subnet}.1/24"
    raise SystemExit("no free 10.213.x.0/24 subnet for a docker bridge")


def _ensure_bridge(name: str, address: str) -> None:
    shown = subprocess.run(["ip", "link", "show", name], capture_output=True, check=False)
    if shown.returncode != 0:
        subprocess.run(["ip", "link", "add", name, "type", "bridge"], check=True)
    addresses = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "dev", name], capture_output=True, text=True, check=True
    ).stdout
    if f"inet {address} " not in addresses:
        subprocess.run(["ip", "addr", "flush", "dev", name], check=True)
        subprocess.run(["ip", "addr", "add", address, "dev", name], check=True)
    subprocess.run(["ip", "link", "set", name, "up"], check=True)


def _delete_bridge(directory: Path) -> None:
    digest = hashlib.sha256(str(directory.resolve()).encode()).digest()
    name = "slw" + digest[:4].hex()
    if shutil.which("ip"):
        subprocess.run(["ip", "link", "del", name], capture_output=True, check=False)


def _exec_root(state: Path) -> Path:
    """``<state>/exec``, or a short path under /tmp when containerd's sockets would not fit."""
    exec_root = state / "exec"
    longest = exec_root / "containerd" / "containerd.sock.ttrpc"
    if len(str(longest)) <= _UNIX_PATH_MAX:
        return exec_root
    digest = hashlib.sha256(str(state.resolve()).encode()).hexdigest()[:12]
    return Path("/tmp") / f"slipway-docker-{digest}"


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
    _files(state, "dockerd")[0].unlink(missing_ok=True)
    socket_path = state / "docker.sock"
    if len(str(socket_path)) > _UNIX_PATH_MAX:
        raise SystemExit(f"docker socket path too long for a unix socket: {socket_path}")
    endpoint = f"unix://{socket_path}"
    bridge, address = _bridge_for(directory)
    _ensure_bridge(bridge, address)
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
    return _launch(
        state,
        "dockerd",
        command,
        endpoint,
        lambda: _docker_healthy(endpoint),
        timeout=DOCKER_HEALTH_TIMEOUT_S,
        on_failure=lambda: stop_docker(directory),
        what="dockerd",
    )


def _docker_config(state: Path) -> Path:
    """An empty daemon.json, so /etc/docker/daemon.json never leaks into this engine."""
    config = state / "daemon.json"
    if not config.exists():
        config.write_text("{}\n")
    return config


def stop_docker(directory: Path | None = None) -> bool:
    """Stop the engine started by :func:`start_docker`; True when something was stopped."""
    directory = directory or state_dir()
    stopped = _stop_service("dockerd", docker_dir(directory), timeout=30.0)
    _delete_bridge(directory)
    _unmount_below(docker_dir(directory))
    return stopped


def _unmount_below(root: Path) -> None:
    """dockerd bind-mounts its data-root onto itself and leaves the mount behind when it
    exits; without this the state directory cannot be deleted ("device or resource busy")."""
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return
    prefix = str(root.resolve())
    points = [line.split()[1] for line in lines if len(line.split()) > 1]
    for point in sorted(
        (p for p in points if p == prefix or p.startswith(prefix + "/")), key=len, reverse=True
    ):
        subprocess.run(["umount", "-l", point], check=False, capture_output=True)


def _stop_service(name: str, directory: Path, *, timeout: float) -> bool:
    service = running(name, directory)
    pid_file, endpoint_file, _ = _files(directory, name)
    stopped = False
    if service:
        with contextlib.suppress(ProcessLookupError):
            os.kill(service.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(service.pid) and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(service.pid, os.WNOHANG)
            time.sleep(0.05)
        if _alive(service.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(service.pid, signal.SIGKILL)
        stopped = True
    for path in (pid_file, endpoint_file):
        path.unlink(missing_ok=True)
    return stopped


def _registry_healthy(address: str) -> bool:
    return _healthy(f"http://{address}/v2/")


def start_registry(directory: Path | None = None) -> Service:
    """Start Debian's docker-registry on 127.0.0.1 (or reuse a healthy one); no auth.

    The endpoint is ``127.0.0.1:<port>``; storage lives under ``<state dir>/docker/registry``.
    """
    directory = directory or state_dir()
    state = docker_dir(directory)
    state.mkdir(parents=True, exist_ok=True)
    current = running("registry", state)
    if current and _registry_healthy(current.endpoint):
        return current
    if current:
        stop_registry(directory)

    registry = shutil.which("docker-registry") or "/usr/bin/docker-registry"
    if not Path(registry).exists():
        raise SystemExit("docker-registry not found: run scripts/docker-env install first")
    port = free_port()
    address = f"127.0.0.1:{port}"
    config = state / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n"
        "  level: info\n"
        "  fields:\n"
        "    service: registry\n"
        "storage:\n"
        "  cache:\n"
        "    blobdescriptor: inmemory\n"
        "  filesystem:\n"
        f"    rootdirectory: {json.dumps(str(state / 'registry'))}\n"
        "  delete:\n"
        "    enabled: true\n"
        "http:\n"
        f"  addr: {address}\n"
        "  headers:\n"
        "    X-Content-Type-Options: [nosniff]\n"
    )
    return _launch(
        state,
        "registry",
        [registry, "serve", str(config)],
        address,
        lambda: _registry_healthy(address),
        timeout=HEALTH_TIMEOUT_S,
        on_failure=lambda: stop_registry(directory),
        what="the registry",
    )


def stop_registry(directory: Path | None = None) -> bool:
    """Stop the registry started by :func:`start_registry`."""
    return _stop_service("registry", docker_dir(directory or state_dir()), timeout=10.0)


def docker_env(docker_host: str, registry: str | None) -> dict[str, str]:
    """Variables that point the docker client and slipway at the local engine and registry."""
    env = {"DOCKER_HOST": docker_host, "SLIPWAY_DOCKER": docker_cli()}
    if registry:
        env["SLIPWAY_REGISTRY"] = registry
    return env


def cache_dir() -> Path:
    return Path(os.environ.get("SLIPWAY_CACHE", Path.home() / ".cache" / "slipway"))


def debian_mirror() -> str:
    """The Debian mirror apt uses here (``$SLIPWAY_DEBIAN_MIRROR`` overrides)."""
    override = os.environ.get("SLIPWAY_DEBIAN_MIRROR")
    if override:
        return override
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for source in sources:
        try:
            text = source.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            words = line.split("#", 1)[0].split()
            if words[:1] == ["deb"]:
                urls = [word for word in words[1:] if "://" in word][:1]
            elif words[:1] == ["URIs:"]:
                urls = words[1:]
            else:
                continue
            for url in urls:
                trimmed = url.rstrip("/")
                if trimmed.endswith("/debian") and "security" not in trimmed:
                    return trimmed
    return DEFAULT_DEBIAN_MIRROR


def _docker(docker_host: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCKER_HOST": docker_host}
    return subprocess.run(
        [docker_cli(), *args], env=env, text=True, capture_output=True, check=False
    )


def _build_base_tarball(tarball: Path, suite: str) -> None:
    work = Path(tempfile.mkdtemp(prefix="rootfs-", dir=tarball.parent))
    try:
        rootfs = work / "rootfs"
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                "--include=python3",
                suite,
                str(rootfs),
                debian_mirror(),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for path in (rootfs / leftover).glob("*"):
                if path.is_file():
                    path.unlink()
        partial = work / "rootfs.tar"
        subprocess.run(
            ["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(partial), "."], check=True
        )
        partial.replace(tarball)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ensure_base_image(docker_host: str, image: str = BASE_IMAGE, suite: str = "bookworm") -> str:
    """Make ``image`` (a Debian minbase with python3) exist in the engine; say how.

    Returns "present" (already in the engine), "imported" (from the cached tarball) or
    "built" (debootstrap, then import). The tarball is cached under
    ``$SLIPWAY_CACHE/base-images`` so a new engine only needs the import.
    """
    if _docker(docker_host, "image", "inspect", image).returncode == 0:
        return "present"
    cache = cache_dir() / "base-images"
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / f"python-base-{suite}.tar"
    how = "imported"
    with (cache / f"python-base-{suite}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one debootstrap at a time across processes
        if not tarball.exists():
            _build_base_tarball(tarball, suite)
            how = "built"
    result = _docker(
        docker_host,
        "import",
        "--change",
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "--change",
        "ENV LANG=C.UTF-8",
        "--change",
        'CMD ["python3"]',
        str(tarball),
        image,
    )
    if result.returncode != 0:
        raise SystemExit(f"docker import of {tarball} failed:\n{result.stderr}")
    return how


def docker_main(argv: list[str]) -> int:
    """``docker|registry start|stop|status|env`` and ``base-image``."""
    parser = argparse.ArgumentParser(prog="localenv.py", description="local docker services")
    parser.add_argument("service", choices=["docker", "registry", "base-image"])
    parser.add_argument("action", nargs="?", choices=["start", "stop", "status", "env"])
    args = parser.parse_args(argv)
    name = "dockerd" if args.service == "docker" else args.service
    if args.service == "base-image":
        service = running("dockerd", docker_dir())
        if not service:
            print("dockerd is not running: scripts/docker-env start", file=sys.stderr)
            return 1
        started = time.monotonic()
        how = ensure_base_image(service.endpoint)
        print(f"{BASE_IMAGE}: {how} ({time.monotonic() - started:.1f}s)")
    elif args.action == "start":
        started = time.monotonic()
        service = start_docker() if args.service == "docker" else start_registry()
        elapsed = time.monotonic() - started
        print(f"{args.service}: {service.endpoint} (pid {service.pid}, {elapsed:.1f}s)")
    elif args.action == "stop":
        stopped = stop_docker() if args.service == "docker" else stop_registry()
        print(f"{args.service}: {'stopped' if stopped else 'not running'}")
    elif args.action == "status":
        service = running(name, docker_dir())
        print(f"{args.service}: {service.endpoint if service else 'not running'}")
        return 0 if service else 1
    else:
        service = running(name, docker_dir())
        if not service:
            print(f"{args.service} is not running", file=sys.stderr)
            return 1
        if args.service == "docker":
            print(f"export DOCKER_HOST={service.endpoint}")
            print(f"export SLIPWAY_DOCKER={docker_cli()}")
        else:
            print(f"export SLIPWAY_REGISTRY={service.endpoint}")
    return 0


# --- PostgreSQL for the sample application (driven by scripts/postgres-env) -----------------

POSTGRES_USER = "slipway"
POSTGRES_DATABASE = "slipway"
POSTGRES_HEALTH_TIMEOUT_S = 30.0
POSTGRES_INSTALL_HINT = "run scripts/postgres-env install (Debian's postgresql server)"


@dataclass(frozen=True)
class Postgres:
    """A running private cluster: where it listens and how to log in."""

    host: str
    port: int
    user: str
    password: str
    database: str
    pid: int

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"


def postgres_dir(directory: Path | None = None) -> Path:
    """Where the cluster lives: ``<state dir>/postgres`` (data/, password, pid, log)."""
    return (directory or state_dir()) / "postgres"


def postgres_bin() -> Path:
    """The directory holding ``initdb`` and ``postgres``: ``$SLIPWAY_POSTGRES_BIN``, else the
    newest ``/usr/lib/postgresql/<major>/bin`` (Debian keeps them off PATH), else PATH."""
    override = os.environ.get("SLIPWAY_POSTGRES_BIN")
    candidates = [Path(override)] if override else []
    majors = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(majors, key=lambda path: int("0" + path.parent.name), reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).resolve().parent)
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "postgres").exists():
            return candidate
    raise SystemExit(
        f"PostgreSQL server binaries (initdb, postgres) not found: {POSTGRES_INSTALL_HINT}"
    )


def _postgres_account() -> str | None:
    """The OS user the server runs as: postgres refuses to run as root, so root hands it to
    ``$SLIPWAY_POSTGRES_OS_USER`` (default ``postgres``, created by Debian's package)."""
    if os.geteuid() != 0:
        return None
    account = os.environ.get("SLIPWAY_POSTGRES_OS_USER", "postgres")
    try:
        pwd.getpwnam(account)
    except KeyError:
        raise SystemExit(
            f"SLIPWAY_POSTGRES_OS_USER: no OS user {account!r}: {POSTGRES_INSTALL_HINT}"
        ) from None
    return account


def _as_account(account: str | None, command: list[str]) -> list[str]:
    # setpriv execs in place (runuser forks), so the recorded pid is the postmaster's.
    if account is None:
        return command
    return ["setpriv", f"--reuid={account}", f"--regid={account}", "--init-groups", "--", *command]


def _prepare_postgres_dir(state: Path, account: str | None) -> None:
    state.mkdir(parents=True, exist_ok=True)
    if account is None:
        return
    entry = pwd.getpwnam(account)
    os.chown(state, entry.pw_uid, entry.pw_gid)
    state.chmod(0o700)
    reachable = subprocess.run(_as_account(account, ["test", "-w", str(state)]), check=False)
    if reachable.returncode != 0:
        raise SystemExit(
            f"OS user {account!r} cannot reach {state}: use a state directory whose parents "
            "it can traverse (SLIPWAY_STATE_DIR)"
        )


def _initdb(state: Path, account: str | None) -> None:
    """Create the cluster (superuser and database ``slipway``, password auth on TCP only) in a
    scratch directory renamed into place, so an interrupted run never leaves half a cluster."""
    data, partial = state / "data", state / "data.partial"
    if (data / "PG_VERSION").exists():
        return
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(data, ignore_errors=True)
    password_file = state / "password"
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(24) + "\n")
    password_file.chmod(0o600)
    if account is not None:
        entry = pwd.getpwnam(account)
        os.chown(password_file, entry.pw_uid, entry.pw_gid)
    binaries = postgres_bin()
    subprocess.run(
        _as_account(
            account,
            [
                str(binaries / "initdb"),
                "--pgdata",
                str(partial),
                "--username",
                POSTGRES_USER,
                "--pwfile",
                str(password_file),
                "--auth",
                "scram-sha-256",
                "--encoding",
                "UTF8",
                "--no-locale",
            ],
        ),
        check=True,
        capture_output=True,
    )
    subprocess.run(
        _as_account(
            account,
            [
                str(binaries / "postgres"),
                "--single",
                "-D",
                str(partial),
                "-c",
                "unix_socket_directories=",
                "postgres",
            ],
        ),
        input=f"CREATE DATABASE {POSTGRES_DATABASE};\n",
        text=True,
        check=True,
        capture_output=True,
    )
    partial.rename(data)


def _postgres_ready(data: Path, port: int) -> bool:
    """The postmaster marks its pid file "ready" once it accepts connections."""
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
    except OSError:
        return False
    if len(lines) < 8 or lines[7].strip() != "ready":
        return False
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _postgres_service(state: Path, service: Service) -> Postgres:
    host, _, port = service.endpoint.rpartition(":")
    return Postgres(
        host=host,
        port=int(port),
        user=POSTGRES_USER,
        password=(state / "password").read_text().strip(),
        database=POSTGRES_DATABASE,
        pid=service.pid,
    )


def _postgres_port(state: Path, requested: int | None) -> int:
    """The requested port, else the last one used when it is still free (a stable URL across
    restarts), else any free port."""
    if requested is not None:
        return requested
    try:
        last = int((state / "port").read_text().strip())
    except (OSError, ValueError):
        return free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the postmaster does: closed connections in TIME_WAIT do not hold the port.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", last))
        except OSError:
            return free_port()
    return last


def running_postgres(directory: Path | None = None) -> Postgres | None:
    """The cluster recorded under the state directory, if its postmaster is alive."""
    state = postgres_dir(directory)
    service = running("postgres", state)
    return _postgres_service(state, service) if service else None


def start_postgres(directory: Path | None = None, port: int | None = None) -> Postgres:
    """Start a private PostgreSQL cluster on 127.0.0.1 (or reuse a ready one).

    The first start runs initdb; later starts reuse the data and the password. Only TCP on
    127.0.0.1 is served (no unix socket), with scram-sha-256 password authentication.
    """
    state = postgres_dir(directory)
    current = running("postgres", state)
    if current:
        current_port = int(current.endpoint.rpartition(":")[2])
        if _postgres_ready(state / "data", current_port) and port in (None, current_port):
            return _postgres_service(state, current)
        stop_postgres(directory)
    binaries = postgres_bin()
    account = _postgres_account()
    _prepare_postgres_dir(state, account)
    try:
        _initdb(state, account)
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"initdb in {state} failed:\n{error.stderr}") from None
    chosen = _postgres_port(state, port)
    (state / "port").write_text(f"{chosen}\n")
    command = _as_account(
        account,
        [
            str(binaries / "postgres"),
            "-D",
            str(state / "data"),
            "-h",
            "127.0.0.1",
            "-p",
            str(chosen),
            "-k",
            "",
        ],
    )
    service = _launch(
        state,
        "postgres",
        command,
        f"127.0.0.1:{chosen}",
        lambda: _postgres_ready(state / "data", chosen),
        timeout=POSTGRES_HEALTH_TIMEOUT_S,
        on_failure=lambda: stop_postgres(directory),
        what="PostgreSQL",
    )
    return _postgres_service(state, service)


def stop_postgres(directory: Path | None = None) -> bool:
    """Stop the cluster with a fast shutdown (SIGINT: open sessions are cut, not awaited);
    the data stays for the next start. True when something was stopped."""
    state = postgres_dir(directory)
    service = running("postgres", state)
    pid_file, endpoint_file, _ = _files(state, "postgres")
    if service:
        _terminate(service.pid, lambda pid: os.kill(pid, signal.SIGINT), grace_s=20)
    for path in (pid_file, endpoint_file):
        path.unlink(missing_ok=True)
    return service is not None


@contextlib.contextmanager
def temporary_postgres() -> Iterator[Postgres]:
    """A private cluster in a new directory under the system temp dir, stopped and removed
    afterwards (what the test fixtures use)."""
    # Not under pytest's tmp_path: that is private to root, and the server may run as
    # another OS user, which must be able to traverse the directory.
    directory = Path(tempfile.mkdtemp(prefix="slipway-postgres-"))
    directory.chmod(0o711)
    try:
        yield start_postgres(directory)
    finally:
        stop_postgres(directory)
        shutil.rmtree(directory, ignore_errors=True)


def postgres_env(cluster: Postgres) -> dict[str, str]:
    """``DATABASE_URL`` and the libpq ``PG*`` variables for the cluster."""
    return {
        "DATABASE_URL": cluster.url,
        "PGHOST": cluster.host,
        "PGPORT": str(cluster.port),
        "PGUSER": cluster.user,
        "PGPASSWORD": cluster.password,
        "PGDATABASE": cluster.database,
    }


def postgres_main(argv: list[str]) -> int:
    """``postgres start [--port N]|stop|status|env``."""
    parser = argparse.ArgumentParser(prog="localenv.py postgres", description="local PostgreSQL")
    parser.add_argument("action", choices=["start", "stop", "status", "env"])
    parser.add_argument("--port", type=int, help="port to listen on (start; default: a free one)")
    args = parser.parse_args(argv)
    if args.action == "start":
        started = time.monotonic()
        cluster = start_postgres(port=args.port)
        elapsed = time.monotonic() - started
        print(
            f"postgres: {cluster.host}:{cluster.port} (pid {cluster.pid}, {elapsed:.1f}s)",
            file=sys.stderr,
        )
        print(cluster.url)
    elif args.action == "stop":
        print(f"postgres: {'stopped' if stop_postgres() else 'not running'}")
    else:
        current = running_postgres()
        if args.action == "status":
            print(f"postgres: {f'{current.host}:{current.port}' if current else 'not running'}")
            return 0 if current else 1
        if not current:
            print("postgres is not running: scripts/postgres-env start", file=sys.stderr)
            return 1
        for key, value in postgres_env(current).items():
            print(f"export {key}={value}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["postgres"]:
        sys.exit(postgres_main(sys.argv[2:]))
    if sys.argv[1:2] and sys.argv[1] in ("docker", "registry", "base-image"):
        sys.exit(docker_main(sys.argv[1:]))
    sys.exit(main())
