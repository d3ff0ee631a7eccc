from __future__ import annotations

import pytest

from slipway.aws import (
    AwsConfigError,
    AwsSettings,
    resolve_region,
    session_name,
    settings_from_inputs,
    validate_duration,
    validate_external_id,
    validate_region,
    validate_role_arn,
    validate_session_name,
)
from slipway.aws.config import account_of_role, known_regions, oidc_available

GITHUB = {"GITHUB_REPOSITORY": "acme/shop", "GITHUB_RUN_ID": "123456", "GITHUB_RUN_ATTEMPT": "1"}
OIDC = {"ACTIONS_ID_TOKEN_REQUEST_URL": "http://x/t", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"}
ROLE = "arn:aws:iam::222222222222:role/deploy"


# --- regions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "region", ["us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1", "us-iso-east-1"]
)
def test_known_regions_in_every_partition_are_accepted(region: str) -> None:
    assert resolve_region(region, {}) == region


@pytest.mark.parametrize("region", ["us-east-9", "mars-1", "US-EAST-1", "us_east_1", "global"])
def test_unknown_regions_are_rejected(region: str) -> None:
    with pytest.raises(AwsConfigError, match=rf"^input 'aws-region': unknown region '{region}'"):
        resolve_region(region, {})


def test_unknown_region_message_is_actionable() -> None:
    with pytest.raises(AwsConfigError) as error:
        resolve_region("us-east-9", {})
    assert str(error.value) == (
        "input 'aws-region': unknown region 'us-east-9' (expected an AWS region such as"
        " us-east-1; set SLIPWAY_ALLOW_UNKNOWN_REGION=1 if it is newer than this botocore)"
    )
    with pytest.raises(AwsConfigError, match=r"regions are lower case: us-east-1\)$"):
        resolve_region("US-EAST-1", {})
    with pytest.raises(AwsConfigError, match=r"\(expected an AWS region such as us-east-1\)$"):
        resolve_region("mars-1", {})


def test_escape_hatch_allows_region_shaped_unknown_regions() -> None:
    allow = {"SLIPWAY_ALLOW_UNKNOWN_REGION": "1"}
    assert resolve_region("us-east-9", allow) == "us-east-9"
    assert validate_region("xy-newplace-2", allow) == "xy-newplace-2"
    with pytest.raises(AwsConfigError):
        resolve_region("mars-1", allow)
    with pytest.raises(AwsConfigError):
        resolve_region("US-EAST-9", allow)
    with pytest.raises(AwsConfigError):
        resolve_region("us-east-9", {"SLIPWAY_ALLOW_UNKNOWN_REGION": "0"})


def test_region_precedence_explicit_then_aws_region_then_default() -> None:
    env = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-2"}
    assert resolve_region("eu-west-3", env) == "eu-west-3"
    assert resolve_region(None, env) == "eu-west-1"
    assert resolve_region("", env) == "eu-west-1"
    assert resolve_region(" ", {"AWS_DEFAULT_REGION": "eu-west-2"}) == "eu-west-2"
    assert resolve_region(" eu-north-1\n", {}) == "eu-north-1"


def test_environment_regions_are_validated_too() -> None:
    with pytest.raises(AwsConfigError, match=r"unknown region 'moon-1'"):
        resolve_region(None, {"AWS_REGION": "moon-1", "AWS_DEFAULT_REGION": "us-east-1"})


def test_missing_region() -> None:
    with pytest.raises(AwsConfigError) as error:
        resolve_region(None, {"AWS_REGION": ""})
    assert str(error.value) == "input 'aws-region': no region given (set the input or AWS_REGION)"


def test_known_regions_cover_all_partitions() -> None:
    regions = known_regions()
    assert {"us-east-1", "cn-northwest-1", "us-gov-east-1", "us-isob-east-1"} <= regions
    assert all(region == region.lower() for region in regions)


# --- role ARN --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arn",
    [
        ROLE,
        "arn:aws:iam::123456789012:role/path/to/Deploy-Role_1+=,.@",
        "arn:aws-cn:iam::123456789012:role/deploy",
        "arn:aws-us-gov:iam::123456789012:role/service-role/deploy",
        "arn:aws-iso-b:iam::123456789012:role/deploy",
    ],
)
def test_valid_role_arns(arn: str) -> None:
    assert validate_role_arn(arn) == arn


