"""The engine's credential process against the moto server: run as the AWS SDK runs it
(``sh -c`` with the engine's environment), it assumes the role afresh on every call."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from slipway.aws import AwsSettings
from slipway.aws.engine_credentials import (
    credential_process_command,
    engine_credentials_environment,
    profile_config,
)

pytestmark = pytest.mark.integration

OIDC_ROLE = "arn:aws:iam::333333333333:role/github-apply"
KEYS_ROLE = "arn:aws:iam::222222222222:role/apply"
GITHUB = {"GITHUB_REPOSITORY": "acme/shop", "GITHUB_RUN_ID": "77", "GITHUB_RUN_ATTEMPT": "2"}


def engine_env(settings: AwsSettings, job: dict[str, str], tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config"
    config.write_text(
        profile_config(credential_process_command(sys.executable, settings, job), "us-east-1")
    )
    return engine_credentials_environment(job, config)


def credential_process(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The profile's credential_process, run the way the Go SDK runs it."""
    line = next(
        line
        for line in Path(env["AWS_CONFIG_FILE"]).read_text().splitlines()
        if line.startswith("credential_process = ")
    )
    command = line.removeprefix("credential_process = ")
    return subprocess.run(
        ["sh", "-c", command], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def account_of(credentials: dict[str, Any]) -> str:
    sts = boto3.client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return str(sts.get_caller_identity()["Account"])


def test_every_call_assumes_the_role_with_a_new_oidc_token(
    aws: str, oidc: Any, github_trust: Any, tmp_path: Path
) -> None:
    github_trust(OIDC_ROLE)
    job = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ACCESS_KEY")}
    job.pop("AWS_SECRET_ACCESS_KEY", None)
    job.update(GITHUB, **oidc.env())
    settings = AwsSettings(region="us-east-1", role_to_assume=OIDC_ROLE, role_duration_seconds=900)
    env = engine_env(settings, job, tmp_path)

    first, second = credential_process(env), credential_process(env)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one["Version"] == 1
    assert one["AccessKeyId"] != two["AccessKeyId"]
    assert len(oidc.requests) == 2
    # moto grants the 900 s asked for; the engine is told five minutes less.
    expires = datetime.datetime.fromisoformat(one["Expiration"].replace("Z", "+00:00"))
    remaining = expires - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(minutes=9) < remaining <= datetime.timedelta(minutes=10)
    assert account_of(two) == "333333333333"


def test_the_job_keys_are_used_only_to_assume_the_role(aws: str, tmp_path: Path) -> None:
    job = {**os.environ, **GITHUB}
    env = engine_env(AwsSettings(region="us-east-1", role_to_assume=KEYS_ROLE), job, tmp_path)
    assert "AWS_ACCESS_KEY_ID" not in env
    result = credential_process(env)
    assert result.returncode == 0, result.stderr
    assert account_of(json.loads(result.stdout)) == "222222222222"
    # botocore reads the same profile: any SDK given the engine's environment acts as the role.
    boto = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"
    identity = subprocess.run(
        [sys.executable, "-c", boto], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert identity == "arn:aws:sts::222222222222:assumed-role/apply/slipway-acme-shop-77-2"


def test_a_role_that_cannot_be_assumed_is_one_line_on_stderr(aws: str, tmp_path: Path) -> None:
    job = {**os.environ, **GITHUB}
    settings = AwsSettings(region="us-east-1", role_to_assume=OIDC_ROLE, web_identity=True)
    env = engine_env(settings, job, tmp_path)
    result = credential_process(env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"slipway aws-credentials: cannot assume role {OIDC_ROLE}: ")
    assert "permissions: id-token: write" in result.stderr
    assert "Traceback" not in result.stderr
