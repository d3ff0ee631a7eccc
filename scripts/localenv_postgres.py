"""The local PostgreSQL server for the sample application (driven by scripts/postgres-env and
the test fixtures): a private cluster served on 127.0.0.1 only, with password auth, reused
across starts on the same port when it is free, and the variables that point clients at it.

Creating the cluster on disk is localenv_postgres_cluster's part.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from localenv_postgres_cluster import (
    POSTGRES_DATABASE,
    POSTGRES_USER,
    as_account,
    initdb,
    postgres_account,
    postgres_bin,
    prepare_postgres_dir,
)
from localenv_process import Service, free_port, launch, running, state_dir, stop_service

POSTGRES_HEALTH_TIMEOUT_S = 30.0


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
    account = postgres_account()
    prepare_postgres_dir(state, account)
    try:
        initdb(state, account)
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"initdb in {state} failed:\n{error.stderr}") from None
    chosen = _postgres_port(state, port)
    (state / "port").write_text(f"{chosen}\n")
    command = as_account(
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
    service = launch(
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
    return stop_service(
        "postgres",
        postgres_dir(directory),
        grace_s=20,
        ask=lambda pid: os.kill(pid, signal.SIGINT),
    )


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
