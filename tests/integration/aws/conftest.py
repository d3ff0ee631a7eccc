from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from tests.support import in_account


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


@pytest.fixture
def github_trust(aws: str) -> Callable[..., None]:
    """Creates a role that trusts GitHub's OIDC tokens with the fake endpoint's subject, and
    the OIDC provider in the role's account: the emulator checks both, as STS does."""

    def create(role_arn: str, subject: str = "repo:owner/repo:ref") -> None:
        iam = in_account("iam", role_arn.split(":")[4])
        assert fake_oidc.trusting_role(iam, role_arn.rsplit("/", 1)[-1], [subject]) == role_arn

    return create
