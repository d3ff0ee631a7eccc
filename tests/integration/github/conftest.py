from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.fakes.github_api import FakeGitHub

from slipway.github import GitHubContext, connect

TOKEN = "test-token"
BOT = "slipway-bot"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    """The GitHub test double (GHES-style base URL, so GraphQL is at /api/graphql)."""
    with FakeGitHub(tokens={TOKEN: BOT, "alice-token": "alice"}) as server:
        yield server


@pytest.fixture
def ctx(fake: FakeGitHub) -> GitHubContext:
    return GitHubContext(
        api_url=fake.url,
        repository="octo/infra",
        token=TOKEN,
        run_id=42,
        run_attempt=1,
        actor="dev",
        event_name="pull_request",
        pr_number=None,
        sha="0123456789abcdef0123456789abcdef01234567",
        server_url="https://github.example",
    )


@pytest.fixture
def gh(ctx: GitHubContext) -> Any:
    return connect(ctx, retries=0, throttle=False)
