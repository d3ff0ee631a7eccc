"""How the emulator reads an S3 request for policy evaluation: the permission each operation
needs (the S3 API reference's "Permissions" of each operation), the condition keys it
supplies, the copy source, and the owner's root user's hold on the bucket policy."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
from emulator_bucket_policy import (
    bucket_action,
    copy_source,
    decide,
    denial_message,
    object_action,
    request_context,
)
from emulator_policy_evaluation import Caller, Request

OWNER = "111122223333"
ROOT = Caller(f"arn:aws:iam::{OWNER}:root", OWNER, "Account")
OTHER_ROOT = Caller("arn:aws:iam::444455556666:root", "444455556666", "Account")


@pytest.mark.parametrize(
    ("method", "query", "action"),
    [
        ("GET", {}, "s3:GetObject"),
        ("HEAD", {}, "s3:GetObject"),  # HeadObject needs s3:GetObject
        ("GET", {"versionId": ["v1"]}, "s3:GetObjectVersion"),
        ("GET", {"tagging": [""]}, "s3:GetObjectTagging"),
        ("GET", {"tagging": [""], "versionId": ["v1"]}, "s3:GetObjectVersionTagging"),
        ("GET", {"attributes": [""]}, "s3:GetObjectAttributes"),
        ("GET", {"uploadId": ["u"]}, "s3:ListMultipartUploadParts"),
        ("PUT", {}, "s3:PutObject"),
        ("PUT", {"partNumber": ["1"], "uploadId": ["u"]}, "s3:PutObject"),  # UploadPart
        ("PUT", {"acl": [""]}, "s3:PutObjectAcl"),
        ("PUT", {"retention": [""]}, "s3:PutObjectRetention"),
        ("DELETE", {}, "s3:DeleteObject"),
        ("DELETE", {"versionId": ["v1"]}, "s3:DeleteObjectVersion"),
        ("DELETE", {"tagging": [""]}, "s3:DeleteObjectTagging"),
        ("DELETE", {"uploadId": ["u"]}, "s3:AbortMultipartUpload"),
        ("POST", {"uploads": [""]}, "s3:PutObject"),  # CreateMultipartUpload
        ("POST", {"uploadId": ["u"]}, "s3:PutObject"),  # CompleteMultipartUpload
        ("POST", {"restore": [""]}, "s3:RestoreObject"),
        ("PATCH", {}, None),
    ],
)
def test_object_operations_need_the_documented_permission(
    method: str, query: dict[str, list[str]], action: str | None
) -> None:
    assert object_action(method, query) == action


@pytest.mark.parametrize(
    ("method", "query", "action"),
    [
        ("GET", {}, "s3:ListBucket"),  # ListObjects(V2)
        ("HEAD", {}, "s3:ListBucket"),  # HeadBucket
        ("GET", {"versions": [""]}, "s3:ListBucketVersions"),
        ("GET", {"policy": [""]}, "s3:GetBucketPolicy"),
        ("PUT", {"policy": [""]}, "s3:PutBucketPolicy"),
        ("DELETE", {"policy": [""]}, "s3:DeleteBucketPolicy"),
        ("PUT", {"encryption": [""]}, "s3:PutEncryptionConfiguration"),
        ("DELETE", {"encryption": [""]}, "s3:PutEncryptionConfiguration"),
        ("PUT", {"lifecycle": [""]}, "s3:PutLifecycleConfiguration"),
        ("DELETE", {"lifecycle": [""]}, "s3:PutLifecycleConfiguration"),
        ("GET", {"lifecycle": [""]}, "s3:GetLifecycleConfiguration"),
        ("PUT", {"versioning": [""]}, "s3:PutBucketVersioning"),
        ("PUT", {"publicAccessBlock": [""]}, "s3:PutBucketPublicAccessBlock"),
        ("DELETE", {"publicAccessBlock": [""]}, "s3:PutBucketPublicAccessBlock"),
        ("PUT", {"ownershipControls": [""]}, "s3:PutBucketOwnershipControls"),
        ("PUT", {"replication": [""]}, "s3:PutReplicationConfiguration"),
        ("DELETE", {"tagging": [""]}, "s3:PutBucketTagging"),
        ("PUT", {}, "s3:CreateBucket"),
        ("DELETE", {}, "s3:DeleteBucket"),
        ("POST", {"delete": [""]}, None),  # DeleteObjects: each key on its own
    ],
)
def test_bucket_operations_need_the_documented_permission(
    method: str, query: dict[str, list[str]], action: str | None
) -> None:
    assert bucket_action(method, query) == action


def test_the_request_context_holds_what_s3_documents_and_nothing_made_up() -> None:
    context = request_context(
        "PUT",
        {"versionId": ["v1"]},
        {"X-Amz-Server-Side-Encryption": "aws:kms", "x-amz-acl": "private", "Content-Type": "x"},
        OWNER,
    )
    assert context == {
        "aws:SecureTransport": "true",
        "s3:ResourceAccount": OWNER,
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-acl": "private",
        "s3:VersionId": "v1",
    }
    listing = request_context("GET", {"prefix": ["prod/"], "max-keys": ["10"]}, {}, OWNER)
    assert listing["s3:prefix"] == "prod/" and listing["s3:max-keys"] == "10"


def test_copy_source_header() -> None:
    assert copy_source({"x-amz-copy-source": "/acme-tfstate/dev/app.tfstate"}) == (
        "acme-tfstate",
        "dev/app.tfstate",
        None,
    )
    assert copy_source({"X-Amz-Copy-Source": "acme-tfstate/dev%2Fa%20b?versionId=v1"}) == (
        "acme-tfstate",
        "dev/a b",
        "v1",
    )
    assert copy_source({}) is None


def test_the_owners_root_user_always_manages_the_bucket_policy() -> None:
    lock_out = json.dumps(
        {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}
    )
    for action in ("s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"):
        assert not decide(lock_out, Request(ROOT, action, "arn:aws:s3:::b"), OWNER).denied
        assert decide(lock_out, Request(OTHER_ROOT, action, "arn:aws:s3:::b"), OWNER).denied
    assert decide(lock_out, Request(ROOT, "s3:GetObject", "arn:aws:s3:::b/k"), OWNER).denied
    assert not decide(None, Request(ROOT, "s3:GetObject", "arn:aws:s3:::b/k"), OWNER).denied


def test_the_denial_names_the_caller_the_action_and_the_resource() -> None:
    session = Caller(
        f"arn:aws:iam::{OWNER}:role/plan",
        OWNER,
        "AssumedRole",
        f"arn:aws:sts::{OWNER}:assumed-role/plan/s",
    )
    message = denial_message(Request(session, "s3:PutObject", "arn:aws:s3:::b/prod/app.tfstate"))
    assert message == (
        f"User: arn:aws:sts::{OWNER}:assumed-role/plan/s is not authorized to perform: "
        's3:PutObject on resource: "arn:aws:s3:::b/prod/app.tfstate" with an explicit deny '
        "in a resource-based policy"
    )
