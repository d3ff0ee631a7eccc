"""Sessions against the moto server: accounts, role assumption, OIDC, endpoints, retries."""

from __future__ import annotations

import datetime
import os
import socket
from typing import Any

import pytest

from slipway.aws import AwsAuthError, AwsSession, AwsSettings, make_session

pytestmark = pytest.mark.integration

DEFAULT_ACCOUNT = "123456789012"
DEPLOY_ROLE = "arn:aws:iam::222222222222:role/deploy"
OIDC_ROLE = "arn:aws:iam::333333333333:role/github-deploy"
GITHUB = {"GITHUB_REPOSITORY": "acme/shop", "GITHUB_RUN_ID": "77", "GITHUB_RUN_ATTEMPT": "2"}


def _alarm(session: AwsSession, name: str) -> None:
    session.client("cloudwatch").put_metric_alarm(
        AlarmName=name,
        MetricName="5XXError",
        Namespace="AWS/ApplicationELB",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )


def _alarms(session: AwsSession) -> list[str]:
    response = session.client("cloudwatch").describe_alarms()
    return [alarm["AlarmName"] for alarm in response["MetricAlarms"]]


def _buckets(session: AwsSession) -> list[str]:
    return [bucket["Name"] for bucket in session.client("s3").list_buckets()["Buckets"]]


def _dead_endpoint() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_plain_session_uses_the_default_account(aws: str) -> None:
    session = make_session(AwsSettings(region="us-east-1"), {})
    assert session.region == "us-east-1"
    assert session.account_id() == DEFAULT_ACCOUNT
    sts = session.client("sts")
    assert sts.meta.endpoint_url == aws
    assert sts.meta.region_name == "us-east-1"


