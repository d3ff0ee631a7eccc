"""STS failures become one-line AwsAuthError messages (against a local fake STS endpoint)."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from tests.support import serving

from slipway.aws import AwsAuthError, AwsSettings, make_session

ROLE = "arn:aws:iam::222222222222:role/deploy"
DENIED = b"""<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>User: arn:aws:iam::123456789012:user/ci is not authorized to perform:
      sts:AssumeRole on resource: arn:aws:iam::222222222222:role/deploy</Message>
  </Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>"""


@pytest.fixture
def denying_sts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """A local STS endpoint that denies everything; yields (Authorization, body) per call."""
    calls: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            calls.append((self.headers.get("Authorization", ""), self.rfile.read(length).decode()))
            self.send_response(403)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(DENIED)))
            self.end_headers()
            self.wfile.write(DENIED)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with serving(server, poll=0.01):  # one per test: stop at once
        yield calls


def test_access_denied_names_role_and_error(denying_sts: list[tuple[str, str]]) -> None:
    settings = AwsSettings(region="us-east-1", role_to_assume=ROLE, role_external_id="ext-1")
    with pytest.raises(AwsAuthError) as error:
        make_session(settings, {"USER": "dev"})
    assert str(error.value) == (
        f"cannot assume role {ROLE} (sts:AssumeRole): AccessDenied: User:"
        " arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole on"
        " resource: arn:aws:iam::222222222222:role/deploy"
    )
    assert len(denying_sts) == 1  # access denied is not retried
    authorization, body = denying_sts[0]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert "Action=AssumeRole&" in body
    assert "ExternalId=ext-1" in body
    assert "RoleSessionName=slipway-local-dev" in body


def test_web_identity_denial_is_reported_for_that_call(
    denying_sts: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fake_oidc import serve_oidc

    secrets: list[str] = []
    with serve_oidc() as oidc:
        settings = AwsSettings(region="us-east-1", role_to_assume=ROLE)
        with pytest.raises(AwsAuthError, match=r"\(sts:AssumeRoleWithWebIdentity\): AccessDenied"):
            make_session(settings, oidc.env(), on_secret=secrets.append)
    assert secrets == [oidc.token]
    authorization, body = denying_sts[0]
    assert authorization == ""  # AssumeRoleWithWebIdentity is sent unsigned
    assert "Action=AssumeRoleWithWebIdentity" in body
    assert f"WebIdentityToken={oidc.token}" in body
