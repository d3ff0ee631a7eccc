"""STS AssumeRoleWithWebIdentity on the local emulator, refused as AWS refuses it: the token's
issuer must be an IAM OIDC provider of the role's account, and the role's trust policy must
allow the token's subject and audience.

What moto 5.2.5 does by itself: ``AssumeRoleWithWebIdentity`` is ``AssumeRole`` under another
name. The token is never read, the role need not exist and its trust policy is ignored, so any
token assumes any role (a pull request's plan job would assume the production apply role).

What this module does instead, after the STS API reference for AssumeRoleWithWebIdentity, the
IAM User Guide's "Create an OpenID Connect (OIDC) identity provider in IAM" and "Available keys
for AWS OIDC federation", and the error texts STS answers with:

- the token is a JWT (``header.payload.signature``) whose payload holds ``iss``, ``sub`` and
  ``aud``: else ``InvalidIdentityToken`` ("not a valid JWT", "Missing a required claim");
- the IAM OIDC provider of the role's account whose URL is the ``iss`` without ``https://``
  (``arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com``) must exist:
  else ``InvalidIdentityToken`` "No OpenIDConnect provider found in your account for <iss>";
- an ``exp`` in the past: ``ExpiredTokenException`` (its own error in the STS model, 400);
- one of the token's audiences must be among the provider's client IDs: else
  ``InvalidIdentityToken`` "Incorrect token audience";
- the role must exist and its trust policy (``emulator_policy_evaluation``) must allow
  ``sts:AssumeRoleWithWebIdentity`` to the caller: a web identity whose ``Federated``
  principal is the provider's ARN, with the request context ``<provider url>:sub``,
  ``<provider url>:aud`` (the audience that is a client ID) and, when the token has one,
  ``<provider url>:amr`` (multivalued); every other key is absent. An explicit Deny, or no
  Allow, answers ``AccessDenied`` "Not authorized to perform sts:AssumeRoleWithWebIdentity"
  (403), as STS does without saying why;
- a trust policy the evaluator does not model answers ``501 NotImplemented`` naming the role,
  never a guess;
- the answer of an allowed call carries ``SubjectFromWebIdentityToken``, ``Audience`` and
  ``Provider`` (the provider's ARN), which moto leaves out.

Errors are the STS query protocol's ``ErrorResponse`` (Type, Code, Message, RequestId): what
botocore and the AWS SDK for Go v2 parse.

What it does not model: the token's signature is not verified (the tests' tokens are unsigned,
tests/unit/aws/fake_oidc.py) and neither the provider's thumbprints nor GitHub's keys are
fetched, so anyone who can write a JWT passes as any issuer that has a provider; ``nbf`` and
``iat`` are not checked (AWS refuses tokens issued in the future or too long ago), and a token
without ``exp`` is accepted; ``oaud``, ``azp``, ``email``, ``sts:RoleSessionName`` and
``aws:FederatedProvider`` are absent from the context; session tags from the token's
``https://aws.amazon.com/tags`` claim (and the ``sts:TagSession`` they need), the ``Policy``
and ``PolicyArns`` session policies, ``ProviderId`` (OAuth 2.0 access tokens) and the role's
``MaxSessionDuration`` are left to moto, which ignores them; the role ARN must be the role's
exact ARN, path included.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from emulator_policy_evaluation import (
    Caller,
    ContextValue,
    Request,
    UnsupportedPolicyError,
    evaluate,
)

ACTION = "sts:AssumeRoleWithWebIdentity"
STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
_ROLE_ARN = re.compile(r"arn:(aws[a-z-]*):iam::(\d{12}):role/.+")
_NOT_A_JWT = (
    "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
)


class RefusedError(Exception):
    """STS refuses the call: the error code, message and HTTP status it answers with."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def invalid_token(message: str) -> RefusedError:
    return RefusedError("InvalidIdentityToken", message, 400)


@dataclass(frozen=True)
class Provider:
    """An IAM OIDC provider as the role's account holds it."""

    arn: str
    url: str  # without the scheme: "token.actions.githubusercontent.com"
    client_ids: tuple[str, ...]


@dataclass(frozen=True)
class Token:
    """The claims of a web identity token this module reads."""

    issuer: str
    subject: str
    audiences: tuple[str, ...]
    expires: float | None
    amr: tuple[str, ...] | None


@dataclass(frozen=True)
class WebIdentity:
    """A token its provider vouches for: who the trust policy is asked about."""

    provider: Provider
    subject: str
    audience: str
    amr: tuple[str, ...] | None

    def request(self) -> Request:
        """The trust policy's question: may this identity assume the role?"""
        context: dict[str, ContextValue] = {
            f"{self.provider.url}:sub": self.subject,
            f"{self.provider.url}:aud": self.audience,
        }
        if self.amr is not None:
            context[f"{self.provider.url}:amr"] = self.amr
        caller = Caller(None, None, "WebIdentityUser", federated=self.provider.arn)
        return Request(caller, ACTION, None, context)


# --- pure: the token, the provider, the trust policy --------------------------------------


def _segment(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _strings(value: Any) -> tuple[str, ...] | None:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) and item for item in items):
        return None
    return tuple(items)


