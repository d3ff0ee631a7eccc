"""boto3 sessions for actions: optional role assumption, retries, refreshable credentials.

Endpoints come from boto3's own configuration: ``AWS_ENDPOINT_URL`` and
``AWS_ENDPOINT_URL_<SERVICE>`` (for example ``AWS_ENDPOINT_URL_STS``) apply to every client,
including the STS client used to assume the role.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

from slipway.aws.config import AwsSettings, session_name, validate_region
from slipway.aws.oidc import fetch_github_oidc_token

# Refresh assumed-role credentials this long before they expire (capped for short sessions).
ADVISORY_REFRESH_SECONDS = 15 * 60
MANDATORY_REFRESH_SECONDS = 10 * 60

SecretSink = Callable[[str], None]


class AwsAuthError(RuntimeError):
    """Credentials for AWS could not be obtained (for example the role cannot be assumed)."""


def client_config(max_attempts: int) -> Any:
    """The botocore ``Config`` for every client: adaptive retries and slipway's user agent."""
    from botocore.config import Config

    from slipway import __version__

    return Config(
        retries={"mode": "adaptive", "max_attempts": max_attempts},
        user_agent_extra=f"slipway/{__version__}",
    )


class AwsSession:
    """A boto3 session bound to one region, creating clients with slipway's client config."""

    def __init__(self, boto3_session: Any, region: str, config: Any) -> None:
        self.boto3_session = boto3_session
        self.region = region
        self.config = config
        self._account_id: str | None = None
        self._lock = threading.Lock()

    def client(self, service_name: str, *, config: Any = None) -> Any:
        """A client for ``service_name``; ``config`` is merged over the session's config."""
        merged = self.config if config is None else self.config.merge(config)
        return self.boto3_session.client(service_name, region_name=self.region, config=merged)

    def account_id(self) -> str:
        """The account the credentials belong to (``sts:GetCallerIdentity``, asked once)."""
        with self._lock:
            if self._account_id is None:
                identity = self.client("sts").get_caller_identity()
                self._account_id = str(identity["Account"])
            return self._account_id


def _describe_error(error: Exception) -> str:
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = details.get("Code") or "Unknown"
        message = " ".join(str(details.get("Message") or "").split())
        return f"{code}: {message}" if message else code
    return " ".join(str(error).split()) or type(error).__name__


class _RoleAssumer:
    """Calls STS for one role; used for the first credentials and for every refresh."""

    def __init__(
        self,
        settings: AwsSettings,
        env: Mapping[str, str],
        base: Any,
        region: str,
        on_secret: SecretSink,
    ) -> None:
        assert settings.role_to_assume is not None
        self.role_arn = settings.role_to_assume
        self.settings = settings
        self.env = env
        self.base = base
        self.region = region
        self.on_secret = on_secret
        self.session_name = session_name(env, settings.role_session_name)
        self.web_identity = settings.uses_web_identity(env)

    def _sts(self, *, unsigned: bool) -> Any:
        config = client_config(self.settings.max_attempts)
        if unsigned:
            from botocore import UNSIGNED
            from botocore.config import Config

            config = config.merge(Config(signature_version=UNSIGNED))
        return self.base.client("sts", region_name=self.region, config=config)

    def _call(self) -> dict[str, Any]:
        common: dict[str, Any] = {
            "RoleArn": self.role_arn,
            "RoleSessionName": self.session_name,
            "DurationSeconds": self.settings.role_duration_seconds,
        }
        if self.web_identity:
            token = fetch_github_oidc_token(self.env, self.settings.audience)
            self.on_secret(token)
            # AssumeRoleWithWebIdentity is not signed: it works with no AWS credentials at all.
            response = self._sts(unsigned=True).assume_role_with_web_identity(
                WebIdentityToken=token, **common
            )
        else:
            if self.settings.role_external_id:
                common["ExternalId"] = self.settings.role_external_id
            response = self._sts(unsigned=False).assume_role(**common)
        return dict(response["Credentials"])

    def __call__(self) -> dict[str, str]:
        """Assume the role; returns botocore credential metadata."""
        from botocore.exceptions import BotoCoreError, ClientError

        from slipway.aws.oidc import OidcError

        how = "sts:AssumeRoleWithWebIdentity" if self.web_identity else "sts:AssumeRole"
        try:
            credentials = self._call()
        except OidcError as error:
            raise AwsAuthError(f"cannot assume role {self.role_arn}: {error}") from error
        except (ClientError, BotoCoreError) as error:
            raise AwsAuthError(
                f"cannot assume role {self.role_arn} ({how}): {_describe_error(error)}"
            ) from error
        for key in ("AccessKeyId", "SecretAccessKey", "SessionToken"):
            self.on_secret(str(credentials[key]))
        expiration = credentials["Expiration"]
        return {
            "access_key": str(credentials["AccessKeyId"]),
            "secret_key": str(credentials["SecretAccessKey"]),
            "token": str(credentials["SessionToken"]),
            "expiry_time": expiration.isoformat()
            if hasattr(expiration, "isoformat")
            else str(expiration),
        }


def refresh_windows(duration_seconds: int) -> tuple[int, int]:
    """(advisory, mandatory) refresh lead times, scaled down for short role sessions."""
    advisory = min(ADVISORY_REFRESH_SECONDS, duration_seconds // 3)
    mandatory = min(MANDATORY_REFRESH_SECONDS, duration_seconds // 6)
    return advisory, mandatory


def _ignore_secret(_: str) -> None:
    return None


def assume_role_once(settings: AwsSettings, env: Mapping[str, str]) -> dict[str, str]:
    """Assume ``settings.role_to_assume`` once: botocore credential metadata (``access_key``,
    ``secret_key``, ``token``, ``expiry_time``). For processes that hand credentials on."""
    import boto3

    if settings.role_to_assume is None:
        raise AwsAuthError("no role to assume")
    region = validate_region(settings.region, env)
    return _RoleAssumer(settings, env, boto3.Session(region_name=region), region, _ignore_secret)()


def make_session(
    settings: AwsSettings,
    env: Mapping[str, str] | None = None,
    *,
    on_secret: SecretSink | None = None,
) -> AwsSession:
    """A session for ``settings``, assuming ``settings.role_to_assume`` when it is set.

    ``env`` supplies the GitHub variables (OIDC endpoint, repository and run for the session
    name); boto3 itself reads base credentials and endpoint overrides from ``os.environ``.
    ``on_secret`` receives every secret obtained (OIDC token, temporary keys) so the caller can
    mask it in logs, including those obtained when credentials are refreshed later.

    Assumed-role credentials refresh themselves by assuming the role again shortly before they
    expire, so long waits outlive ``role_duration_seconds``.
    """
    import boto3

    env = os.environ if env is None else env
    region = validate_region(settings.region, env)
    config = client_config(settings.max_attempts)
    base = boto3.Session(region_name=region)
    if settings.role_to_assume is None:
        return AwsSession(base, region, config)

    import botocore.session
    from botocore.credentials import RefreshableCredentials

    assume = _RoleAssumer(settings, env, base, region, on_secret or _ignore_secret)
    advisory, mandatory = refresh_windows(settings.role_duration_seconds)
    credentials = RefreshableCredentials.create_from_metadata(
        metadata=assume(),
        refresh_using=assume,
        method="sts-assume-role-with-web-identity" if assume.web_identity else "sts-assume-role",
        advisory_timeout=advisory,
        mandatory_timeout=mandatory,
    )
    core = botocore.session.get_session()
    core._credentials = credentials
    return AwsSession(boto3.Session(botocore_session=core, region_name=region), region, config)
