"""The app as it runs in its image: a venv made from requirements.lock (hash-checked), and a
fresh database per test on the real PostgreSQL server."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from running_app import psql, with_database

APP_ROOT = Path(__file__).resolve().parents[2]
REPO = APP_ROOT.parents[1]
LOCK = APP_ROOT / "requirements.lock"


def _uv() -> str:
    found = shutil.which("uv") or str(REPO / ".tools" / "uv" / "bin" / "uv")
    if not Path(found).exists():
        pytest.fail("uv not found: run scripts/dev-env (it installs uv under .tools/uv)")
    return found


@pytest.fixture(scope="session")
def app_python() -> Path:
    """An interpreter with the app's locked dependencies: this one when they are installed,
    else a venv made with uv from requirements.lock, cached by the lock's hash under
    $SLIPWAY_CACHE (default ~/.cache/slipway)."""
    if importlib.util.find_spec("pg8000") is not None:
        return Path(sys.executable)  # installed with the tests (requirements-dev.lock)
    key = hashlib.sha256(LOCK.read_bytes() + sys.version.encode()).hexdigest()[:16]
    cache = Path(os.environ.get("SLIPWAY_CACHE", Path.home() / ".cache" / "slipway"))
    venv = cache / f"example-app-venv-{key}"
    python = venv / "bin" / "python"
    if (venv / ".ready").exists():
        return python
    uv = _uv()
    for command in (
        [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
        [uv, "pip", "sync", "--quiet", "--require-hashes", "--python", str(python), str(LOCK)],
    ):
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed:\n{result.stderr}")
    (venv / ".ready").write_text("ok\n")
    return python


@pytest.fixture
def database_url(postgres: str) -> Iterator[str]:
    """An empty database of its own on the session's server; dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    psql(postgres, f"CREATE DATABASE {name}")
    try:
        yield with_database(postgres, name)
    finally:
        psql(postgres, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