@pytest.mark.parametrize(
    "arn",
    [
        "",
        "deploy",
        "arn:aws:iam::12345678901:role/deploy",
        "arn:aws:iam::1234567890123:role/deploy",
        "arn:aws:iam:us-east-1:123456789012:role/deploy",
        "arn:aws:iam::123456789012:user/deploy",
        "arn:aws:iam::123456789012:role/",
        "arn:aws:iam::123456789012:role/path/",
        "arn:aws:sts::123456789012:assumed-role/deploy/session",
        "arn:gcp:iam::123456789012:role/deploy",
        "arn:aws:iam::123456789012:role/has space",
        "arn:aws:iam::123456789012:role/" + "x" * 65,
        " arn:aws:iam::123456789012:role/deploy",
    ],
)
def test_invalid_role_arns(arn: str) -> None:
    with pytest.raises(AwsConfigError) as error:
        validate_role_arn(arn)
    assert str(error.value) == (
        f"input 'role-to-assume': '{arn}' is not an IAM role ARN"
        " (expected arn:aws:iam::123456789012:role/name)"
    )


def test_role_arn_error_names_the_given_input() -> None:
    with pytest.raises(AwsConfigError, match=r"^input 'staging-role': "):
        validate_role_arn("nope", "staging-role")


def test_pathological_role_arn_fails_fast() -> None:
    with pytest.raises(AwsConfigError):
        validate_role_arn("arn:aws:iam::123456789012:role/" + "a/" * 5000 + "!")


def test_account_of_role() -> None:
    assert account_of_role(ROLE) == "222222222222"


# --- session names ---------------------------------------------------------------------------


def test_session_name_from_github_run() -> None:
    assert session_name(GITHUB) == "slipway-acme-shop-123456-1"


def test_session_name_without_attempt() -> None:
    env = {"GITHUB_REPOSITORY": "acme/shop", "GITHUB_RUN_ID": "42"}
    assert session_name(env) == "slipway-acme-shop-42"


def test_session_name_is_sanitised() -> None:
    env = {**GITHUB, "GITHUB_REPOSITORY": "Ac me/shöp~site"}
    assert session_name(env) == "slipway-Ac-me-sh-p-site-123456-1"


def test_session_name_truncates_the_repository_and_keeps_the_run() -> None:
    env = {**GITHUB, "GITHUB_REPOSITORY": "acme/" + "r" * 100, "GITHUB_RUN_ID": "9876543210"}
    name = session_name(env)
    assert len(name) == 64
    assert name == "slipway-acme-" + "r" * 38 + "-9876543210-1"


def test_session_name_truncation_does_not_leave_a_dangling_separator() -> None:
    # "slipway-" (8) + repository room (48) + "-123456-1" (9) -> 65 without trimming
    repository = "a" * 47 + "/" + "b" * 10
    name = session_name({**GITHUB, "GITHUB_REPOSITORY": repository})
    assert name == "slipway-" + "a" * 47 + "-123456-1"
    validate_session_name(name)


def test_session_name_outside_github() -> None:
    assert session_name({"USER": "dev"}) == "slipway-local-dev"
    assert session_name({"USERNAME": "Jane Doe"}) == "slipway-local-Jane-Doe"
    assert session_name({}) == "slipway-local-unknown"
    assert len(session_name({"USER": "u" * 100})) == 64


def test_explicit_session_name_is_validated() -> None:
    assert session_name(GITHUB, "release-42") == "release-42"
    assert validate_session_name("a@b.c=d,e+f_g-h") == "a@b.c=d,e+f_g-h"
    with pytest.raises(AwsConfigError, match=r"^input 'role-session-name': 'a' must be 2-64"):
        session_name(GITHUB, "a")
    with pytest.raises(AwsConfigError, match=r"it has 65"):
        session_name(GITHUB, "x" * 65)
    with pytest.raises(AwsConfigError, match=r"may only contain letters, digits"):
        session_name(GITHUB, "has space")
    assert session_name(GITHUB, "x" * 64) == "x" * 64


# --- durations and other fields --------------------------------------------------------------


