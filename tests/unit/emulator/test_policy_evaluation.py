"""The emulator's resource-policy evaluation, against the examples and rules of the IAM policy
reference (condition operators, missing keys, IfExists, Null, ARN matching, wildcards,
principals) and the statements modules/state-backend writes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
from emulator_policy_evaluation import (
    Caller,
    Request,
    UnsupportedPolicyError,
    arn_match,
    conditions_hold,
    evaluate,
    glob_match,
    operator_holds,
    principal_matches,
)

ACCOUNT = "111122223333"
PLAN = Caller(
    f"arn:aws:iam::{ACCOUNT}:role/github-prod-terraform-plan",
    ACCOUNT,
    "AssumedRole",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/github-prod-terraform-plan/run-1",
)
APPLY = Caller(f"arn:aws:iam::{ACCOUNT}:role/github-prod-terraform-apply", ACCOUNT, "AssumedRole")
ROOT = Caller(f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "Account")
ANONYMOUS = Caller(None, None, "anonymous")
BUCKET = "arn:aws:s3:::acme-tfstate"
HOST = "token.actions.githubusercontent.com"
GITHUB_PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{HOST}"
WEB_IDENTITY = Caller(None, None, "WebIdentityUser", federated=GITHUB_PROVIDER)


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def deny(**elements: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Principal": "*", **elements}


# The state-backend module's statements for prod (as its bucket policy holds them).
PROD_ONLY = deny(
    Sid="ProdOnlyItsRoles",
    Action=["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:RestoreObject"],
    Resource=[
        f"{BUCKET}/prod/*",
        f"{BUCKET}/env:/*/prod/*",
        f"{BUCKET}/slipway/plans/*/*/prod/pull-requests/*",
    ],
    Condition={"ArnNotLike": {"aws:PrincipalArn": [PLAN.arn, APPLY.arn]}},
)
PLAN_WRITES = deny(
    Sid="ProdPlanRolesWriteLocksAndPlans",
    Action=["s3:PutObject*", "s3:DeleteObject*", "s3:RestoreObject"],
    NotResource=[f"{BUCKET}/prod/*.tflock", f"{BUCKET}/slipway/plans/*/*/prod/pull-requests/*"],
    Condition={"ArnLike": {"aws:PrincipalArn": [PLAN.arn]}},
)
TLS_ONLY = deny(
    Sid="DenyInsecureTransport",
    Action="s3:*",
    Resource=[BUCKET, f"{BUCKET}/*"],
    Condition={"Bool": {"aws:SecureTransport": "false"}},
)
STATE_POLICY = policy(TLS_ONLY, PROD_ONLY, PLAN_WRITES)


def ask(caller: Caller, action: str, key: str, **context: str) -> str | None:
    request = Request(caller, action, f"{BUCKET}/{key}", {"aws:SecureTransport": "true", **context})
    return evaluate(STATE_POLICY, request).denied_by


def test_the_plan_role_writes_lock_objects_and_plans_but_not_state() -> None:
    assert ask(PLAN, "s3:PutObject", "prod/app.tfstate") == "ProdPlanRolesWriteLocksAndPlans"
    assert ask(PLAN, "s3:DeleteObject", "prod/app.tfstate") == "ProdPlanRolesWriteLocksAndPlans"
    assert ask(PLAN, "s3:PutObject", "prod/app.tfstate.tflock") is None
    assert (
        ask(PLAN, "s3:PutObject", "slipway/plans/acme/shop/prod/pull-requests/c/d/p/plan.tfplan")
        is None
    )
    assert ask(PLAN, "s3:GetObject", "prod/app.tfstate") is None


def test_the_apply_role_writes_state_and_others_reach_nothing() -> None:
    assert ask(APPLY, "s3:PutObject", "prod/app.tfstate") is None
    assert ask(ROOT, "s3:GetObject", "prod/app.tfstate") == "ProdOnlyItsRoles"
    assert ask(ANONYMOUS, "s3:GetObject", "env:/blue/prod/app.tfstate") == "ProdOnlyItsRoles"
    # Another environment's area is not this statement's business.
    assert ask(ROOT, "s3:GetObject", "dev/app.tfstate") is None


def test_a_tls_only_statement_does_not_apply_to_tls_requests() -> None:
    assert ask(ROOT, "s3:GetObject", "dev/app.tfstate") is None
    request = Request(
        ROOT, "s3:GetObject", f"{BUCKET}/dev/app.tfstate", {"aws:SecureTransport": "false"}
    )
    assert evaluate(STATE_POLICY, request).denied_by == "DenyInsecureTransport"


def test_allow_statements_are_reported_and_a_deny_wins() -> None:
    allow = {
        "Sid": "Read",
        "Effect": "Allow",
        "Principal": {"AWS": ACCOUNT},
        "Action": "s3:Get*",
        "Resource": "*",
    }
    request = Request(
        ROOT, "s3:GetObject", f"{BUCKET}/prod/app.tfstate", {"aws:SecureTransport": "true"}
    )
    decision = evaluate(policy(allow, PROD_ONLY), request)
    assert decision.denied and decision.denied_by == "ProdOnlyItsRoles"
    assert evaluate(policy(allow), request).allowed_by == ("Read",)


@pytest.mark.parametrize(
    ("operator", "wanted", "found", "holds"),
    [
        ("StringEquals", ["a", "b"], "b", True),  # values of one key: OR
        ("StringEquals", ["a"], "A", False),  # case-sensitive
        ("StringEqualsIgnoreCase", ["a"], "A", True),
        ("StringNotEquals", ["a", "b"], "c", True),  # negated: matches none of them
        ("StringNotEquals", ["a", "b"], "b", False),
        ("StringLike", ["prod/*.tflock"], "prod/x/app.tfstate.tflock", True),
        ("StringLike", ["v?"], "v10", False),
        ("StringNotLike", ["dev-*"], "dev-alice", False),
        ("NumericLessThanEquals", ["100"], "100", True),
        ("NumericGreaterThan", ["100"], "not a number", False),
        ("Bool", ["false"], "False", True),
        (
            "ArnLike",
            ["arn:aws:iam::*:role/github-*"],
            f"arn:aws:iam::{ACCOUNT}:role/github-dev-x",
            True,
        ),
        ("ArnEquals", ["arn:aws:iam::*:role/a"], f"arn:aws:iam::{ACCOUNT}:role/a", True),
        ("ArnNotLike", ["arn:aws:iam::*:role/a"], f"arn:aws:iam::{ACCOUNT}:role/b", True),
    ],
)
def test_condition_operators(operator: str, wanted: list[str], found: str, holds: bool) -> None:
    assert operator_holds(operator, wanted, found) is holds


def test_a_missing_key_is_false_except_for_negated_ifexists_and_null() -> None:
    # The IAM reference: "If the key ... is not present in the request context, the values do
    # not match and the condition is false. If the policy condition requires that the key is
    # not matched, such as StringNotLike or ArnNotLike, and the right key is not present, the
    # condition is true." ...IfExists and Null test presence.
    assert operator_holds("StringEquals", ["x"], None) is False
    assert operator_holds("ArnLike", ["arn:*"], None) is False
    assert operator_holds("ArnNotLike", ["arn:*"], None) is True
    assert operator_holds("StringNotEquals", ["x"], None) is True
    assert operator_holds("StringEqualsIfExists", ["x"], None) is True
    assert operator_holds("StringEqualsIfExists", ["x"], "y") is False
    assert operator_holds("Null", ["true"], None) is True
    assert operator_holds("Null", ["false"], None) is False
    assert operator_holds("Null", ["false"], "AES256") is True


def test_keys_and_operators_of_a_condition_must_all_hold() -> None:
    condition = {
        "StringEquals": {
            "s3:x-amz-server-side-encryption": "aws:kms",
            "aws:PrincipalAccount": ACCOUNT,
        },
        "Bool": {"aws:SecureTransport": "true"},
    }
    context = {
        "s3:x-amz-server-side-encryption": "aws:kms",
        "aws:principalaccount": ACCOUNT,
        "aws:securetransport": "true",
    }
    assert conditions_hold(condition, context)
    assert not conditions_hold(condition, {**context, "aws:securetransport": "false"})
    assert not conditions_hold(
        condition, {k: v for k, v in context.items() if k != "aws:principalaccount"}
    )


def test_condition_keys_are_case_insensitive() -> None:
    statement = deny(
        Action="s3:*", Resource="*", Condition={"StringEquals": {"AWS:principalaccount": ACCOUNT}}
    )
    request = Request(ROOT, "s3:GetObject", f"{BUCKET}/x", {})
    assert evaluate(policy(statement), request).denied


def test_arn_matching_compares_the_six_fields_one_by_one() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/path/name"
    assert arn_match("arn:aws:iam::*:role/*", role)
    assert arn_match(f"arn:aws:iam::{ACCOUNT}:role/path/*", role)
    # A wildcard does not spill from the account field into the resource field.
    assert not arn_match("arn:aws:iam::*", role)
    assert not arn_match("arn:aws:iam::*:user/*", role)
    assert not arn_match("not-an-arn", role)


def test_wildcards_are_literal_elsewhere_and_actions_ignore_case() -> None:
    assert glob_match("bucket/prod.*", "bucket/prod.tfstate")
    assert not glob_match("bucket/prod.*", "bucket/prodXtfstate")  # "." is a dot, not "any"
    assert glob_match("bucket/v?", "bucket/v1") and not glob_match("bucket/v?", "bucket/v10")
    assert glob_match("arn:aws:s3:::b/env:/*/prod/*", "arn:aws:s3:::b/env:/blue/prod/x")
    statement = deny(Action="S3:getobject", Resource="*")
    assert evaluate(policy(statement), Request(ROOT, "s3:GetObject", f"{BUCKET}/x")).denied


def test_not_action_and_not_resource() -> None:
    statement = deny(NotAction="s3:Get*", NotResource=f"{BUCKET}/public/*")
    assert evaluate(policy(statement), Request(ROOT, "s3:PutObject", f"{BUCKET}/prod/x")).denied
    assert not evaluate(policy(statement), Request(ROOT, "s3:GetObject", f"{BUCKET}/prod/x")).denied
    assert not evaluate(
        policy(statement), Request(ROOT, "s3:PutObject", f"{BUCKET}/public/x")
    ).denied


@pytest.mark.parametrize(
    ("principal", "caller", "matches"),
    [
        ("*", ANONYMOUS, True),
        ({"AWS": "*"}, PLAN, True),
        ({"AWS": ACCOUNT}, PLAN, True),  # an account: every principal of it
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, APPLY, True),
        ({"AWS": "444455556666"}, PLAN, False),
        ({"AWS": [PLAN.arn]}, PLAN, True),  # a role: every session of it
        ({"AWS": [PLAN.session_arn]}, PLAN, True),
        ({"AWS": [PLAN.arn]}, APPLY, False),
        ({"AWS": ACCOUNT}, ANONYMOUS, False),
        ({"Service": "cloudtrail.amazonaws.com"}, ROOT, False),
        ({"Federated": GITHUB_PROVIDER}, ROOT, False),
        ({"Federated": GITHUB_PROVIDER}, WEB_IDENTITY, True),  # the provider it signed in with
        ({"Federated": [f"arn:aws:iam::444455556666:oidc-provider/{HOST}"]}, WEB_IDENTITY, False),
        ({"AWS": ACCOUNT}, WEB_IDENTITY, False),  # no IAM principal of the account yet
        ({"AWS": "*"}, WEB_IDENTITY, True),
        ({"AWS": PLAN.arn, "Federated": GITHUB_PROVIDER}, WEB_IDENTITY, True),
    ],
)
def test_principals(principal: Any, caller: Caller, matches: bool) -> None:
    assert principal_matches(principal, caller) is matches


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Deny", "NotPrincipal": {"AWS": ACCOUNT}, "Action": "s3:*", "Resource": "*"},
        deny(
            Action="s3:*",
            Resource="*",
            Condition={"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        ),
        deny(Action="s3:*", Resource="*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        deny(
            Action="s3:*",
            Resource="*",
            Condition={"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "x*"}},
        ),
        deny(Action="s3:*", Resource="*", Condition={"ForAllValues:Null": {"aws:TagKeys": "true"}}),
        deny(Action="s3:*", Resource="*", Condition={"ForSomeValues:StringLike": {"k": "x*"}}),
        deny(Action="s3:*", Resource="arn:aws:s3:::b/${aws:username}/*"),
        {"Effect": "Maybe", "Principal": "*", "Action": "s3:*", "Resource": "*"},
        deny(Action="s3:*"),
    ],
)
def test_what_is_not_modelled_is_refused_not_guessed(statement: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedPolicyError):
        evaluate(
            policy(statement),
            Request(ROOT, "s3:GetObject", f"{BUCKET}/x", {"aws:SecureTransport": "true"}),
        )


@pytest.mark.parametrize(
    ("operator", "wanted", "found", "holds"),
    [
        # A single-valued key is a set of one.
        ("ForAnyValue:StringLike", ["repo:acme/shop:*"], "repo:acme/shop:pull_request", True),
        ("ForAllValues:StringLike", ["repo:acme/shop:*"], "repo:acme/other:pull_request", False),
        ("ForAnyValue:StringEquals", ["a", "b"], ("c", "b"), True),
        ("ForAnyValue:StringEquals", ["a", "b"], ("c", "d"), False),
        ("ForAllValues:StringEquals", ["a", "b"], ("a", "b"), True),
        ("ForAllValues:StringEquals", ["a", "b"], ("a", "c"), False),
        # Negated: a request value that matches none of the policy's values.
        ("ForAnyValue:StringNotEquals", ["a"], ("a", "c"), True),
        ("ForAllValues:StringNotEquals", ["a"], ("a", "c"), False),
        ("ForAllValues:StringNotLike", ["x*"], ("a", "b"), True),
        # A missing key (or an empty set): ForAnyValue is false, ForAllValues true.
        ("ForAnyValue:StringEquals", ["a"], None, False),
        ("ForAllValues:StringEquals", ["a"], None, True),
        ("ForAllValues:StringEquals", ["a"], (), True),
    ],
)
def test_set_operators(
    operator: str, wanted: list[str], found: str | tuple[str, ...] | None, holds: bool
) -> None:
    assert operator_holds(operator, wanted, found) is holds


def test_an_operator_without_a_set_qualifier_refuses_a_multivalued_key() -> None:
    with pytest.raises(UnsupportedPolicyError):
        operator_holds("StringEquals", ["a"], ("a", "b"))


def trust(**elements: Any) -> dict[str, Any]:
    return policy(
        {
            "Effect": "Allow",
            "Principal": {"Federated": GITHUB_PROVIDER},
            "Action": "sts:AssumeRoleWithWebIdentity",
            **elements,
        }
    )


def test_a_trust_policy_names_no_resource_and_allows_or_not() -> None:
    request = Request(
        WEB_IDENTITY,
        "sts:AssumeRoleWithWebIdentity",
        None,
        {f"{HOST}:sub": "repo:acme/shop:environment:prod", f"{HOST}:aud": "sts.amazonaws.com"},
    )
    prod = {"StringLike": {f"{HOST}:sub": "repo:acme/shop:environment:prod"}}
    assert evaluate(trust(Condition=prod), request).allowed
    plan = {"StringLike": {f"{HOST}:sub": "repo:acme/shop:environment:prod-plan"}}
    decision = evaluate(trust(Condition=plan), request)
    assert not decision.allowed and not decision.denied
    for malformed in (trust(Resource="*"), policy({"Effect": "Allow", "Action": "sts:*"})):
        with pytest.raises(UnsupportedPolicyError):
            evaluate(malformed, request)
