"""Helpers for the app's integration tests: ``python -m app`` as a process, and psql."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

APP_ROOT = Path(__file__).resolve().parents[2]


def psql_binary() -> str:
    """psql from PATH, else from Debian's server package directory (kept off PATH)."""
    found = shutil.which("psql") or next(
        (str(path) for path in sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))), None
    )
    if not found:
        pytest.fail("psql not found: install PostgreSQL's client (scripts/postgres-env install)")
    return found


def psql(url: str, sql: str) -> list[list[str]]:
    """Rows from the real psql client (unaligned, tab-separated)."""
    result = subprocess.run(
        [psql_binary(), url, "-X", "-q", "-tA", "-F", "\t", "-c", sql],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"psql {sql!r}: {result.stderr}"
    return [line.split("\t") for line in result.stdout.splitlines() if line]


def with_database(url: str, database: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))


def run_app(python: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "app", *args],
        cwd=APP_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningApp:
    port: int
    process: subprocess.Popen[str]

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            payload = None if body is None else json.dumps(body).encode()
            connection.request(method, path, body=payload)
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()


@contextmanager
def serving(python: Path, **env: str) -> Iterator[RunningApp]:
    """``python -m app`` serving on a free port until the block ends; then SIGTERM, and the
    process must exit cleanly (that is how ECS stops a task)."""
    port = _free_port()
    process = subprocess.Popen(
        [str(python), "-m", "app"],
        cwd=APP_ROOT,
        env={**os.environ, "PORT": str(port), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.communicate(timeout=5)[0] if process.poll() else ""
                    pytest.fail(f"the app did not start listening on {port}:\n{output}")
                time.sleep(0.05)
        yield RunningApp(port, process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output = process.communicate(timeout=10)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, f"the app exited {process.returncode} on SIGTERM:\n{output}"
