"""Validated AWS settings for an action: region, role to assume, session name, durations.

Pure logic: nothing here talks to AWS. Every check runs before the first AWS call so that a
typo in a workflow fails fast with a message naming the offending input.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

INPUT_REGION = "aws-region"
INPUT_ROLE = "role-to-assume"
INPUT_EXTERNAL_ID = "role-external-id"
INPUT_SESSION_NAME = "role-session-name"
INPUT_DURATION = "role-duration-seconds"
INPUT_WEB_IDENTITY = "web-identity"
INPUT_AUDIENCE = "audience"
INPUT_MAX_ATTEMPTS = "max-attempts"

ALLOW_UNKNOWN_REGION_ENV = "SLIPWAY_ALLOW_UNKNOWN_REGION"
OIDC_URL_ENV = "ACTIONS_ID_TOKEN_REQUEST_URL"
OIDC_TOKEN_ENV = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"

DEFAULT_AUDIENCE = "sts.amazonaws.com"
DEFAULT_DURATION_SECONDS = 3600
MIN_DURATION_SECONDS = 900
MAX_DURATION_SECONDS = 43200
DEFAULT_MAX_ATTEMPTS = 10
MAX_MAX_ATTEMPTS = 50

SESSION_NAME_MIN = 2
SESSION_NAME_MAX = 64
EXTERNAL_ID_MIN = 2
EXTERNAL_ID_MAX = 1224

_REGION_SHAPE = re.compile(r"^[a-z]{2,4}(?:-[a-z]+)+-\d+$")
_ROLE_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:iam::\d{12}:role/(?:[\x21-\x2e\x30-\x7e]+/)*[\w+=,.@-]{1,64}$", re.ASCII
)
_SESSION_NAME_CHARS = re.compile(r"^[\w+=,.@-]+$", re.ASCII)
_SESSION_NAME_BAD = re.compile(r"[^\w+=,.@-]+", re.ASCII)
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]+$", re.ASCII)
_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})
_AUTO = frozenset({"", "auto"})


class AwsConfigError(ValueError):
    """An action input (or the environment standing in for one) is invalid."""


def _fail(input_name: str, problem: str) -> AwsConfigError:
    return AwsConfigError(f"input '{input_name}': {problem}")


@dataclass(frozen=True)
class AwsSettings:
    """How an action reaches AWS. Construct through :func:`settings_from_inputs` or directly.

    ``web_identity``: ``True`` uses GitHub OIDC, ``False`` uses the ambient credentials to call
    ``sts:AssumeRole``, ``None`` (auto) uses OIDC when a role is given and the runner exposes
    ``ACTIONS_ID_TOKEN_REQUEST_URL`` and ``ACTIONS_ID_TOKEN_REQUEST_TOKEN``.

    Construction checks every field except the region's membership in the known region list,
    which depends on the environment (see :func:`validate_region`).
    """

    region: str
    role_to_assume: str | None = None
    role_external_id: str | None = None
    role_session_name: str | None = None
    role_duration_seconds: int = DEFAULT_DURATION_SECONDS
    web_identity: bool | None = None
    audience: str = DEFAULT_AUDIENCE
    max_attempts: int = DEFAULT_MAX_ATTEMPTS

    def __post_init__(self) -> None:
        if not self.region:
            raise _fail(INPUT_REGION, "no region given (set the input or AWS_REGION)")
        if self.role_to_assume is not None:
            validate_role_arn(self.role_to_assume)
        elif self.web_identity:
            raise _fail(INPUT_WEB_IDENTITY, f"web identity needs '{INPUT_ROLE}' to be set")
        if self.role_external_id is not None:
            validate_external_id(self.role_external_id)
        if self.role_session_name is not None:
            validate_session_name(self.role_session_name)
        validate_duration(self.role_duration_seconds)
        validate_max_attempts(self.max_attempts)
        if not self.audience.strip():
            raise _fail(INPUT_AUDIENCE, "must not be empty (the default is sts.amazonaws.com)")

    def uses_web_identity(self, env: Mapping[str, str]) -> bool:
        """Whether a role is assumed with a GitHub OIDC token (resolving ``None`` = auto)."""
        if self.role_to_assume is None:
            return False
        if self.web_identity is not None:
            return self.web_identity
        return oidc_available(env)


def oidc_available(env: Mapping[str, str]) -> bool:
    """True when the runner can mint GitHub OIDC tokens (the job has ``id-token: write``)."""
    return bool(env.get(OIDC_URL_ENV)) and bool(env.get(OIDC_TOKEN_ENV))


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region botocore's bundled endpoint data lists, across all partitions."""
    from botocore.loaders import create_loader

    data = create_loader().load_data("endpoints")
    return frozenset(
        region
        for partition in data.get("partitions", [])
        for region in partition.get("regions", {})
    )


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def validate_region(region: str, env: Mapping[str, str], input_name: str = INPUT_REGION) -> str:
    """Return ``region`` if botocore knows it in any partition (aws, aws-cn, aws-us-gov, iso...).

    A region newer than the installed botocore can be allowed by setting
    ``SLIPWAY_ALLOW_UNKNOWN_REGION=1``; it must still look like a region (``xx-name-1``).
    """
    if region in known_regions():
        return region
    if _truthy(env.get(ALLOW_UNKNOWN_REGION_ENV)) and _REGION_SHAPE.match(region):
        return region
    hint = "expected an AWS region such as us-east-1"
    if region.lower() in known_regions():
        hint = f"regions are lower case: {region.lower()}"
    elif _REGION_SHAPE.match(region):
        hint += f"; set {ALLOW_UNKNOWN_REGION_ENV}=1 if it is newer than this botocore"
    raise _fail(input_name, f"unknown region '{region}' ({hint})")


