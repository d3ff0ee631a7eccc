"""Refreshing credentials for Terraform and OpenTofu.

Handing the engine the assumed role's keys freezes them: they expire after
``role-duration-seconds`` (one hour by default) while an apply may run longer. Instead the
engine gets an AWS config profile whose ``credential_process`` is ``slipway aws-credentials``:
the AWS SDK in the backend and in every provider runs it for its first credentials and again
whenever the ones it holds expire, and each run assumes the role afresh (a new GitHub OIDC
token included).

The credentials the role is assumed *with* (the job's keys, profile or config file) move to
``SLIPWAY_SOURCE_*`` variables: the SDK prefers keys in the environment to any profile, so
leaving them in place would bypass the profile; the credential process puts them back for
its own call to STS.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Mapping
from pathlib import Path

from slipway.aws.config import AwsSettings, session_name

PROFILE = "slipway-engine"
SOURCE_PREFIX = "SLIPWAY_SOURCE_"
# Every variable through which the SDK would find credentials or a profile of its own.
SOURCE_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)
# The engine is told credentials expire this much earlier than they do, so it asks again
# while the ones it holds still work (a request signed just before expiry may arrive after).
EARLY_EXPIRY = dt.timedelta(minutes=5)


def credential_process_command(python: str, settings: AwsSettings, env: Mapping[str, str]) -> str:
    """The ``credential_process`` line: the role and how to assume it, fixed for this step
    (the session name is resolved now, so every refresh names the same run)."""
    assert settings.role_to_assume is not None
    args = [
        python,
        "-m",
        "slipway",
        "aws-credentials",
        f"--role-arn={settings.role_to_assume}",
        f"--region={settings.region}",
        f"--duration={settings.role_duration_seconds}",
        f"--session-name={session_name(env, settings.role_session_name)}",
        f"--web-identity={'true' if settings.uses_web_identity(env) else 'false'}",
        f"--audience={settings.audience}",
        f"--max-attempts={settings.max_attempts}",
    ]
    if settings.role_external_id:
        args.append(f"--external-id={settings.role_external_id}")
    return shlex.join(args)


def profile_config(command: str, region: str) -> str:
    """The AWS config file holding the engine's profile."""
    return f"[profile {PROFILE}]\ncredential_process = {command}\nregion = {region}\n"


def engine_credentials_environment(env: Mapping[str, str], config_file: Path) -> dict[str, str]:
    """``env`` with the engine pointed at the profile and the source credentials set aside."""
    result = {k: v for k, v in env.items() if not k.startswith(SOURCE_PREFIX)}
    for name in SOURCE_VARIABLES:
        if name in result:
            result[SOURCE_PREFIX + name] = result.pop(name)
    result["AWS_CONFIG_FILE"] = str(config_file)
    result["AWS_PROFILE"] = PROFILE
    # No credentials file: nothing in it could take the profile's place.
    result["AWS_SHARED_CREDENTIALS_FILE"] = str(config_file.with_name("no-credentials"))
    result["AWS_SDK_LOAD_CONFIG"] = "1"
    return result


def source_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The environment the role is assumed from: the inverse of
    :func:`engine_credentials_environment` (the engine's profile removed, the sources back)."""
    result = {k: v for k, v in env.items() if k not in SOURCE_VARIABLES}
    result.pop("AWS_SDK_LOAD_CONFIG", None)
    for name in SOURCE_VARIABLES:
        value = result.pop(SOURCE_PREFIX + name, None)
        if value is not None:
            result[name] = value
    return result


def process_output(metadata: Mapping[str, str]) -> dict[str, object]:
    """What a credential process prints (version 1), expiring :data:`EARLY_EXPIRY` early."""
    expiry = dt.datetime.fromisoformat(metadata["expiry_time"].replace("Z", "+00:00"))
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=dt.UTC)
    reported = expiry - EARLY_EXPIRY
    return {
        "Version": 1,
        "AccessKeyId": metadata["access_key"],
        "SecretAccessKey": metadata["secret_key"],
        "SessionToken": metadata["token"],
        "Expiration": reported.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
