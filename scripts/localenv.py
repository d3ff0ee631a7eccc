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
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
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
    """Start moto in server mode (or reuse a healthy one) and return its endpoint."""
    directory = directory or state_dir()
    directory.mkdir(parents=True, exist_ok=True)
    current = running("emulator", directory)
    if current and _healthy(current.endpoint + "/moto-api/data.json"):
        return current
    if current:
        stop("emulator", directory)

    moto = Path(sys.executable).parent / "moto_server"
    if not moto.exists():
        moto = REPO / ".venv" / "bin" / "moto_server"
    if not moto.exists():
        raise SystemExit("moto_server not found: run scripts/dev-env first")
    pid_file, endpoint_file, log_file = _files(directory, "emulator")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [str(moto), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # survives the shell that started it, like a daemon
        )
    pid_file.write_text(f"{process.pid}\n")
    endpoint_file.write_text(f"{endpoint}\n")
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if _healthy(endpoint + "/moto-api/data.json"):
            return Service("emulator", endpoint, process.pid)
        time.sleep(0.1)
    stop("emulator", directory)
    tail = log_file.read_text(errors="replace")[-2000:]
    raise SystemExit(f"the AWS emulator did not become healthy on {endpoint}:\n{tail}")


def stop(name: str, directory: Path | None = None) -> bool:
    """Stop a recorded service; True when something was stopped."""
    directory = directory or state_dir()
    service = running(name, directory)
    pid_file, endpoint_file, _ = _files(directory, name)
    stopped = False
    if service:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(service.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
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


if __name__ == "__main__":
    sys.exit(main())
