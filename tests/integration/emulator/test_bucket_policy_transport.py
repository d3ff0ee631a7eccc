"""Bucket policies on the emulator see requests as TLS (as every client of AWS sends them):
a TLS-only policy lets requests through, other Deny statements still deny."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.integration


def deny(bucket: str, condition: dict[str, object] | None) -> str:
    statement: dict[str, object] = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_tls_only_policy_admits_requests(aws: str) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="tls-only")
    s3.put_bucket_policy(
        Bucket="tls-only",
        Policy=deny("tls-only", {"Bool": {"aws:SecureTransport": "false"}}),
    )
    s3.put_object(Bucket="tls-only", Key="state.tfstate", Body=b"{}")
    assert s3.get_object(Bucket="tls-only", Key="state.tfstate")["Body"].read() == b"{}"


def test_unconditional_deny_still_denies(aws: str) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="locked")
    s3.put_bucket_policy(Bucket="locked", Policy=deny("locked", None))
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket="locked", Key="state.tfstate", Body=b"{}")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