def read_token(token: str) -> Token:
    """The claims of a JWS compact token; its signature is not verified (see the docstring)."""
    parts = token.split(".")
    try:
        if len(parts) != 3:
            raise ValueError("not three segments")
        header, claims = (json.loads(_segment(part)) for part in parts[:2])
    except (ValueError, binascii.Error):  # JSONDecodeError and UnicodeDecodeError included
        raise invalid_token(_NOT_A_JWT) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise invalid_token(_NOT_A_JWT)
    for claim in ("iss", "sub", "aud"):
        if claim not in claims:
            raise invalid_token(f"Missing a required claim: {claim}")
    issuer, subject = claims["iss"], claims["sub"]
    audiences = _strings(claims["aud"])
    if not isinstance(issuer, str) or not isinstance(subject, str) or audiences is None:
        raise invalid_token(_NOT_A_JWT)
    expires = claims.get("exp")
    if expires is not None and (isinstance(expires, bool) or not isinstance(expires, int | float)):
        raise invalid_token(_NOT_A_JWT)
    amr = _strings(claims["amr"]) if "amr" in claims else None
    return Token(issuer, subject, audiences, expires, amr)


def provider_url(issuer: str) -> str | None:
    """The URL IAM keys an OIDC provider by: the issuer without ``https://`` (IAM accepts
    only https issuers)."""
    if not issuer.startswith("https://") or len(issuer) == len("https://"):
        return None
    return issuer.removeprefix("https://")


def vouch(token: Token, provider: Provider | None, now: float) -> WebIdentity:
    """The identity a token stands for, once its provider exists, it has not expired and it
    was issued for one of the provider's client IDs."""
    if provider is None:
        raise invalid_token(f"No OpenIDConnect provider found in your account for {token.issuer}")
    if token.expires is not None and token.expires <= now:
        raise RefusedError(
            "ExpiredTokenException",
            f"Token expired: current date/time {int(now)} must be before the expiration "
            f"date/time{int(token.expires)}",  # sic: STS writes no space there
            400,
        )
    audience = next((a for a in token.audiences if a in provider.client_ids), None)
    if audience is None:
        raise invalid_token("Incorrect token audience")
    return WebIdentity(provider, token.subject, audience, token.amr)


def trust_policy(document: str) -> Mapping[str, Any]:
    """A role's trust policy as IAM stores it (JSON, possibly URL-encoded)."""
    text = document if document.lstrip().startswith("{") else unquote(document)
    policy = json.loads(text)
    if not isinstance(policy, Mapping):
        raise UnsupportedPolicyError("the trust policy is not a JSON object")
    return policy


def trusted(document: str, identity: WebIdentity) -> bool:
    """Whether the role's trust policy lets the identity in: an Allow, and no Deny."""
    try:
        policy = trust_policy(document)
    except ValueError as error:  # not JSON
        raise UnsupportedPolicyError(f"the trust policy is not JSON: {error}") from None
    return evaluate(policy, identity.request()).allowed


def not_authorized() -> RefusedError:
    return RefusedError("AccessDenied", f"Not authorized to perform {ACTION}", 403)


def error_xml(code: str, message: str, *, sender: bool = True) -> str:
    """The STS query protocol's error document (moto fills in the RequestId)."""
    return (
        f'<ErrorResponse xmlns="{STS_NAMESPACE}">\n'
        f"  <Error>\n"
        f"    <Type>{'Sender' if sender else 'Receiver'}</Type>\n"
        f"    <Code>{escape(code)}</Code>\n"
        f"    <Message>{escape(message)}</Message>\n"
        f"  </Error>\n"
        f"  <RequestId>00000000-0000-0000-0000-000000000000</RequestId>\n"
        f"</ErrorResponse>"
    )


# --- I/O: moto's IAM backend and the hook -------------------------------------------------


def _provider(backend: Any, partition: str, account: str, url: str | None) -> Provider | None:
    if url is None:
        return None
    found = backend.open_id_providers.get(f"arn:{partition}:iam::{account}:oidc-provider/{url}")
    if found is None:
        return None
    return Provider(found.arn, found.url, tuple(found.client_id_list))


def authorize(role_arn: str, token_text: str, now: float | None = None) -> WebIdentity:
    """The web identity allowed to assume ``role_arn``; raises RefusedError otherwise, and
    UnsupportedPolicyError for a trust policy the evaluator does not model."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    token = read_token(token_text)
    arn = _ROLE_ARN.fullmatch(role_arn or "")
    if arn is None:
        raise not_authorized()
    partition, account = arn.group(1), arn.group(2)
    backend = iam_backends[account][partition]
    provider = _provider(backend, partition, account, provider_url(token.issuer))
    identity = vouch(token, provider, time.time() if now is None else now)
    try:
        role = backend.get_role_by_arn(role_arn)
    except NotFoundException:
        raise not_authorized() from None
    if not trusted(role.assume_role_policy_document, identity):
        raise not_authorized()
    return identity


def _reply(status: int, code: str, message: str, *, sender: bool = True) -> tuple[str, Any]:
    return error_xml(code, message, sender=sender), {"status": status, "Content-Type": "text/xml"}


def install() -> None:
    """Check the token and the role's trust policy before moto assumes the role."""
    from moto.sts.responses import TokenResponse

    assume = TokenResponse.assume_role_with_web_identity

    def assume_role_with_web_identity(self: Any) -> Any:
        role_arn = str(self._get_param("RoleArn") or "")
        try:
            identity = authorize(role_arn, str(self._get_param("WebIdentityToken") or ""))
        except RefusedError as refused:
            return _reply(refused.status, refused.code, refused.message)
        except UnsupportedPolicyError as error:
            message = f"role {role_arn}: trust policy not modelled by the emulator: {error}"
            return _reply(501, "NotImplemented", message, sender=False)
        answer = assume(self)
        if isinstance(answer.result, dict):
            answer.result.update(
                SubjectFromWebIdentityToken=identity.subject,
                Audience=identity.audience,
                Provider=identity.provider.arn,
            )
        return answer

    response_class: Any = TokenResponse
    response_class.assume_role_with_web_identity = assume_role_with_web_identity
