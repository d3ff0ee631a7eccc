"""The plan store's S3 shell: where ``tf-plan`` leaves a plan and ``tf-apply-gated`` finds
exactly that plan again.

The key layout is :mod:`slipway.terraform.plan_keys`; what binds a plan to its run, and the
checks an apply makes, are :mod:`slipway.terraform.plan_integrity`. This module only moves
bytes, and verifies each one it reads against the digest it was given: a reader re-checks
everything and refuses anything that does not match (fail closed). Nothing here logs, and no
credential is ever stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from slipway.terraform.plan_integrity import (
    PlanAppliedError,
    PlanMetadata,
    PlanMismatchError,
    PlanMissingError,
    PlanStoreError,
    RunBinding,
    check_binding,
    check_digest,
    metadata_digest,
)
from slipway.terraform.plan_keys import (
    APPLIED,
    DEFAULT_PREFIX,
    METADATA,
    PLAN_FILE,
    PLAN_JSON,
    PLAN_TEXT,
    PlanInputError,
    PlanLocation,
    PlanRef,
    normalise_prefix,
    plan_location,
    validate_bucket,
    validate_sha256,
)

_CONTENT_TYPES = {
    PLAN_FILE: "application/octet-stream",
    PLAN_JSON: "application/json",
    PLAN_TEXT: "text/plain; charset=utf-8",
    METADATA: "application/json",
    APPLIED: "application/json",
}
_CHUNK = 1 << 20
_STALE_HINT = "the stored plan was changed after tf-plan wrote it: nothing was applied"
_RUN_TF_PLAN = "run tf-plan again for this commit and environment"


@dataclass(frozen=True)
class SavedPlan:
    """What tf-plan hands on through the run: where the plan is and its digest."""

    ref: PlanRef
    digest: str  # SHA-256 of metadata.json as stored
    uri: str

    @property
    def plan_id(self) -> str:
        return self.ref.plan_id


@dataclass(frozen=True)
class StoredPlan:
    """A plan downloaded and verified by :meth:`PlanStore.load`."""

    metadata: PlanMetadata
    plan_file: Path
    plan_json: Path
    plan_text: Path
    uri: str


def _error_code(error: BaseException) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        return str(response.get("Error", {}).get("Code") or "")
    return ""


def _describe(error: BaseException) -> str:
    code = _error_code(error)
    if code:
        response = cast(Mapping[str, Any], getattr(error, "response", {}))
        message = " ".join(str(response.get("Error", {}).get("Message") or "").split())
        return f"{code}: {message}" if message else code
    return " ".join(str(error).split()) or type(error).__name__


def _aws_errors() -> tuple[type[BaseException], ...]:
    """botocore's errors (imported only once an exception is being matched)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def _chunks(read: Callable[[int], bytes]) -> Iterator[bytes]:
    while chunk := read(_CHUNK):
        yield chunk


_NOT_FOUND = frozenset({"NoSuchKey", "404", "NotFound"})


