"""How the emulator reads a web identity token and asks a role's trust policy about it: the
checks of STS's AssumeRoleWithWebIdentity in the order it makes them, its error texts, and
the trust policies modules/github-oidc writes (StringEquals on aud, StringLike on sub)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.model import ServiceModel
from botocore.parsers import QueryParser
from botocore.session import get_session
from tests.unit.aws.fake_oidc import HOST, ISSUER, trust_statement, unsigned_jwt, unsigned_token

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
from emulator_policy_evaluation import UnsupportedPolicyError
from emulator_web_identity import (
    Provider,
    RefusedError,
    Token,
    WebIdentity,
    error_xml,
    provider_url,
    read_token,
    trusted,
    vouch,
)

ACCOUNT = "111122223333"
GITHUB = Provider(f"arn:aws:iam::{ACCOUNT}:oidc-provider/{HOST}", HOST, ("sts.amazonaws.com",))
NOW = 1_700_000_000.0


def github_trust(*subjects: str, provider: str = GITHUB.arn) -> str:
    """The trust policy modules/github-oidc writes."""
    return json.dumps({"Version": "2012-10-17", "Statement": [trust_statement(provider, subjects)]})


def identity(subject: str, audience: str = "sts.amazonaws.com", **more: Any) -> WebIdentity:
    return WebIdentity(GITHUB, subject, audience, more.get("amr"))


def refusal(call: Any) -> tuple[str, str, int]:
    with pytest.raises(RefusedError) as refused:
        call()
    return refused.value.code, refused.value.message, refused.value.status


def test_a_github_token_is_read_without_its_signature() -> None:
    token = read_token(unsigned_jwt(subject="repo:acme/shop:environment:prod"))
    assert token == Token(
        ISSUER, "repo:acme/shop:environment:prod", ("sts.amazonaws.com",), None, None
    )
    claims = {"iss": ISSUER, "sub": "s", "aud": ["a", "b"], "exp": NOW, "amr": ["x", "y"]}
    assert read_token(unsigned_token(claims)) == Token(ISSUER, "s", ("a", "b"), NOW, ("x", "y"))


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("not-a-token", "The ID Token provided is not a valid JWT"),
        ("a.b.c", "The ID Token provided is not a valid JWT"),
        (unsigned_jwt() + ".extra.parts", "The ID Token provided is not a valid JWT"),
        (unsigned_token({"iss": ISSUER, "sub": "s"}), "Missing a required claim: aud"),
        (unsigned_token({"iss": ISSUER, "aud": "a"}), "Missing a required claim: sub"),
        (unsigned_token({"iss": ISSUER, "sub": "s", "aud": []}), "not a valid JWT"),
        (unsigned_token({"iss": ISSUER, "sub": "s", "aud": "a", "exp": "soon"}), "not a valid JWT"),
    ],
)
def test_what_is_no_token_is_an_invalid_identity_token(token: str, message: str) -> None:
    code, text, status = refusal(lambda: read_token(token))
    assert (code, status) == ("InvalidIdentityToken", 400)
    assert message in text


def test_providers_are_keyed_by_the_issuer_without_https() -> None:
    assert provider_url(ISSUER) == HOST
    assert provider_url("https://oidc.eks.eu-west-1.amazonaws.com/id/ABC") == (
        "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
    )
    assert provider_url("http://token.actions.githubusercontent.com") is None
    assert provider_url("https://") is None


def test_the_token_needs_its_provider_a_future_exp_and_a_client_id_as_audience() -> None:
    token = read_token(unsigned_jwt(subject="repo:acme/shop:pull_request"))
    assert refusal(lambda: vouch(token, None, NOW)) == (
        "InvalidIdentityToken",
        f"No OpenIDConnect provider found in your account for {ISSUER}",
        400,
    )
    expired = Token(ISSUER, "s", ("sts.amazonaws.com",), NOW - 1, None)
    assert refusal(lambda: vouch(expired, GITHUB, NOW)) == (
        "ExpiredTokenException",
        f"Token expired: current date/time {int(NOW)} must be before the expiration "
        f"date/time{int(NOW) - 1}",
        400,
    )
    stranger = Token(ISSUER, "s", ("sigstore",), NOW + 60, None)
    assert refusal(lambda: vouch(stranger, GITHUB, NOW)) == (
        "InvalidIdentityToken",
        "Incorrect token audience",
        400,
    )
    # Of several audiences, the one that is a client ID is the aud the trust policy sees.
    several = Token(ISSUER, "s", ("sigstore", "sts.amazonaws.com"), NOW + 60, None)
    assert vouch(several, GITHUB, NOW) == WebIdentity(GITHUB, "s", "sts.amazonaws.com", None)


def test_the_github_oidc_trust_lets_in_its_subjects_only() -> None:
    apply = github_trust("repo:acme/shop:environment:prod")
    assert trusted(apply, identity("repo:acme/shop:environment:prod"))
    for subject in (
        "repo:acme/shop:environment:prod-deploy",
        "repo:acme/shop:environment:prod-plan",
        "repo:acme/shop:pull_request",
        "repo:acme/shop:ref:refs/heads/main",
        "repo:acme/other:environment:prod",
        "repo:acme/shop:environment:PROD",  # StringLike is case-sensitive
    ):
        assert not trusted(apply, identity(subject)), subject
    tags = github_trust("repo:acme/shop:ref:refs/tags/v*", "repo:acme/shop:environment:release")
    assert trusted(tags, identity("repo:acme/shop:ref:refs/tags/v1.2.0"))
    assert trusted(tags, identity("repo:acme/shop:environment:release"))
    assert not trusted(tags, identity("repo:acme/shop:ref:refs/heads/v1"))


def test_the_audience_condition_and_the_federated_principal_count() -> None:
    trust = github_trust("repo:acme/shop:*")
    assert not trusted(trust, identity("repo:acme/shop:pull_request", audience="sigstore"))
    elsewhere = github_trust(
        "repo:acme/shop:*", provider=f"arn:aws:iam::444455556666:oidc-provider/{HOST}"
    )
    assert not trusted(elsewhere, identity("repo:acme/shop:pull_request"))
    # A role that trusts an AWS principal is not assumed with a token.
    for principal in ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, {"Service": "ecs.amazonaws.com"}):
        policy = json.loads(trust)
        policy["Statement"][0]["Principal"] = principal
        assert not trusted(json.dumps(policy), identity("repo:acme/shop:pull_request"))


def test_a_deny_wins_and_no_allow_is_no_entry() -> None:
    policy = json.loads(github_trust("repo:acme/shop:*"))
    policy["Statement"].append(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:*",
            "Condition": {"StringLike": {f"{HOST}:sub": "*:pull_request"}},
        }
    )
    assert trusted(json.dumps(policy), identity("repo:acme/shop:environment:prod"))
    assert not trusted(json.dumps(policy), identity("repo:acme/shop:pull_request"))
    assert not trusted(json.dumps({"Statement": []}), identity("repo:acme/shop:pull_request"))
    # The action must be the web identity one.
    policy = json.loads(github_trust("repo:acme/shop:*"))
    policy["Statement"][0]["Action"] = "sts:AssumeRole"
    assert not trusted(json.dumps(policy), identity("repo:acme/shop:pull_request"))


def test_set_operators_and_a_multivalued_amr() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": GITHUB.arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "ForAnyValue:StringLike": {f"{HOST}:sub": ["repo:acme/shop:environment:*"]},
            "ForAllValues:StringEquals": {f"{HOST}:amr": ["authenticated", "mfa"]},
        },
    }
    trust = json.dumps({"Statement": [statement]})
    assert trusted(trust, identity("repo:acme/shop:environment:dev"))  # no amr: ForAllValues
    assert trusted(trust, identity("repo:acme/shop:environment:dev", amr=("authenticated",)))
    assert not trusted(trust, identity("repo:acme/shop:environment:dev", amr=("guest", "mfa")))
    assert not trusted(trust, identity("repo:acme/shop:pull_request"))


def test_a_trust_policy_the_evaluator_does_not_model_is_refused() -> None:
    policy = json.loads(github_trust("repo:acme/shop:*"))
    policy["Statement"][0]["Resource"] = "*"
    for document in (json.dumps(policy), "{not json", "[]"):
        with pytest.raises(UnsupportedPolicyError):
            trusted(document, identity("repo:acme/shop:pull_request"))
    # IAM hands a trust policy out URL-encoded; the emulator reads it either way.
    from urllib.parse import quote

    encoded = quote(github_trust("repo:acme/shop:pull_request"))
    assert trusted(encoded, identity("repo:acme/shop:pull_request"))


@pytest.mark.parametrize(
    ("code", "message", "exception"),
    [
        ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", None),
        ("InvalidIdentityToken", "Incorrect token audience", "InvalidIdentityTokenException"),
        ("ExpiredTokenException", "Token expired: …", "ExpiredTokenException"),
    ],
)
def test_errors_are_what_botocore_parses(code: str, message: str, exception: str | None) -> None:
    model = ServiceModel(get_session().get_service_data("sts"), "sts")
    operation = model.operation_model("AssumeRoleWithWebIdentity")
    status = 403 if code == "AccessDenied" else 400
    body = error_xml(code, message).encode()
    parsed = QueryParser().parse(
        {"status_code": status, "headers": {}, "body": body}, operation.output_shape
    )
    assert parsed["Error"] == {"Type": "Sender", "Code": code, "Message": message}
    if exception is not None:  # botocore's client raises the model's exception for the code
        shape = next(s for s in operation.error_shapes if s.name == exception)
        assert shape.metadata["error"]["code"] == code
