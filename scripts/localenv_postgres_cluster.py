"""The local PostgreSQL cluster on disk: where the server binaries are, which OS account the
server runs as (postgres refuses to run as root), and initdb with the ``slipway`` superuser
and database.

Apart from localenv_postgres (the running server) because creating the cluster is the part
that depends on the host: Debian's layout, root, file ownership.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
from pathlib import Path

POSTGRES_USER = "slipway"
POSTGRES_DATABASE = "slipway"
POSTGRES_INSTALL_HINT = "run scripts/postgres-env install (Debian's postgresql server)"


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


def postgres_account() -> str | None:
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


def as_account(account: str | None, command: list[str]) -> list[str]:
    # setpriv execs in place (runuser forks), so the recorded pid is the postmaster's.
    if account is None:
        return command
    return ["setpriv", f"--reuid={account}", f"--regid={account}", "--init-groups", "--", *command]


def prepare_postgres_dir(state: Path, account: str | None) -> None:
    state.mkdir(parents=True, exist_ok=True)
    if account is None:
        return
    entry = pwd.getpwnam(account)
    os.chown(state, entry.pw_uid, entry.pw_gid)
    state.chmod(0o700)
    reachable = subprocess.run(as_account(account, ["test", "-w", str(state)]), check=False)
    if reachable.returncode != 0:
        raise SystemExit(
            f"OS user {account!r} cannot reach {state}: use a state directory whose parents "
            "it can traverse (SLIPWAY_STATE_DIR)"
        )


def initdb(state: Path, account: str | None) -> None:
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
        as_account(
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
        as_account(
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
