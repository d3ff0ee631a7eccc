"""The GitHub test double's OIDC token endpoint, which the act tests of the workflows give
their jobs as ACTIONS_ID_TOKEN_REQUEST_URL, read by slipway's own token client."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.fakes.github_api import FakeGitHub

from slipway.aws.oidc import OidcError, fetch_github_oidc_token


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(repositories=("acme/infra",)) as server:
        yield server


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_token_names_the_repository_and_environment_of_the_job(github: FakeGitHub) -> None:
    token = fetch_github_oidc_token(github.oidc_env("prod"), "sts.amazonaws.com")
    assert claims(token) == {
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "sts.amazonaws.com",
        "sub": "repo:acme/infra:environment:prod",
        "repository": "acme/infra",
        "environment": "prod",
    }
    assert github.oidc_tokens == [claims(token)]


def test_token_without_environment_names_the_ref(github: FakeGitHub) -> None:
    token = fetch_github_oidc_token(github.oidc_env(), "sts.amazonaws.com")
    assert claims(token)["sub"] == "repo:acme/infra:ref:refs/heads/main"


def test_a_wrong_request_token_is_refused(github: FakeGitHub) -> None:
    env = {**github.oidc_env("dev"), "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "stolen"}
    with pytest.raises(OidcError, match="HTTP 401"):
        fetch_github_oidc_token(env, "sts.amazonaws.com", attempts=1)
    assert github.oidc_tokens == []
