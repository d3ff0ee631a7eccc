"""Fixtures for the sample application's tests, which run two ways:

- from this directory on their own (``python -m pytest tests/unit``; the integration tests
  with ``DATABASE_URL`` pointing at a PostgreSQL server, as the app workflow's service
  container provides), or
- as part of the slipway repository's test run, where a private PostgreSQL cluster is
  started with the repository's scripts/localenv.py when ``DATABASE_URL`` is not set.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

APP_ROOT = Path(__file__).resolve().parent.parent
LOCALENV = APP_ROOT.parent.parent / "scripts" / "localenv.py"

# Appended, not prepended: the repository root (holding its own ``tests``) stays first, and
# ``app`` is a regular package, so it wins over namespace directories named ``app``.
if str(APP_ROOT) not in sys.path:
    sys.path.append(str(APP_ROOT))


def load_localenv() -> ModuleType | None:
    """The repository's scripts/localenv.py (shared with tests/conftest.py), if present."""
    if "localenv" in sys.modules:
        return sys.modules["localenv"]
    if not LOCALENV.exists():
        return None
    spec = importlib.util.spec_from_file_location("localenv", LOCALENV)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["localenv"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def localenv() -> ModuleType:
    module = load_localenv()
    if module is None:
        pytest.fail(f"{LOCALENV} not found: this test controls a local PostgreSQL server")
    return module


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A PostgreSQL server's URL: ``$DATABASE_URL`` when set, else a private cluster.

    Fails (never skips) when neither is available.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        yield url
        return
    module = load_localenv()
    if module is None:
        pytest.fail("DATABASE_URL is not set: point it at a PostgreSQL server")
    with contextlib.ExitStack() as stack:
        try:
            cluster = stack.enter_context(module.temporary_postgres())
        except SystemExit as error:
            pytest.fail(f"PostgreSQL did not start: {error}")
        yield cluster.url
