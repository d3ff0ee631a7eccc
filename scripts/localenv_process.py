"""How every local service runs: a detached process on 127.0.0.1, its pid, endpoint and log
under a state directory, started once it answers a health check and stopped by its pid.

The service modules beside it (emulator, Docker engine, registry, PostgreSQL, and
localenv_images) share this so each one says only what to run and how to tell it is up.
Stdlib only, like localenv.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEALTH_TIMEOUT_S = 30.0
# How often a long step says it is still going (as the build scripts do).
PROGRESS_INTERVAL_S = 30.0


@dataclass(frozen=True)
class Service:
    name: str
    endpoint: str
    pid: int


def run_build(script: Path) -> str:
    """Run one of the cached build scripts (scripts/build-*) and return what it prints on
    stdout (where it put the result). Its stderr is not captured: a first run builds for
    minutes, and the progress lines it prints there every 30 s must reach the terminal."""
    done = subprocess.run([str(script)], stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(
            f"{script.parent.name}/{script.name} failed (exit {done.returncode}); "
            "its messages are above"
        )
    return done.stdout.strip()


@contextlib.contextmanager
def reporting(what: str, interval: float = PROGRESS_INTERVAL_S) -> Iterator[None]:
    """Say on stderr that ``what`` starts, that it is still going every ``interval`` seconds,
    and how long it took: for steps that take minutes once and print nothing themselves."""
    started = time.monotonic()
    finished = threading.Event()

    def say(text: str) -> None:
        print(f"{what}: {text}", file=sys.stderr, flush=True)

    def tick() -> None:
        while not finished.wait(interval):
            say(f"still going ({time.monotonic() - started:.0f} s)")

    say("started")
    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    ended = "done in"
    try:
        yield
    except BaseException:
        ended = "failed after"
        raise
    finally:
        finished.set()
        ticker.join()
        say(f"{ended} {time.monotonic() - started:.0f} s")


def state_dir() -> Path:
    return Path(os.environ.get("SLIPWAY_STATE_DIR", REPO / ".local"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def http_ok(url: str) -> bool:
    """True when ``url`` answers 200: the health check of the HTTP services."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def service_files(directory: Path, name: str) -> tuple[Path, Path, Path]:
    """The pid, endpoint and log files of service ``name``."""
    return directory / f"{name}.pid", directory / f"{name}.endpoint", directory / f"{name}.log"


def launch(
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
    pid_file, endpoint_file, log_file = service_files(directory, name)
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
    pid_file, endpoint_file, _ = service_files(directory or state_dir(), name)
    try:
        pid = int(pid_file.read_text().strip())
        endpoint = endpoint_file.read_text().strip()
    except (OSError, ValueError):
        return None
    return Service(name, endpoint, pid) if is_alive(pid) else None


def _terminate(pid: int, ask: Callable[[int], None], *, grace_s: float) -> None:
    """Ask a service to stop, wait up to ``grace_s`` (reaping it if it is our child), then
    kill its process group."""
    with contextlib.suppress(ProcessLookupError):
        ask(pid)
    deadline = time.monotonic() + grace_s
    while is_alive(pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)
    if is_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def _sigterm(pid: int) -> None:
    os.kill(pid, signal.SIGTERM)


def stop_service(
    name: str, directory: Path, *, grace_s: float, ask: Callable[[int], None] = _sigterm
) -> bool:
    """Stop a recorded service with ``ask`` (SIGTERM by default) and forget its pid and
    endpoint (the log stays); True when something was stopped."""
    service = running(name, directory)
    pid_file, endpoint_file, _ = service_files(directory, name)
    if service:
        _terminate(service.pid, ask, grace_s=grace_s)
    for path in (pid_file, endpoint_file):
        path.unlink(missing_ok=True)
    return service is not None


def stop(name: str, directory: Path | None = None) -> bool:
    """Stop a recorded service and its process group; True when something was stopped."""
    return stop_service(
        name,
        directory or state_dir(),
        grace_s=10,
        ask=lambda pid: os.killpg(pid, signal.SIGTERM),
    )
