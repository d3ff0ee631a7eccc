"""Helpers for the runner protocol tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.support import parse_github_output


@pytest.fixture(name="parse_github_output")
def parse_github_output_fixture() -> Callable[[str], dict[str, str]]:
    """The shared GITHUB_OUTPUT parser, as a fixture."""
    return parse_github_output
