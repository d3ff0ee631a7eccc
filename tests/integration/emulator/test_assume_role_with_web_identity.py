"""AssumeRoleWithWebIdentity on the emulator asks what STS asks (scripts/emulator_web_identity.py):
an IAM OIDC provider for the token's issuer in the role's account, an unexpired token for one
of its client IDs, and a trust policy that lets the token's subject in. Refusals reach
botocore as STS's errors."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from tests.support import in_account
from tests.unit.aws.fake_oidc import (
    HOST,
    ISSUER,
    trust_statement,
    trusting_role,
    unsigned_jwt,
    unsigned_token,
)

pytestmark = pytest.mark.integration

ACCOUNT = "444455556666"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{HOST}"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/github-prod-terraform-apply"


def trust(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def github(subject: str, effect: str = "Allow") -> dict[str, Any]:
    """modules/github-oidc's statement for one subject."""
    return trust_statement(PROVIDER, [subject], effect)


@pytest.fixture
def iam(aws: str) -> Any:
    """The account's IAM with GitHub's OIDC provider and the prod apply role."""
    client = in_account("iam", ACCOUNT)
    name = "github-prod-terraform-apply"
    assert trusting_role(client, name, ["repo:acme/shop:environment:prod"]) == ROLE
    return client


def assume(token: str, role: str = ROLE) -> dict[str, Any]:
    sts = boto3.client("sts")
    answer: dict[str, Any] = sts.assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="run-1", WebIdentityToken=token
    )
    return answer


def refused(token: str, role: str = ROLE) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as error:
        assume(token, role)
    response = error.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


DENIED = (403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")


def test_the_trusted_subject_assumes_the_role(iam: Any) -> None:
    answer = assume(unsigned_jwt(subject="repo:acme/shop:environment:prod"))
    assert answer["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/github-prod-terraform-apply/run-1"
    )
    assert answer["SubjectFromWebIdentityToken"] == "repo:acme/shop:environment:prod"
    assert answer["Audience"] == "sts.amazonaws.com"
    assert answer["Provider"] == PROVIDER
    keys = answer["Credentials"]
    identity = boto3.client(
        "sts",
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    ).get_caller_identity()
    assert identity["Account"] == ACCOUNT


@pytest.mark.parametrize(
    "subject",
    [
        "repo:acme/shop:environment:prod-deploy",
        "repo:acme/shop:environment:prod-plan",
        "repo:acme/shop:pull_request",
        "repo:acme/other:environment:prod",
    ],
)
def test_other_subjects_are_not_authorized(iam: Any, subject: str) -> None:
    assert refused(unsigned_jwt(subject=subject)) == DENIED


def test_a_role_that_does_not_exist_is_not_authorized(iam: Any) -> None:
    token = unsigned_jwt(subject="repo:acme/shop:environment:prod")
    assert refused(token, f"arn:aws:iam::{ACCOUNT}:role/nobody") == DENIED


def test_a_deny_in_the_trust_policy_wins(iam: Any) -> None:
    iam.update_assume_role_policy(
        RoleName="github-prod-terraform-apply",
        PolicyDocument=trust(
            github("repo:acme/shop:*"), github("repo:acme/shop:pull_request", "Deny")
        ),
    )
    assert assume(unsigned_jwt(subject="repo:acme/shop:environment:prod"))["Credentials"]
    assert refused(unsigned_jwt(subject="repo:acme/shop:pull_request")) == DENIED


def test_the_token_must_come_from_a_provider_of_the_roles_account(aws: str) -> None:
    # The provider exists, but in another account than the role's.
    trusting_role(in_account("iam", "777788889999"), "elsewhere", ["repo:acme/shop:*"])
    in_account("iam", ACCOUNT).create_role(
        RoleName="github-prod-terraform-apply",
        AssumeRolePolicyDocument=trust(github("repo:acme/shop:environment:prod")),
    )
    assert refused(unsigned_jwt(subject="repo:acme/shop:environment:prod")) == (
        400,
        "InvalidIdentityToken",
        f"No OpenIDConnect provider found in your account for {ISSUER}",
    )


def test_expired_tokens_and_other_audiences_are_refused(iam: Any) -> None:
    claims = {"iss": ISSUER, "sub": "repo:acme/shop:environment:prod"}
    status, code, message = refused(
        unsigned_token({**claims, "aud": "sts.amazonaws.com", "exp": int(time.time()) - 5})
    )
    assert (status, code) == (400, "ExpiredTokenException")
    assert message.startswith("Token expired: current date/time ")
    assert refused(unsigned_token({**claims, "aud": "sigstore"})) == (
        400,
        "InvalidIdentityToken",
        "Incorrect token audience",
    )
    fresh = {**claims, "aud": "sts.amazonaws.com", "exp": int(time.time()) + 300}
    assert assume(unsigned_token(fresh))["Credentials"]


def test_what_is_not_a_token_is_an_invalid_identity_token(iam: Any) -> None:
    status, code, message = refused("ghs_not-a-jwt")
    assert (status, code) == (400, "InvalidIdentityToken")
    assert "not a valid JWT" in message


def test_a_trust_policy_the_emulator_does_not_model_is_answered_501(iam: Any) -> None:
    statement = github("repo:acme/shop:environment:prod")
    statement["Condition"]["DateLessThan"] = {"aws:CurrentTime": "2999-01-01T00:00:00Z"}
    iam.update_assume_role_policy(
        RoleName="github-prod-terraform-apply", PolicyDocument=trust(statement)
    )
    status, code, message = refused(unsigned_jwt(subject="repo:acme/shop:environment:prod"))
    assert (status, code) == (501, "NotImplemented")
    assert ROLE in message and "DateLessThan" in message


def test_assume_role_itself_is_unchanged(aws: str) -> None:
    keys = boto3.client("sts").assume_role(RoleArn=ROLE, RoleSessionName="admin")["Credentials"]
    assert keys["AccessKeyId"]
