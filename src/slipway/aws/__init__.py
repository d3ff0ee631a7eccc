"""AWS client layer: validated settings, GitHub OIDC, and boto3 sessions per environment.

Importing this package does not import boto3 or botocore; they load on first use.
"""

from slipway.aws.config import (
    AwsConfigError,
    AwsSettings,
    known_regions,
    oidc_available,
    resolve_region,
    session_name,
    settings_from_inputs,
    validate_duration,
    validate_external_id,
    validate_max_attempts,
    validate_region,
    validate_role_arn,
    validate_session_name,
)
from slipway.aws.oidc import OidcError, fetch_github_oidc_token
from slipway.aws.session import AwsAuthError, AwsSession, client_config, make_session

__all__ = [
    "AwsAuthError",
    "AwsConfigError",
    "AwsSession",
    "AwsSettings",
    "OidcError",
    "client_config",
    "fetch_github_oidc_token",
    "known_regions",
    "make_session",
    "oidc_available",
    "resolve_region",
    "session_name",
    "settings_from_inputs",
    "validate_duration",
    "validate_external_id",
    "validate_max_attempts",
    "validate_region",
    "validate_role_arn",
    "validate_session_name",
]