def test_account_id_is_asked_once(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    session = make_session(AwsSettings(region="us-east-1"), {})
    assert session.account_id() == DEFAULT_ACCOUNT
    monkeypatch.setenv("AWS_ENDPOINT_URL", _dead_endpoint())
    assert session.account_id() == DEFAULT_ACCOUNT


def test_clients_use_adaptive_retries(aws: str) -> None:
    plain = make_session(AwsSettings(region="us-east-1", max_attempts=4), {})
    assumed = make_session(AwsSettings(region="eu-west-1", role_to_assume=DEPLOY_ROLE), {})
    for client in (plain.client("ecs"), assumed.client("cloudwatch"), assumed.client("sts")):
        assert client.meta.config.retries["mode"] == "adaptive"
        assert "slipway/" in client.meta.config.user_agent_extra
    # botocore stores retries["max_attempts"] (retries) as total_max_attempts (first call + retries)
    assert plain.client("ecs").meta.config.retries == {"mode": "adaptive", "total_max_attempts": 5}
    assert assumed.client("sts").meta.config.retries["total_max_attempts"] == 11
    assert assumed.client("sts").meta.region_name == "eu-west-1"


def test_assumed_role_lands_in_the_role_account_only(aws: str) -> None:
    secrets: list[str] = []
    default = make_session(AwsSettings(region="us-east-1"), {})
    deploy = make_session(
        AwsSettings(region="us-east-1", role_to_assume=DEPLOY_ROLE, web_identity=False),
        GITHUB,
        on_secret=secrets.append,
    )
    assert deploy.account_id() == "222222222222"
    identity = deploy.client("sts").get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::222222222222:assumed-role/deploy/slipway-acme-shop-77-2"

    frozen = deploy.boto3_session.get_credentials().get_frozen_credentials()
    assert frozen.access_key in secrets
    assert frozen.secret_key in secrets
    assert frozen.token in secrets
    assert frozen.access_key != os.environ["AWS_ACCESS_KEY_ID"]

    deploy.client("s3").create_bucket(Bucket="slipway-deploy-artifacts")
    _alarm(deploy, "shop-5xx")
    assert _buckets(deploy) == ["slipway-deploy-artifacts"]
    assert _alarms(deploy) == ["shop-5xx"]
    assert _buckets(default) == []
    assert _alarms(default) == []


def test_assume_role_passes_external_id_and_duration(aws: str) -> None:
    settings = AwsSettings(
        region="us-east-1",
        role_to_assume=DEPLOY_ROLE,
        role_external_id="acme-ext-1",
        role_session_name="release-9",
        role_duration_seconds=900,
    )
    session = make_session(settings, {})
    identity = session.client("sts").get_caller_identity()
    assert identity["Arn"].endswith(":assumed-role/deploy/release-9")
    credentials = session.boto3_session.get_credentials()
    remaining = credentials._expiry_time - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(minutes=10) < remaining <= datetime.timedelta(minutes=15)


def test_web_identity_needs_no_aws_credentials(
    aws: str, oidc: Any, github_trust: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    github_trust(OIDC_ROLE)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    secrets: list[str] = []
    settings = AwsSettings(region="us-east-1", role_to_assume=OIDC_ROLE)  # auto-detected
    session = make_session(settings, {**GITHUB, **oidc.env()}, on_secret=secrets.append)

    assert session.account_id() == "333333333333"
    assert oidc.token in secrets
    assert session.boto3_session.get_credentials().get_frozen_credentials().secret_key in secrets
    assert len(oidc.requests) == 1
    session.client("s3").create_bucket(Bucket="oidc-bucket")
    _alarm(session, "oidc-alarm")
    assert _buckets(session) == ["oidc-bucket"]
    assert _alarms(session) == ["oidc-alarm"]


def test_web_identity_requested_without_runner_token(aws: str) -> None:
    settings = AwsSettings(region="us-east-1", role_to_assume=OIDC_ROLE, web_identity=True)
    with pytest.raises(AwsAuthError) as error:
        make_session(settings, {})
    assert str(error.value).startswith(f"cannot assume role {OIDC_ROLE}: ACTIONS_ID_TOKEN")
    assert "permissions: id-token: write" in str(error.value)


def test_web_identity_disabled_uses_assume_role(aws: str, oidc: Any) -> None:
    settings = AwsSettings(region="us-east-1", role_to_assume=DEPLOY_ROLE, web_identity=False)
    session = make_session(settings, oidc.env())
    assert session.account_id() == "222222222222"
    assert oidc.requests == []


def test_service_endpoint_overrides_are_honoured(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = _dead_endpoint()
    monkeypatch.setenv("AWS_ENDPOINT_URL", dead)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", aws)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH", aws)
    settings = AwsSettings(region="us-east-1", role_to_assume=DEPLOY_ROLE, max_attempts=1)
    session = make_session(settings, {})  # assumes the role through AWS_ENDPOINT_URL_STS
    assert session.client("sts").meta.endpoint_url == aws
    assert session.client("cloudwatch").meta.endpoint_url == aws
    assert session.client("ecs").meta.endpoint_url == dead
    assert session.account_id() == "222222222222"
    _alarm(session, "override-alarm")
    assert _alarms(session) == ["override-alarm"]


def test_unreachable_sts_is_an_auth_error(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", _dead_endpoint())
    settings = AwsSettings(region="us-east-1", role_to_assume=DEPLOY_ROLE, max_attempts=1)
    with pytest.raises(AwsAuthError) as error:
        make_session(settings, {})
    message = str(error.value)
    assert message.startswith(f"cannot assume role {DEPLOY_ROLE} (sts:AssumeRole): ")
    assert "\n" not in message


def test_missing_base_credentials_is_an_auth_error(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    settings = AwsSettings(region="us-east-1", role_to_assume=DEPLOY_ROLE)
    with pytest.raises(AwsAuthError, match=r"\(sts:AssumeRole\): Unable to locate credentials"):
        make_session(settings, {})


def test_credentials_refresh_by_assuming_the_role_again(aws: str) -> None:
    secrets: list[str] = []
    settings = AwsSettings(region="us-east-1", role_to_assume=DEPLOY_ROLE)
    session = make_session(settings, GITHUB, on_secret=secrets.append)
    credentials = session.boto3_session.get_credentials()
    first = credentials.get_frozen_credentials()
    expiry = credentials._expiry_time
    # Pretend the clock is one minute before expiry: inside the mandatory refresh window.
    credentials._time_fetcher = lambda: expiry - datetime.timedelta(minutes=1)
    second = credentials.get_frozen_credentials()
    assert second.access_key != first.access_key
    assert second.secret_key in secrets
    assert session.client("sts").get_caller_identity()["Account"] == "222222222222"
