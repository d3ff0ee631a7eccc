"""S3 bucket policies on the local emulator, evaluated for the caller as S3 does: a statement
that denies the request answers 403 AccessDenied.

What moto 5.2.5 does by itself in server mode (``FakeBucket.get_permission`` through
``moto.iam.access_control.IAMPolicy``), and why that is not enough:

- only object requests are checked (GET, HEAD, PUT, DELETE and POST on a key, with an action
  named after the HTTP method, e.g. ``s3:HeadObject``, and each key of DeleteObjects); bucket
  operations (PutBucketPolicy, ListObjects, …) never are;
- ``Principal`` is ignored (a statement naming one role applies to every caller);
- conditions are not evaluated: every operator but StringEquals is skipped and StringEquals
  sees no request value, so a statement with any condition applies to every request (a
  TLS-only ``Deny`` when ``aws:SecureTransport`` is false denies everything);
- ``Resource`` patterns are regular expressions with ``*`` turned into ``.*`` (``.`` is not
  escaped, ``?`` is no wildcard), and a statement with ``NotResource`` counts as a grant;
- moto's IAM enforcement (``INITIAL_NO_AUTH_ACTION_COUNT``) is off in the emulator, so no
  identity policy is evaluated either.

What this module does instead, after the S3 and IAM documentation
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-auth-workflow-object-operation.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html and
https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
for the permission each operation needs):

- every S3 request signed by a caller is evaluated against its bucket's policy
  (``emulator_policy_evaluation`` says which policy elements are modelled): the action is
  the permission AWS documents for the operation (HEAD object needs ``s3:GetObject``, a
  versioned GET ``s3:GetObjectVersion``, DELETE ?tagging ``s3:DeleteObjectTagging``, …), the
  resource is the bucket's or the object's ARN; a CopyObject or UploadPartCopy is also
  evaluated as ``s3:GetObject`` on its source, against the source bucket's policy;
- the caller comes from the request's access key as moto issued it: an assumed-role session
  (``aws:PrincipalArn`` is the role's ARN, as AWS reports it), an IAM user, and otherwise the
  root user of the key's account (the emulator's default ``testing`` keys are
  123456789012's root); an unsigned request is anonymous;
- the request context holds ``aws:PrincipalArn``, ``aws:PrincipalAccount``,
  ``aws:PrincipalType``, ``aws:SecureTransport`` (always true: every client of AWS uses TLS,
  while the emulator listens on plain HTTP), ``s3:ResourceAccount``, and from the request
  ``s3:x-amz-server-side-encryption``, ``s3:x-amz-server-side-encryption-aws-kms-key-id``,
  ``s3:x-amz-acl``, ``s3:VersionId``, ``s3:prefix``, ``s3:delimiter`` and ``s3:max-keys``;
  every other key is absent;
- an explicit Deny answers ``403 AccessDenied`` naming the caller, the action and the
  resource, in the words S3 uses for callers of the bucket's own account or organisation
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html; a
  HEAD answer has no body); each key of DeleteObjects is evaluated on its own and reported in
  the answer's ``Error`` list, as S3 does;
- the root user of the bucket's account can always Get, Put and Delete the bucket policy,
  whatever it says (the PutBucketPolicy API reference).

What it does not model: identity policies (a request no policy denies is allowed, where AWS
also needs an Allow in an identity or the bucket policy, and for another account's caller in
both); S3 Block Public Access, ACLs, access points, VPC endpoint policies and SCPs; the keys
of DeleteObjects are checked as ``s3:DeleteObject`` even with a version id (AWS:
``s3:DeleteObjectVersion``); browser POST uploads and S3 Select are not distinguished; the
Allow statements are evaluated but never needed; callers of other accounts get the detailed
message too (S3 tells them only "Access Denied"); ``aws:SecureTransport`` is always true, so
a plain-HTTP client is never refused by a TLS-only statement here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from emulator_backends import account_of_access_key, built_partitions
from emulator_policy_evaluation import Caller, Decision, Request, UnsupportedPolicyError, evaluate

ANONYMOUS = Caller(arn=None, account=None, kind="anonymous")

# Sub-resources of a bucket request: (GET, PUT, DELETE) permission; "" where the method does
# not exist for it.
_BUCKET_SUBRESOURCES: Mapping[str, tuple[str, str, str]] = {
    "accelerate": ("GetAccelerateConfiguration", "PutAccelerateConfiguration", ""),
    "acl": ("GetBucketAcl", "PutBucketAcl", ""),
    "analytics": (
        "GetAnalyticsConfiguration",
        "PutAnalyticsConfiguration",
        "PutAnalyticsConfiguration",
    ),
    "cors": ("GetBucketCORS", "PutBucketCORS", "PutBucketCORS"),
    "encryption": (
        "GetEncryptionConfiguration",
        "PutEncryptionConfiguration",
        "PutEncryptionConfiguration",
    ),
    "intelligent-tiering": (
        "GetIntelligentTieringConfiguration",
        "PutIntelligentTieringConfiguration",
        "PutIntelligentTieringConfiguration",
    ),
    "inventory": (
        "GetInventoryConfiguration",
        "PutInventoryConfiguration",
        "PutInventoryConfiguration",
    ),
    "lifecycle": (
        "GetLifecycleConfiguration",
        "PutLifecycleConfiguration",
        "PutLifecycleConfiguration",
    ),
    "location": ("GetBucketLocation", "", ""),
    "logging": ("GetBucketLogging", "PutBucketLogging", ""),
    "metrics": ("GetMetricsConfiguration", "PutMetricsConfiguration", "PutMetricsConfiguration"),
    "notification": ("GetBucketNotification", "PutBucketNotification", ""),
    "object-lock": ("GetBucketObjectLockConfiguration", "PutBucketObjectLockConfiguration", ""),
    "ownershipControls": (
        "GetBucketOwnershipControls",
        "PutBucketOwnershipControls",
        "PutBucketOwnershipControls",
    ),
    "policy": ("GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"),
    "policyStatus": ("GetBucketPolicyStatus", "", ""),
    "publicAccessBlock": (
        "GetBucketPublicAccessBlock",
        "PutBucketPublicAccessBlock",
        "PutBucketPublicAccessBlock",
    ),
    "replication": (
        "GetReplicationConfiguration",
        "PutReplicationConfiguration",
        "PutReplicationConfiguration",
    ),
    "requestPayment": ("GetBucketRequestPayment", "PutBucketRequestPayment", ""),
    "tagging": ("GetBucketTagging", "PutBucketTagging", "PutBucketTagging"),
    "uploads": ("ListBucketMultipartUploads", "", ""),
    "versioning": ("GetBucketVersioning", "PutBucketVersioning", ""),
    "versions": ("ListBucketVersions", "", ""),
    "website": ("GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite"),
}
_BUCKET_DEFAULT = {
    "GET": "ListBucket",
    "HEAD": "ListBucket",
    "PUT": "CreateBucket",
    "DELETE": "DeleteBucket",
}
_POLICY_ACTIONS = frozenset({"s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"})


def bucket_action(method: str, query: Mapping[str, Any]) -> str | None:
    """The permission a request on the bucket itself needs, or None (DeleteObjects, whose keys
    are checked one by one, and methods S3 does not have)."""
    for name, (get, put, delete) in _BUCKET_SUBRESOURCES.items():
        if name in query:
            action = {"GET": get, "HEAD": get, "PUT": put, "DELETE": delete}.get(method, "")
            return f"s3:{action}" if action else None
    if method == "POST":
        return None
    default = _BUCKET_DEFAULT.get(method)
    return f"s3:{default}" if default else None


def object_action(method: str, query: Mapping[str, Any]) -> str | None:
    """The permission a request on an object needs (None for methods S3 does not have)."""
    versioned = "versionId" in query
    if method in ("GET", "HEAD"):
        if "uploadId" in query:
            return "s3:ListMultipartUploadParts"
        for name, plain, version in (
            ("acl", "GetObjectAcl", "GetObjectVersionAcl"),
            ("tagging", "GetObjectTagging", "GetObjectVersionTagging"),
            ("attributes", "GetObjectAttributes", "GetObjectVersionAttributes"),
            ("legal-hold", "GetObjectLegalHold", "GetObjectLegalHold"),
            ("retention", "GetObjectRetention", "GetObjectRetention"),
            ("torrent", "GetObjectTorrent", "GetObjectVersionTorrent"),
        ):
            if name in query:
                return f"s3:{version if versioned else plain}"
        return "s3:GetObjectVersion" if versioned else "s3:GetObject"
    if method == "PUT":
        for name, plain, version in (
            ("acl", "PutObjectAcl", "PutObjectVersionAcl"),
            ("tagging", "PutObjectTagging", "PutObjectVersionTagging"),
            ("legal-hold", "PutObjectLegalHold", "PutObjectLegalHold"),
            ("retention", "PutObjectRetention", "PutObjectRetention"),
        ):
            if name in query:
                return f"s3:{version if versioned else plain}"
        return "s3:PutObject"  # PutObject, CopyObject, UploadPart, UploadPartCopy
    if method == "DELETE":
        if "uploadId" in query:
            return "s3:AbortMultipartUpload"
        if "tagging" in query:
            return "s3:DeleteObjectVersionTagging" if versioned else "s3:DeleteObjectTagging"
        return "s3:DeleteObjectVersion" if versioned else "s3:DeleteObject"
    if method == "POST":
        if "restore" in query:
            return "s3:RestoreObject"
        if "select" in query:
            return "s3:GetObject"
        return "s3:PutObject"  # CreateMultipartUpload, CompleteMultipartUpload
    return None


def request_context(
    method: str, query: Mapping[str, Any], headers: Mapping[str, str], owner: str
) -> dict[str, str]:
    """The S3 condition keys a request supplies (``query`` values as parse_qs gives them)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    context = {"aws:SecureTransport": "true", "s3:ResourceAccount": owner}
    for header in (
        "x-amz-server-side-encryption",
        "x-amz-server-side-encryption-aws-kms-key-id",
        "x-amz-acl",
    ):
        if header in lowered and method in ("PUT", "POST"):
            context[f"s3:{header}"] = lowered[header]
    for parameter, key in (
        ("versionId", "s3:VersionId"),
        ("prefix", "s3:prefix"),
        ("delimiter", "s3:delimiter"),
        ("max-keys", "s3:max-keys"),
    ):
        if parameter in query:
            value = query[parameter]
            context[key] = value[0] if isinstance(value, list) else str(value)
    return context


