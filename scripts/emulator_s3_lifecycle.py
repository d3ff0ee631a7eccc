"""S3 lifecycle rules on the local emulator keep ``NewerNoncurrentVersions``.

moto 5.2.5 stores a rule's ``NoncurrentVersionExpiration`` as its ``NoncurrentDays`` only and
drops ``NewerNoncurrentVersions``; the Terraform provider reads every lifecycle configuration
back after writing it and waits (three minutes, then fails) until it matches. This module
keeps the value with each rule and returns it from GetBucketLifecycleConfiguration, as the
S3 API reference describes the element
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_NoncurrentVersionExpiration.html):
an integer, at most 100, absent when the rule does not set it. A value outside 1-100 is
refused with InvalidArgument (the reference gives the range, not the error code).

What it does not model: lifecycle rules never run on the emulator (moto expires nothing, so
no version, plan or delete marker ever goes away there), and the other elements moto drops
(none that slipway's modules use).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def newer_noncurrent_versions(rules: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Rule id -> NewerNoncurrentVersions of NoncurrentVersionExpiration, for the rules that
    set it (values as the XML parser gives them: text)."""
    found: dict[str, int] = {}
    for rule in rules:
        expiration = rule.get("NoncurrentVersionExpiration") or {}
        value = (
            expiration.get("NewerNoncurrentVersions") if isinstance(expiration, Mapping) else None
        )
        if value is None:
            continue
        number = int(str(value))
        if not 1 <= number <= 100:
            raise ValueError(f"NewerNoncurrentVersions: expected 1-100, got {value}")
        found[str(rule.get("ID"))] = number
    return found


def with_newer_noncurrent_versions(
    result: Mapping[str, Any], kept: Mapping[str, int]
) -> dict[str, Any]:
    """A GetBucketLifecycleConfiguration result with the kept values put back."""
    rules = []
    for found in result.get("Rules", []):
        rule = dict(found)
        number = kept.get(str(rule.get("ID")))
        if number is not None and "NoncurrentVersionExpiration" in rule:
            rule["NoncurrentVersionExpiration"] = {
                **rule["NoncurrentVersionExpiration"],
                "NewerNoncurrentVersions": number,
            }
        rules.append(rule)
    return {**result, "Rules": rules}


def install() -> None:
    from moto.core.responses import ActionResult
    from moto.s3.exceptions import InvalidArgumentError
    from moto.s3.models import FakeBucket
    from moto.s3.responses import S3Response

    set_lifecycle = FakeBucket.set_lifecycle

    def keeping_set_lifecycle(bucket: Any, rules: list[dict[str, Any]]) -> None:
        try:
            kept = newer_noncurrent_versions(rules)
        except ValueError as error:
            raise InvalidArgumentError(str(error), "NewerNoncurrentVersions", "") from None
        set_lifecycle(bucket, rules)
        bucket.emulator_newer_noncurrent_versions = kept

    get_bucket_lifecycle = S3Response.get_bucket_lifecycle

    def returning_get_bucket_lifecycle(self: Any) -> Any:
        bucket = self.backend.get_bucket(self.bucket_name)
        kept = getattr(bucket, "emulator_newer_noncurrent_versions", {})
        serialized = self.serialized

        def serialize(result: ActionResult) -> Any:
            answer = result.result
            if kept and isinstance(answer, Mapping):
                result = ActionResult(with_newer_noncurrent_versions(answer, kept))
            return serialized(result)

        self.serialized = serialize
        try:
            return get_bucket_lifecycle(self)
        finally:
            del self.serialized

    FakeBucket.set_lifecycle = keeping_set_lifecycle  # type: ignore[method-assign,assignment]
    S3Response.get_bucket_lifecycle = returning_get_bucket_lifecycle  # type: ignore[method-assign]
