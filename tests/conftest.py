"""Shared fixtures: the real local AWS emulator (moto in server mode)."""

from __future__ import annotations

import importlib.util
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent


def _load_localenv() -> ModuleType:
    spec = importlib.util.spec_from_file_location("localenv", REPO / "scripts" / "localenv.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["localenv"] = module
    spec.loader.exec_module(module)
    return module


localenv = _load_localenv()


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private moto server for this test session; yields its endpoint URL."""
    directory = tmp_path_factory.mktemp("localenv")
    service = localenv.start_emulator(directory)
    try:
        yield service.endpoint
    finally:
        localenv.stop("emulator", directory)


@pytest.fixture
def aws(emulator: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A clean emulator (all state reset) with the environment pointing boto3 at it."""
    request = urllib.request.Request(emulator + "/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    for key, value in localenv.emulator_env(emulator).items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(key, raising=False)
    return emulator