def copy_source(headers: Mapping[str, str]) -> tuple[str, str, str | None] | None:
    """Bucket, key and version of an ``x-amz-copy-source`` header, if any."""
    lowered = {name.lower(): value for name, value in headers.items()}
    source = lowered.get("x-amz-copy-source")
    if not source:
        return None
    parsed = urlparse(source)
    path = unquote(parsed.path).lstrip("/")
    bucket, _, key = path.partition("/")
    version = parse_qs(parsed.query).get("versionId", [None])[0]
    return (bucket, key, version) if bucket and key else None


def denial_message(request: Request) -> str:
    """AWS's wording for an explicit deny in a resource-based policy."""
    who = request.caller.session_arn or request.caller.arn or "anonymous"
    return (
        f"User: {who} is not authorized to perform: {request.action} on resource: "
        f'"{request.resource}" with an explicit deny in a resource-based policy'
    )


def decide(policy_text: str | None, request: Request, owner: str) -> Decision:
    """The bucket policy's verdict; the owner's root user always manages the policy."""
    if policy_text is None:
        return Decision(denied_by=None)
    if request.action in _POLICY_ACTIONS and request.caller.arn == f"arn:aws:iam::{owner}:root":
        return Decision(denied_by=None)
    return evaluate(json.loads(policy_text), request)