@pytest.mark.parametrize("seconds", [900, 3600, 43200])
def test_duration_bounds_accepted(seconds: int) -> None:
    assert validate_duration(seconds) == seconds


@pytest.mark.parametrize("seconds", [0, 899, 43201, -1])
def test_duration_bounds_rejected(seconds: int) -> None:
    with pytest.raises(AwsConfigError) as error:
        validate_duration(seconds)
    assert str(error.value).startswith(
        f"input 'role-duration-seconds': {seconds} is out of range (expected 900-43200 seconds"
    )


def test_external_id() -> None:
    assert validate_external_id("abc:def/123") == "abc:def/123"
    for bad in ("a", "has space", "x" * 1225):
        with pytest.raises(AwsConfigError, match=r"^input 'role-external-id': "):
            validate_external_id(bad)


# --- settings --------------------------------------------------------------------------------


def test_settings_defaults() -> None:
    settings = AwsSettings(region="us-east-1")
    assert settings.role_duration_seconds == 3600
    assert settings.audience == "sts.amazonaws.com"
    assert settings.max_attempts == 10
    assert settings.web_identity is None
    assert not settings.uses_web_identity(OIDC)


def test_settings_validate_on_construction() -> None:
    with pytest.raises(AwsConfigError, match=r"^input 'role-to-assume'"):
        AwsSettings(region="us-east-1", role_to_assume="deploy")
    with pytest.raises(AwsConfigError, match=r"^input 'role-duration-seconds'"):
        AwsSettings(region="us-east-1", role_to_assume=ROLE, role_duration_seconds=60)
    with pytest.raises(AwsConfigError, match=r"^input 'role-session-name'"):
        AwsSettings(region="us-east-1", role_to_assume=ROLE, role_session_name="x")
    with pytest.raises(AwsConfigError, match=r"^input 'max-attempts'"):
        AwsSettings(region="us-east-1", max_attempts=0)
    with pytest.raises(AwsConfigError, match=r"^input 'web-identity': web identity needs"):
        AwsSettings(region="us-east-1", web_identity=True)
    with pytest.raises(AwsConfigError, match=r"^input 'aws-region': no region"):
        AwsSettings(region="")


def test_web_identity_auto_detection() -> None:
    auto = AwsSettings(region="us-east-1", role_to_assume=ROLE)
    assert auto.uses_web_identity(OIDC)
    assert not auto.uses_web_identity({})
    assert not auto.uses_web_identity({**OIDC, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": ""})
    assert not AwsSettings("us-east-1", ROLE, web_identity=False).uses_web_identity(OIDC)
    assert AwsSettings("us-east-1", ROLE, web_identity=True).uses_web_identity({})
    assert oidc_available(OIDC)
    assert not oidc_available({"ACTIONS_ID_TOKEN_REQUEST_URL": "http://x/t"})


def test_settings_from_inputs_parses_strings() -> None:
    settings = settings_from_inputs(
        {"AWS_REGION": "eu-west-1"},
        region="",
        role_to_assume=f" {ROLE}\n",
        role_external_id="",
        role_session_name="",
        role_duration_seconds="7200",
        web_identity="false",
        audience="",
        max_attempts="5",
    )
    assert settings == AwsSettings(
        region="eu-west-1",
        role_to_assume=ROLE,
        role_duration_seconds=7200,
        web_identity=False,
        max_attempts=5,
    )
    assert settings_from_inputs({}, region="us-east-1", web_identity="auto").web_identity is None
    assert settings_from_inputs({}, region="us-east-1", role_to_assume=ROLE, web_identity="TRUE")


def test_settings_from_inputs_errors_name_the_input() -> None:
    with pytest.raises(
        AwsConfigError, match=r"^input 'role-duration-seconds': '1h' is not a whole"
    ):
        settings_from_inputs({}, region="us-east-1", role_duration_seconds="1h")
    with pytest.raises(AwsConfigError, match=r"^input 'web-identity': 'maybe' is not one of"):
        settings_from_inputs({}, region="us-east-1", web_identity="maybe")
    with pytest.raises(AwsConfigError, match=r"^input 'aws-region': unknown region 'us-east-9'"):
        settings_from_inputs({}, region="us-east-9")
