from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_oidc import FakeOidc, serve_oidc


@pytest.fixture
def oidc() -> Iterator[FakeOidc]:
    """A fake GitHub OIDC token endpoint on 127.0.0.1."""
    with serve_oidc() as fake:
        yield fake
