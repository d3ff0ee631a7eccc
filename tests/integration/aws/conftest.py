from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest


def _load_fake_oidc() -> ModuleType:
    if "fake_oidc" in sys.modules:
        return sys.modules["fake_oidc"]
    path = Path(__file__).resolve().parents[2] / "unit" / "aws" / "fake_oidc.py"
    spec = importlib.util.spec_from_file_location("fake_oidc", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["fake_oidc"] = module
    spec.loader.exec_module(module)
    return module


fake_oidc = _load_fake_oidc()


@pytest.fixture
def oidc() -> Iterator[object]:
    """A fake GitHub OIDC token endpoint on 127.0.0.1 (see tests/unit/aws/fake_oidc.py)."""
    with fake_oidc.serve_oidc() as fake:
        yield fake
