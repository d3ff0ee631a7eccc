"""Fetch a GitHub Actions OIDC token (a JWT) for ``sts:AssumeRoleWithWebIdentity``.

The runner exposes a token endpoint to jobs granted ``permissions: id-token: write`` through
``ACTIONS_ID_TOKEN_REQUEST_URL`` and ``ACTIONS_ID_TOKEN_REQUEST_TOKEN``.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping

from slipway.aws.config import DEFAULT_AUDIENCE, OIDC_TOKEN_ENV, OIDC_URL_ENV

DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF_SECONDS = 0.5
_PERMISSION_HINT = "the job needs 'permissions: id-token: write' to assume a role with GitHub OIDC"
_ERROR_BODY_LIMIT = 200
_HTTP_OK = 200
_HTTP_SERVER_ERROR = 500


class OidcError(RuntimeError):
    """The GitHub OIDC token could not be obtained."""


class _RetryableError(Exception):
    pass


def token_request_url(base_url: str, audience: str) -> str:
    """The token endpoint URL with the ``audience`` query parameter appended."""
    separator = "&" if urllib.parse.urlsplit(base_url).query else "?"
    if base_url.endswith(("?", "&")):
        separator = ""
    return f"{base_url}{separator}audience={urllib.parse.quote(audience, safe='')}"


def _parse_token(body: bytes) -> str:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise OidcError("GitHub OIDC token response is not JSON") from None
    value = document.get("value") if isinstance(document, dict) else None
    if not isinstance(value, str) or not value:
        raise OidcError("GitHub OIDC token response has no 'value'")
    return value


def _request_once(url: str, bearer: str, timeout: float) -> str:
    request = urllib.request.Request(
        url,
        headers={
            "Authorization": f"bearer {bearer}",
            "Accept": "application/json; api-version=2.0",
            "User-Agent": "slipway",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
            body = response.read()
    except urllib.error.HTTPError as error:
        detail = error.read()[:_ERROR_BODY_LIMIT].decode("utf-8", "replace").strip()
        message = f"GitHub OIDC token request failed: HTTP {error.code} {error.reason}"
        if detail:
            message += f": {detail}"
        if error.code >= _HTTP_SERVER_ERROR:
            raise _RetryableError(message) from None
        raise OidcError(message) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise _RetryableError(f"GitHub OIDC token endpoint unreachable: {reason}") from None
    if status != _HTTP_OK:
        raise OidcError(f"GitHub OIDC token request failed: HTTP {status}")
    return _parse_token(body)


def fetch_github_oidc_token(
    env: Mapping[str, str],
    audience: str = DEFAULT_AUDIENCE,
    timeout: float = 10,
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    backoff: float = DEFAULT_BACKOFF_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Return a GitHub OIDC token for ``audience``.

    Server errors (5xx) and connection failures are retried ``attempts`` times in total with
    exponential backoff starting at ``backoff`` seconds; anything else fails at once.
    """
    url = env.get(OIDC_URL_ENV, "")
    bearer = env.get(OIDC_TOKEN_ENV, "")
    missing = [name for name, value in ((OIDC_URL_ENV, url), (OIDC_TOKEN_ENV, bearer)) if not value]
    if missing:
        raise OidcError(f"{' and '.join(missing)} not set: {_PERMISSION_HINT}")
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise OidcError(f"{OIDC_URL_ENV} is not an http(s) URL")
    full_url = token_request_url(url, audience)
    last = ""
    for attempt in range(max(attempts, 1)):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            return _request_once(full_url, bearer, timeout)
        except _RetryableError as error:
            last = str(error)
    raise OidcError(f"{last} (after {max(attempts, 1)} attempts)")
