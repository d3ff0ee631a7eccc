from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.release.release_repo import Repo, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """A repository that released v1.2.3, with Unreleased entries waiting (release_repo)."""
    return make_repo(tmp_path)
