"""A local stand-in for the GitHub Actions OIDC token endpoint, its tokens, and the IAM
setup that trusts them (the emulator checks it, as STS does)."""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support import serving

REQUEST_TOKEN = "runner-request-token"
ISSUER = "https://token.actions.githubusercontent.com"
HOST = "token.actions.githubusercontent.com"  # the prefix of its condition keys in IAM


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_jwt(audience: str = "sts.amazonaws.com", subject: str = "repo:owner/repo:ref") -> str:
    """A JWT-shaped token (header.payload.signature) that nothing verifies."""
    return unsigned_token({"iss": ISSUER, "aud": audience, "sub": subject})


def unsigned_token(claims: Mapping[str, object]) -> str:
    """A JWT-shaped token with these claims and a signature that is none."""
    header = _b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    payload = _b64url(json.dumps(claims).encode())
    return f"{header}.{payload}.{_b64url(b'not-a-signature')}"


def trust_statement(
    provider_arn: str, subjects: Sequence[str], effect: str = "Allow"
) -> dict[str, Any]:
    """The statement modules/github-oidc writes: tokens of the provider for sts.amazonaws.com
    whose subject is like one of ``subjects``."""
    return {
        "Effect": effect,
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {f"{HOST}:aud": "sts.amazonaws.com"},
            "StringLike": {f"{HOST}:sub": list(subjects)},
        },
    }


def trusting_role(iam: Any, name: str, subjects: Sequence[str]) -> str:
    """GitHub's OIDC provider in ``iam``'s account (created unless there) and a role that
    trusts its tokens with these subjects, as STS (and the emulator) require; the role's ARN."""
    providers = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    arn = next((p["Arn"] for p in providers if p["Arn"].endswith(f"/{HOST}")), None)
    if arn is None:
        arn = iam.create_open_id_connect_provider(Url=ISSUER, ClientIDList=["sts.amazonaws.com"])[
            "OpenIDConnectProviderArn"
        ]
    document = {"Version": "2012-10-17", "Statement": [trust_statement(arn, subjects)]}
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(document))
    return str(role["Role"]["Arn"])


@dataclass
class FakeOidc:
    """Serves scripted responses; every request is recorded as (authorization, query)."""

    url: str
    token: str
    statuses: list[int] = field(default_factory=list)
    body: bytes | None = None
    requests: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)

    def env(self, query: str = "?api-version=2.0") -> dict[str, str]:
        return {
            "ACTIONS_ID_TOKEN_REQUEST_URL": self.url + query,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
        }


@contextmanager
def serve_oidc(token: str | None = None) -> Iterator[FakeOidc]:
    fake = FakeOidc(url="", token=token or unsigned_jwt())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(parts.query)
            authorization = self.headers.get("Authorization", "")
            fake.requests.append((authorization, query))
            status = fake.statuses.pop(0) if fake.statuses else 200
            if authorization != f"bearer {REQUEST_TOKEN}":
                status = 401
            elif query.get("audience") != ["sts.amazonaws.com"]:
                status = 400
            body = fake.body if fake.body is not None else json.dumps({"value": fake.token})
            if status != 200:
                body = json.dumps({"message": f"status {status}"})
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/token"
    with serving(server, poll=0.01):  # one per test: stop at once
        yield fake
