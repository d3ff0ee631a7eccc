"""Only statements that match plain-HTTP requests alone are dropped from bucket policies."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
import emulator_server as server

TLS_ONLY = {
    "Sid": "TlsOnly",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
OWNER_ONLY = {
    "Sid": "OwnerOnly",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "111111111111"}},
}


def test_tls_only_statement_is_dropped_and_the_rest_kept() -> None:
    policy = json.dumps({"Version": "2012-10-17", "Statement": [TLS_ONLY, OWNER_ONLY]})
    assert json.loads(server.policy_for_tls_requests(policy))["Statement"] == [OWNER_ONLY]


def test_a_single_statement_object_is_handled() -> None:
    policy = json.dumps({"Version": "2012-10-17", "Statement": TLS_ONLY})
    assert json.loads(server.policy_for_tls_requests(policy))["Statement"] == []


def test_statements_that_also_match_tls_requests_stay() -> None:
    mixed = {**TLS_ONLY, "Condition": {"Bool": {"aws:SecureTransport": ["false", "true"]}}}
    extra = {
        **TLS_ONLY,
        "Condition": {
            "Bool": {"aws:SecureTransport": "false"},
            "StringEquals": {"aws:PrincipalAccount": "1"},
        },
    }
    assert not server.applies_only_without_tls(mixed)
    assert not server.applies_only_without_tls(extra)
    assert not server.applies_only_without_tls({**TLS_ONLY, "Condition": None})
    assert server.applies_only_without_tls(
        {**TLS_ONLY, "Condition": {"Bool": {"aws:SecureTransport": ["False"]}}}
    )