# --- I/O: moto's backends and the hooks ----------------------------------------------------


class PolicyDeniedError(Exception):
    """A bucket policy denied the request (answered 403 by the patched dispatchers)."""

    def __init__(self, message: str, head: bool) -> None:
        super().__init__(message)
        self.head = head


class PolicyUnsupportedError(Exception):
    """A bucket policy uses what the emulator does not model (answered 501)."""


@dataclass
class _DeleteObjects:
    caller: Caller
    context: dict[str, str]
    owner: str


_current = threading.local()


def caller_for(access_key: str | None) -> Caller:
    """The caller behind an access key, as moto issued it."""
    if not access_key:
        return ANONYMOUS
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    account = account_of_access_key(access_key)
    # Only backends already built can know the key: building the others costs seconds.
    for partition in built_partitions(sts_backends, account):
        assumed = sts_backends[account][partition].get_assumed_role_from_access_key(access_key)
        if assumed is not None:
            return Caller(assumed.role_arn, assumed.account_id, "AssumedRole", assumed.arn)
    for partition in built_partitions(iam_backends, account):
        user = iam_backends[account][partition].get_user_from_access_key_id(access_key)
        if user is not None:
            return Caller(user.arn, user.account_id, "User")
    return Caller(f"arn:aws:iam::{account}:root", account, "Account")


def _query(response: Any) -> dict[str, list[str]]:
    # moto's own querystring falls back to the headers when the URL has none.
    return parse_qs(urlparse(response.uri).query, keep_blank_values=True)


def _access_key(response: Any) -> str | None:
    authorization = response.headers.get("Authorization", "")
    if "Credential=" in authorization:
        return str(authorization.split("Credential=", 1)[1].split("/", 1)[0].strip())
    query = _query(response)
    credential = query.get("X-Amz-Credential") or query.get("AWSAccessKeyId")
    if credential:
        return str(credential[0].split("/", 1)[0])
    return None


