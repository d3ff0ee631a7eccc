"""The engine's AWS profile: its credential process line, the environment set aside and put
back, and what the process prints."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from slipway.aws import AwsSettings
from slipway.aws.engine_credentials import (
    PROFILE,
    credential_process_command,
    engine_credentials_environment,
    process_output,
    profile_config,
    source_environment,
)

ROLE = "arn:aws:iam::111111111111:role/prod-terraform-apply"
GITHUB = {"GITHUB_REPOSITORY": "acme/shop", "GITHUB_RUN_ID": "9", "GITHUB_RUN_ATTEMPT": "3"}


def test_the_command_names_the_role_and_how_to_assume_it() -> None:
    settings = AwsSettings(
        region="eu-west-1",
        role_to_assume=ROLE,
        role_external_id="ext-1",
        role_duration_seconds=7200,
        max_attempts=4,
    )
    command = credential_process_command("/opt/py thon/bin/python", settings, GITHUB)
    assert shlex.split(command) == [
        "/opt/py thon/bin/python",
        "-m",
        "slipway",
        "aws-credentials",
        f"--role-arn={ROLE}",
        "--region=eu-west-1",
        "--duration=7200",
        "--session-name=slipway-acme-shop-9-3",
        "--web-identity=false",
        "--audience=sts.amazonaws.com",
        "--max-attempts=4",
        "--external-id=ext-1",
    ]


def test_web_identity_is_decided_once_for_the_step() -> None:
    oidc = {"ACTIONS_ID_TOKEN_REQUEST_URL": "https://t", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "x"}
    settings = AwsSettings(region="eu-west-1", role_to_assume=ROLE)
    assert "--web-identity=true" in credential_process_command("py", settings, oidc)
    assert "--web-identity=false" in credential_process_command("py", settings, {})


def test_the_profile_file() -> None:
    assert profile_config("py -m slipway aws-credentials", "eu-west-1") == (
        f"[profile {PROFILE}]\n"
        "credential_process = py -m slipway aws-credentials\n"
        "region = eu-west-1\n"
    )


def test_the_job_credentials_are_set_aside_and_put_back() -> None:
    job = {
        "PATH": "/bin",
        "AWS_ACCESS_KEY_ID": "AKIA1",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_PROFILE": "ci",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
    }
    engine = engine_credentials_environment(job, Path("/tmp/x/config"))
    assert engine == {
        "PATH": "/bin",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        "SLIPWAY_SOURCE_AWS_ACCESS_KEY_ID": "AKIA1",
        "SLIPWAY_SOURCE_AWS_SECRET_ACCESS_KEY": "secret",
        "SLIPWAY_SOURCE_AWS_PROFILE": "ci",
        "AWS_CONFIG_FILE": "/tmp/x/config",
        "AWS_PROFILE": PROFILE,
        "AWS_SHARED_CREDENTIALS_FILE": "/tmp/x/no-credentials",
        "AWS_SDK_LOAD_CONFIG": "1",
    }
    assert source_environment(engine) == job


def test_a_planted_source_variable_does_not_survive() -> None:
    """Whatever the job set as SLIPWAY_SOURCE_* is not taken for the job's own credentials."""
    job = {"SLIPWAY_SOURCE_AWS_ACCESS_KEY_ID": "planted", "PATH": "/bin"}
    engine = engine_credentials_environment(job, Path("/c/config"))
    assert "SLIPWAY_SOURCE_AWS_ACCESS_KEY_ID" not in engine
    assert "AWS_ACCESS_KEY_ID" not in source_environment(engine)


@pytest.mark.parametrize(
    ("expiry", "reported"),
    [
        ("2026-12-06T10:00:00+00:00", "2026-12-06T09:55:00Z"),
        ("2026-12-06T10:00:00Z", "2026-12-06T09:55:00Z"),
        ("2026-12-06T12:00:00+02:00", "2026-12-06T09:55:00Z"),
        ("2026-12-06T10:00:00", "2026-12-06T09:55:00Z"),
    ],
)
def test_the_engine_is_told_credentials_expire_five_minutes_early(
    expiry: str, reported: str
) -> None:
    metadata = {"access_key": "ASIA1", "secret_key": "s", "token": "t", "expiry_time": expiry}
    assert process_output(metadata) == {
        "Version": 1,
        "AccessKeyId": "ASIA1",
        "SecretAccessKey": "s",
        "SessionToken": "t",
        "Expiration": reported,
    }
