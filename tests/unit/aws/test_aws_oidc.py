from __future__ import annotations

import socket

import pytest
from fake_oidc import REQUEST_TOKEN, FakeOidc

from slipway.aws import OidcError, fetch_github_oidc_token
from slipway.aws.oidc import token_request_url


def test_fetches_token_with_bearer_and_audience(oidc: FakeOidc) -> None:
    assert fetch_github_oidc_token(oidc.env()) == oidc.token
    assert oidc.requests == [
        (f"bearer {REQUEST_TOKEN}", {"api-version": ["2.0"], "audience": ["sts.amazonaws.com"]})
    ]


def test_url_without_query_gets_question_mark(oidc: FakeOidc) -> None:
    assert fetch_github_oidc_token(oidc.env(query="")) == oidc.token
    assert oidc.requests[0][1] == {"audience": ["sts.amazonaws.com"]}


def test_token_request_url_encodes_audience() -> None:
    assert token_request_url("https://h/t?v=1", "sts.amazonaws.com") == (
        "https://h/t?v=1&audience=sts.amazonaws.com"
    )
    assert token_request_url("https://h/t", "a b/c&d") == "https://h/t?audience=a%20b%2Fc%26d"


def test_server_errors_are_retried(oidc: FakeOidc) -> None:
    oidc.statuses = [500, 503]
    sleeps: list[float] = []
    token = fetch_github_oidc_token(oidc.env(), backoff=0.25, sleep=sleeps.append)
    assert token == oidc.token
    assert len(oidc.requests) == 3
    assert sleeps == [0.25, 0.5]


def test_server_errors_give_up_after_the_attempts(oidc: FakeOidc) -> None:
    oidc.statuses = [500] * 10
    with pytest.raises(OidcError) as error:
        fetch_github_oidc_token(oidc.env(), attempts=3, sleep=lambda _: None)
    assert len(oidc.requests) == 3
    assert str(error.value).startswith("GitHub OIDC token request failed: HTTP 500")
    assert str(error.value).endswith("(after 3 attempts)")


def test_client_errors_are_final(oidc: FakeOidc) -> None:
    oidc.statuses = [403, 200]
    with pytest.raises(OidcError, match=r"^GitHub OIDC token request failed: HTTP 403 Forbidden"):
        fetch_github_oidc_token(oidc.env(), sleep=lambda _: None)
    assert len(oidc.requests) == 1


def test_wrong_request_token_is_rejected_by_the_fake(oidc: FakeOidc) -> None:
    env = {**oidc.env(), "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "wrong"}
    with pytest.raises(OidcError, match=r"HTTP 401"):
        fetch_github_oidc_token(env)


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN not set"),
        ({"ACTIONS_ID_TOKEN_REQUEST_URL": "http://x/t"}, "ACTIONS_ID_TOKEN_REQUEST_TOKEN not set"),
        ({"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"}, "ACTIONS_ID_TOKEN_REQUEST_URL not set"),
    ],
)
def test_missing_environment_points_at_permissions(env: dict[str, str], missing: str) -> None:
    with pytest.raises(OidcError) as error:
        fetch_github_oidc_token(env)
    assert str(error.value) == (
        f"{missing}: the job needs 'permissions: id-token: write' to assume a role with GitHub OIDC"
    )


def test_non_http_url_is_refused() -> None:
    env = {
        "ACTIONS_ID_TOKEN_REQUEST_URL": "file:///etc/passwd",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t",
    }
    with pytest.raises(OidcError, match=r"not an http"):
        fetch_github_oidc_token(env)


@pytest.mark.parametrize("body", [b'{"count": 1}', b'{"value": ""}', b"[]", b"<html>"])
def test_response_without_a_token(oidc: FakeOidc, body: bytes) -> None:
    oidc.body = body
    with pytest.raises(OidcError, match=r"no 'value'|not JSON"):
        fetch_github_oidc_token(oidc.env())


def test_unreachable_endpoint_is_retried_then_reported() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"http://127.0.0.1:{port}/token",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t",
    }
    sleeps: list[float] = []
    with pytest.raises(OidcError, match=r"unreachable.*\(after 2 attempts\)$"):
        fetch_github_oidc_token(env, attempts=2, backoff=0.1, sleep=sleeps.append)
    assert sleeps == [0.1]