def _bucket(response: Any, name: str) -> Any:
    from moto.s3.exceptions import S3ClientError
    from moto.s3.models import s3_backends

    try:
        return s3_backends[response.current_account][response.partition].get_bucket(name)
    except S3ClientError:
        return None


def _check(bucket: Any, request: Request, *, head: bool) -> None:
    policy = bucket.policy.decode() if bucket.policy else None
    try:
        decision = decide(policy, request, bucket.account_id)
    except UnsupportedPolicyError as error:
        raise PolicyUnsupportedError(f"bucket {bucket.name}: {error}") from None
    if decision.denied:
        raise PolicyDeniedError(denial_message(request), head)


def authorize(response: Any, bucket_name: str | None, key_name: str | None) -> None:
    """Evaluate the bucket policy for the request ``response`` (an S3Response) is serving."""
    if not bucket_name:
        return
    bucket = _bucket(response, bucket_name)
    if bucket is None:
        return
    method = response.method.upper()
    query = _query(response)
    caller = caller_for(_access_key(response))
    context = request_context(method, query, dict(response.headers), bucket.account_id)
    arn = f"arn:{bucket.partition}:s3:::{bucket_name}"
    if key_name:
        action = object_action(method, query)
        resource = f"{arn}/{key_name}"
    else:
        if method == "POST" and "delete" in query:
            _current.delete_objects = _DeleteObjects(caller, context, bucket.account_id)
            return
        action = bucket_action(method, query)
        resource = arn
    if action is None:
        return
    _check(bucket, Request(caller, action, resource, context), head=method == "HEAD")
    source = copy_source(dict(response.headers)) if method == "PUT" and key_name else None
    if source is not None:
        source_bucket = _bucket(response, source[0])
        if source_bucket is not None:
            source_action = "s3:GetObjectVersion" if source[2] else "s3:GetObject"
            source_arn = f"arn:{source_bucket.partition}:s3:::{source[0]}/{source[1]}"
            source_context = {**context, "s3:ResourceAccount": source_bucket.account_id}
            source_request = Request(caller, source_action, source_arn, source_context)
            _check(source_bucket, source_request, head=False)


def _error_xml(code: str, message: str) -> str:
    from xml.sax.saxutils import escape

    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
    )


def install() -> None:
    """Replace moto's bucket-policy check with this evaluation."""
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket
    from moto.s3.responses import S3Response

    authorize_action = S3Response._authenticate_and_authorize_s3_action

    def authenticate_and_authorize(
        self: Any, bucket_name: str | None = None, key_name: str | None = None
    ) -> None:
        authorize_action(self, bucket_name=bucket_name, key_name=key_name)
        authorize(self, bucket_name, key_name)

    delete_keys = S3Response._bucket_response_delete_keys

    def bucket_response_delete_keys(self: Any, bucket_name: str, authenticated: bool = True) -> Any:
        try:
            return delete_keys(self, bucket_name, authenticated)
        finally:
            _current.delete_objects = None

    def get_permission(bucket: Any, action: str, resource: str) -> Any:
        # moto asks this for each key of DeleteObjects (and before every object request,
        # which authorize() has covered already).
        pending: _DeleteObjects | None = getattr(_current, "delete_objects", None)
        if pending is None or action != "s3:DeleteObject" or bucket.policy is None:
            return PermissionResult.NEUTRAL
        request = Request(pending.caller, action, resource, pending.context)
        try:
            denied = decide(bucket.policy.decode(), request, pending.owner).denied
        except UnsupportedPolicyError:
            denied = True  # refused loudly by authorize() for every other request
        return PermissionResult.DENIED if denied else PermissionResult.NEUTRAL

    def answering_denials(dispatch: Any) -> Any:
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            _current.delete_objects = None
            try:
                return dispatch(self, *args, **kwargs)
            except PolicyDeniedError as denied:
                headers = {"content-type": "application/xml"}
                body = "" if denied.head else _error_xml("AccessDenied", str(denied))
                return 403, headers, body
            except PolicyUnsupportedError as error:
                return (
                    501,
                    {"content-type": "application/xml"},
                    _error_xml("NotImplemented", str(error)),
                )

        return wrapper

    response_class: Any = S3Response
    response_class._authenticate_and_authorize_s3_action = authenticate_and_authorize
    response_class._bucket_response_delete_keys = bucket_response_delete_keys
    response_class.bucket_response = answering_denials(S3Response.bucket_response)
    response_class.key_response = answering_denials(S3Response.key_response)
    FakeBucket.get_permission = get_permission  # type: ignore[method-assign,assignment]