class PlanStore:
    """Plans in S3, each under its own key prefix (see plan_keys).

    ``s3_client`` is a boto3 S3 client. Every object is written with server-side
    encryption: SSE-S3 (``AES256``), or SSE-KMS with ``kms_key_id``. A binary plan file can
    hold sensitive values in clear (variables, provider data), so the bucket policy should
    restrict access to each environment's roles (modules/state-backend does).
    """

    def __init__(
        self,
        s3_client: Any,
        bucket: str,
        prefix: str = DEFAULT_PREFIX,
        kms_key_id: str | None = None,
    ) -> None:
        kms_key_id = (kms_key_id or "").strip() or None
        if kms_key_id is not None and (len(kms_key_id) > 2048 or not kms_key_id.isprintable()):
            raise PlanInputError("kms_key_id", "a KMS key id, ARN or alias", kms_key_id)
        self.s3 = s3_client
        self.bucket = validate_bucket(bucket)
        self.prefix = normalise_prefix(prefix)
        self.kms_key_id = kms_key_id

    def location(self, ref: PlanRef) -> PlanLocation:
        return plan_location(self.bucket, self.prefix, ref)

    def console_url(self, ref: PlanRef) -> str:
        """The S3 console page listing a plan's objects."""
        location = self.location(ref)
        region = getattr(getattr(self.s3, "meta", None), "region_name", None)
        query = f"prefix={quote(location.prefix, safe='')}"
        if isinstance(region, str) and region:
            query = f"region={quote(region, safe='')}&{query}"
        return f"https://s3.console.aws.amazon.com/s3/buckets/{location.bucket}?{query}"

    def _encryption(self) -> dict[str, str]:
        if self.kms_key_id:
            return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.kms_key_id}
        return {"ServerSideEncryption": "AES256"}

    def _put(self, location: PlanLocation, name: str, body: bytes) -> None:
        try:
            self.s3.put_object(
                Bucket=location.bucket,
                Key=location.key(name),
                Body=body,
                ContentType=_CONTENT_TYPES[name],
                **self._encryption(),
            )
        except _aws_errors() as error:
            raise PlanStoreError(
                f"cannot write {location.uri(name)}: {_describe(error)}"
            ) from error

    def save(
        self, metadata: PlanMetadata, plan_file: Path, plan_json: Path, plan_text: Path
    ) -> SavedPlan:
        """Upload a plan and its metadata; returns where it is and the digest that names it.

        The plan file must hash to ``metadata.plan_sha256``: nothing is uploaded otherwise.
        ``metadata.json`` goes last, with the digests of all three files, so a reader never
        finds metadata for a half-written plan.
        """
        location = self.location(metadata.ref_name)
        sources = {
            PLAN_FILE: Path(plan_file),
            PLAN_JSON: Path(plan_json),
            PLAN_TEXT: Path(plan_text),
        }
        # Each file is read once: the bytes hashed are the bytes uploaded.
        bodies = {name: path.read_bytes() for name, path in sources.items()}
        digests = {name: hashlib.sha256(body).hexdigest() for name, body in bodies.items()}
        for name, recorded in metadata.file_digests().items():
            if recorded:
                check_digest(
                    name,
                    recorded,
                    digests[name],
                    str(sources[name]),
                    "the file changed after it was hashed: run the plan step again",
                )
        complete = replace(
            metadata, plan_json_sha256=digests[PLAN_JSON], plan_text_sha256=digests[PLAN_TEXT]
        )
        for name, body in bodies.items():
            self._put(location, name, body)
        document = complete.to_json().encode("utf-8")
        self._put(location, METADATA, document)
        return SavedPlan(complete.ref_name, metadata_digest(document), location.uri())

    def load_metadata(self, ref: PlanRef, digest: str) -> PlanMetadata:
        """The metadata of ``ref``, if its bytes hash to ``digest`` (the run's own record)."""
        digest = validate_sha256("plan-digest", digest)
        location = self.location(ref)
        raw = self._get_metadata(location, ref)
        check_digest(
            METADATA,
            digest,
            metadata_digest(raw),
            location.uri(METADATA),
            "it is not the plan this run made (replaced in the bucket?): nothing was applied",
        )
        try:
            metadata = PlanMetadata.from_json(raw)
        except PlanInputError as error:
            raise PlanMismatchError(
                f"{location.uri(METADATA)} is not valid plan metadata ({error}): {_RUN_TF_PLAN}"
            ) from None
        if metadata.ref_name != ref:
            raise PlanMismatchError(
                f"{location.uri(METADATA)} describes plan {metadata.plan_id} of "
                f"{metadata.ref_name}, not {ref.plan_id}"
            )
        return metadata

    def load(self, ref: PlanRef, digest: str, binding: RunBinding | None, dest: Path) -> StoredPlan:
        """Download the plan ``ref`` into ``dest`` and verify it: its metadata must hash to
        ``digest``, be bound to ``binding`` (when given), and every file must match the
        metadata. A file that fails verification is not left in ``dest``.

        Raises :class:`PlanMissingError` when nothing is stored there and
        :class:`PlanMismatchError` for any difference.
        """
        metadata = self.load_metadata(ref, digest)
        if binding is not None:
            check_binding(metadata, binding)
        location = self.location(ref)
        dest = Path(dest)
        dest.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        for name, expected in metadata.file_digests().items():
            if not expected:
                raise PlanMismatchError(
                    f"{location.uri(METADATA)} records no sha256 for {name}: {_RUN_TF_PLAN}"
                )
            paths[name] = self._download(location, name, expected, dest / name)
        return StoredPlan(
            metadata=metadata,
            plan_file=paths[PLAN_FILE],
            plan_json=paths[PLAN_JSON],
            plan_text=paths[PLAN_TEXT],
            uri=location.uri(),
        )

    def load_json(self, ref: PlanRef, digest: str, dest: Path) -> tuple[PlanMetadata, Path]:
        """Only the metadata and the JSON plan of ``ref`` (to compare plans), verified."""
        metadata = self.load_metadata(ref, digest)
        location = self.location(ref)
        Path(dest).mkdir(parents=True, exist_ok=True)
        path = self._download(
            location, PLAN_JSON, metadata.plan_json_sha256, Path(dest) / PLAN_JSON
        )
        return metadata, path

    def applied(self, ref: PlanRef) -> dict[str, Any] | None:
        """The record an apply of ``ref`` left, or None when it was never applied."""
        location = self.location(ref)
        try:
            response = self.s3.get_object(Bucket=location.bucket, Key=location.key(APPLIED))
            raw = cast(bytes, response["Body"].read())
        except _aws_errors() as error:
            if _error_code(error) in _NOT_FOUND:
                return None
            raise PlanStoreError(
                f"cannot read {location.uri(APPLIED)}: {_describe(error)}"
            ) from error
        try:
            record = json.loads(raw)
        except ValueError:
            record = None
        # An unreadable record still says the plan was applied: never apply twice.
        return record if isinstance(record, dict) else {"record": "unreadable"}

    def check_not_applied(self, ref: PlanRef) -> None:
        record = self.applied(ref)
        if record is not None:
            when = record.get("applied_at", "earlier")
            run = record.get("run_id", "?")
            attempt = record.get("run_attempt", "?")
            raise PlanAppliedError(
                f"plan {ref.plan_id} was applied {when} by run {run} (attempt {attempt}); "
                "a plan is applied once: plan again for further changes"
            )

    def mark_applied(self, ref: PlanRef, record: Mapping[str, Any]) -> None:
        body = (json.dumps(dict(record), indent=2, sort_keys=True) + "\n").encode("utf-8")
        self._put(self.location(ref), APPLIED, body)

    def _get_metadata(self, location: PlanLocation, ref: PlanRef) -> bytes:
        try:
            response = self.s3.get_object(Bucket=location.bucket, Key=location.key(METADATA))
            return cast(bytes, response["Body"].read())
        except _aws_errors() as error:
            if _error_code(error) in _NOT_FOUND:
                raise PlanMissingError(
                    f"no plan {ref.plan_id} at {location.uri()} ({METADATA} not found): run "
                    f"tf-plan for commit {ref.commit_sha} and environment {ref.environment!r} "
                    "first"
                ) from None
            raise PlanStoreError(
                f"cannot read {location.uri(METADATA)}: {_describe(error)}"
            ) from error

    def _download(self, location: PlanLocation, name: str, expected: str, target: Path) -> Path:
        """Stream one object to ``target`` via a ``.part`` file kept only if it verifies."""
        partial = target.with_name(target.name + ".part")
        digest = hashlib.sha256()
        try:
            try:
                response = self.s3.get_object(Bucket=location.bucket, Key=location.key(name))
                with partial.open("wb") as handle:
                    for chunk in _chunks(response["Body"].read):
                        digest.update(chunk)
                        handle.write(chunk)
            except _aws_errors() as error:
                if _error_code(error) in _NOT_FOUND:
                    raise PlanMissingError(
                        f"{location.uri(name)} is missing although its metadata exists: "
                        f"{_RUN_TF_PLAN}"
                    ) from None
                raise PlanStoreError(
                    f"cannot read {location.uri(name)}: {_describe(error)}"
                ) from error
            check_digest(name, expected, digest.hexdigest(), location.uri(name), _STALE_HINT)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(target)
        return target