def resolve_region(explicit: str | None, env: Mapping[str, str]) -> str:
    """The region from the input, else ``AWS_REGION``, else ``AWS_DEFAULT_REGION``; validated.

    Unknown regions are rejected unless ``SLIPWAY_ALLOW_UNKNOWN_REGION=1`` is set in ``env``
    (for a region launched after the installed botocore was released).
    """
    for candidate in (explicit, env.get("AWS_REGION"), env.get("AWS_DEFAULT_REGION")):
        if candidate and candidate.strip():
            return validate_region(candidate.strip(), env)
    raise _fail(INPUT_REGION, "no region given (set the input or AWS_REGION)")


def validate_role_arn(arn: str, input_name: str = INPUT_ROLE) -> str:
    """Return the ARN if it is an IAM role ARN: ``arn:<partition>:iam::<account>:role/<name>``."""
    if not _ROLE_ARN.match(arn):
        raise _fail(
            input_name,
            f"'{arn}' is not an IAM role ARN (expected arn:aws:iam::123456789012:role/name)",
        )
    return arn


def account_of_role(arn: str) -> str:
    """The 12-digit account id in a (valid) role ARN."""
    return validate_role_arn(arn).split(":")[4]


def validate_session_name(name: str, input_name: str = INPUT_SESSION_NAME) -> str:
    """Return ``name`` if STS accepts it as a role session name (2-64 of ``[\\w+=,.@-]``)."""
    if not SESSION_NAME_MIN <= len(name) <= SESSION_NAME_MAX:
        raise _fail(
            input_name,
            f"'{name}' must be {SESSION_NAME_MIN}-{SESSION_NAME_MAX} characters long"
            f" (it has {len(name)})",
        )
    if not _SESSION_NAME_CHARS.match(name):
        raise _fail(
            input_name,
            f"'{name}' may only contain letters, digits and the characters _+=,.@-",
        )
    return name


def _sanitise(text: str) -> str:
    return _SESSION_NAME_BAD.sub("-", text).strip("-")


def session_name(env: Mapping[str, str], explicit: str | None = None) -> str:
    """The role session name: ``explicit`` (validated) or one derived from the environment.

    In GitHub Actions: ``slipway-<owner>-<repo>-<run id>-<run attempt>``; the repository part
    is shortened so the name fits STS's 64 characters without losing the run id. Elsewhere:
    ``slipway-local-<user>``.
    """
    if explicit:
        return validate_session_name(explicit)
    repository = _sanitise(env.get("GITHUB_REPOSITORY", ""))
    if repository:
        run = [_sanitise(env.get(key, "")) for key in ("GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT")]
        suffix = "".join(f"-{part}" for part in run if part)
        room = SESSION_NAME_MAX - len("slipway-") - len(suffix)
        return f"slipway-{repository[: max(room, 0)].rstrip('-')}{suffix}"[:SESSION_NAME_MAX]
    user = _sanitise(env.get("USER") or env.get("USERNAME") or "") or "unknown"
    return f"slipway-local-{user}"[:SESSION_NAME_MAX]


def validate_duration(seconds: int, input_name: str = INPUT_DURATION) -> int:
    """Return ``seconds`` if STS accepts it as a role session duration (900-43200)."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise _fail(input_name, f"'{seconds}' is not a whole number of seconds")
    if not MIN_DURATION_SECONDS <= seconds <= MAX_DURATION_SECONDS:
        raise _fail(
            input_name,
            f"{seconds} is out of range (expected {MIN_DURATION_SECONDS}-{MAX_DURATION_SECONDS}"
            " seconds; the role's maximum session duration also applies)",
        )
    return seconds


def validate_external_id(external_id: str, input_name: str = INPUT_EXTERNAL_ID) -> str:
    """Return ``external_id`` if STS accepts it (2-1224 of ``[\\w+=,.@:/-]``)."""
    if not EXTERNAL_ID_MIN <= len(external_id) <= EXTERNAL_ID_MAX or not _EXTERNAL_ID.match(
        external_id
    ):
        raise _fail(
            input_name,
            f"must be {EXTERNAL_ID_MIN}-{EXTERNAL_ID_MAX} characters of letters, digits"
            " and _+=,.@:/-",
        )
    return external_id


def validate_max_attempts(attempts: int, input_name: str = INPUT_MAX_ATTEMPTS) -> int:
    """Return ``attempts`` if it is a sensible retry budget per AWS call.

    It is botocore's ``retries["max_attempts"]``: retries after the first call, so a call is
    tried at most ``attempts + 1`` times (botocore reports that as ``total_max_attempts``).
    """
    if isinstance(attempts, bool) or not isinstance(attempts, int):
        raise _fail(input_name, f"'{attempts}' is not a whole number")
    if not 1 <= attempts <= MAX_MAX_ATTEMPTS:
        raise _fail(input_name, f"{attempts} is out of range (expected 1-{MAX_MAX_ATTEMPTS})")
    return attempts


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _integer(value: str | int | None, default: int, input_name: str) -> int:
    if value is None or isinstance(value, int):
        return default if value is None else value
    text = value.strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise _fail(input_name, f"'{text}' is not a whole number") from None


def _tristate(value: str | bool | None, input_name: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = value.strip().lower()
    if text in _AUTO:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _fail(input_name, f"'{value}' is not one of true, false, auto")


def settings_from_inputs(
    env: Mapping[str, str],
    *,
    region: str | None = None,
    role_to_assume: str | None = None,
    role_external_id: str | None = None,
    role_session_name: str | None = None,
    role_duration_seconds: str | int | None = None,
    web_identity: str | bool | None = None,
    audience: str | None = None,
    max_attempts: str | int | None = None,
) -> AwsSettings:
    """Build validated settings from raw action inputs (strings; empty means not set)."""
    return AwsSettings(
        region=resolve_region(_text(region), env),
        role_to_assume=_text(role_to_assume),
        role_external_id=_text(role_external_id),
        role_session_name=_text(role_session_name),
        role_duration_seconds=_integer(
            role_duration_seconds, DEFAULT_DURATION_SECONDS, INPUT_DURATION
        ),
        web_identity=_tristate(web_identity, INPUT_WEB_IDENTITY),
        audience=_text(audience) or DEFAULT_AUDIENCE,
        max_attempts=_integer(max_attempts, DEFAULT_MAX_ATTEMPTS, INPUT_MAX_ATTEMPTS),
    )
