"""The plan store against the moto server: round trips, encryption, ordering, tampering, and a
plan applied once."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from slipway.terraform.plan import Counts
from slipway.terraform.plan_integrity import (
    PlanAppliedError,
    PlanMetadata,
    PlanMismatchError,
    PlanMissingError,
    PlanStoreError,
    RunBinding,
)
from slipway.terraform.plan_keys import PlanRef, file_sha256
from slipway.terraform.plan_store import PlanStore, SavedPlan, StoredPlan

pytestmark = pytest.mark.integration

BUCKET = "acme-plans"
REPOSITORY = "acme/shop"
ENVIRONMENT = "prod"
DIRECTORY = "infra/live/prod"
SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER_SHA = "fedcba9876543210fedcba9876543210fedcba98"
FILES = ("plan.tfplan", "plan.json", "plan.txt", "metadata.json")


class RecordingClient:
    """An S3 client that records every call (method and key) before making it."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: list[tuple[str, str | None]] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, kwargs.get("Key")))
            return attribute(*args, **kwargs)

        return call


@pytest.fixture
def s3(aws: str) -> Any:
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def plan_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    source = tmp_path / "source"
    source.mkdir()
    plan_file = source / "tfplan"
    # Binary, not valid UTF-8, larger than one read chunk.
    plan_file.write_bytes(b"PK\x03\x04\xff\xfe" + os.urandom(1_500_000))
    plan_json = source / "plan.json"
    plan_json.write_text('{"format_version": "1.2", "resource_changes": []}\n')
    plan_text = source / "plan.txt"
    plan_text.write_text("Plan: 1 to add, 0 to change, 0 to destroy.\n")
    return plan_file, plan_json, plan_text


def _metadata(plan_file: Path, **changes: Any) -> PlanMetadata:
    values: dict[str, Any] = {
        "repository": REPOSITORY,
        "environment": ENVIRONMENT,
        "directory": DIRECTORY,
        "commit_sha": SHA,
        "engine": "terraform",
        "engine_version": "1.15.5",
        "plan_sha256": file_sha256(plan_file),
        "created_at": "2025-01-31T12:00:00Z",
        "counts": Counts(add=1),
        "has_changes": True,
        "run_id": "4242",
        "run_attempt": 1,
        "backend": "s3:bucket=tf-state,key=prod/app.tfstate",
        "source": "default-branch",
        "event": "push",
        "ref": "refs/heads/main",
    }
    values.update(changes)
    return PlanMetadata(**values)


BINDING = RunBinding(
    repository=REPOSITORY,
    environment=ENVIRONMENT,
    directory=DIRECTORY,
    commit_sha=SHA,
    source="default-branch",
    run_id="4242",
    run_attempt=1,
    event="push",
    ref="refs/heads/main",
    backend="s3:bucket=tf-state,key=prod/app.tfstate",
)


def _keys(s3: Any) -> list[str]:
    response = s3.list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in response.get("Contents", []))


def _load(store: PlanStore, saved: SavedPlan, dest: Path, digest: str | None = None) -> StoredPlan:
    return store.load(saved.ref, digest or saved.digest, BINDING, dest)


def test_save_then_load_round_trip(
    s3: Any, plan_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    store = PlanStore(s3, BUCKET)
    metadata = _metadata(plan_files[0])
    saved = store.save(metadata, *plan_files)

    location = store.location(metadata.ref_name)
    assert saved.ref == metadata.ref_name
    assert saved.uri == f"s3://{BUCKET}/{location.prefix}"
    assert location.prefix.endswith(
        f"/prod/default-branch/{SHA}/{location.prefix.split('/')[-3]}/{metadata.plan_id}/"
    )
    assert _keys(s3) == sorted(location.prefix + name for name in FILES)
    stored_metadata = s3.get_object(Bucket=BUCKET, Key=location.key("metadata.json"))["Body"].read()
    assert saved.digest == hashlib.sha256(stored_metadata).hexdigest()

    stored = _load(store, saved, tmp_path / "out")
    for downloaded, original in zip(
        (stored.plan_file, stored.plan_json, stored.plan_text), plan_files, strict=True
    ):
        assert downloaded.read_bytes() == original.read_bytes()
        assert downloaded.parent == tmp_path / "out"
    assert stored.plan_file.name == "plan.tfplan"
    assert stored.uri == saved.uri
    expected = _metadata(
        plan_files[0],
        plan_json_sha256=file_sha256(plan_files[1]),
        plan_text_sha256=file_sha256(plan_files[2]),
    )
    assert stored.metadata == expected
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "plan.json",
        "plan.tfplan",
        "plan.txt",
    ]


def test_objects_are_encrypted_with_sse_s3(s3: Any, plan_files: tuple[Path, Path, Path]) -> None:
    store = PlanStore(s3, BUCKET)
    saved = store.save(_metadata(plan_files[0]), *plan_files)
    prefix = store.location(saved.ref).prefix
    types = {}
    for name in FILES:
        head = s3.head_object(Bucket=BUCKET, Key=prefix + name)
        assert head["ServerSideEncryption"] == "AES256", name
        types[name] = head["ContentType"]
    assert types == {
        "plan.tfplan": "application/octet-stream",
        "plan.json": "application/json",
        "plan.txt": "text/plain; charset=utf-8",
        "metadata.json": "application/json",
    }


def test_objects_are_encrypted_with_the_kms_key(
    s3: Any, plan_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    key_id = boto3.client("kms").create_key()["KeyMetadata"]["KeyId"]
    store = PlanStore(s3, BUCKET, prefix="custom/plans", kms_key_id=key_id)
    saved = store.save(_metadata(plan_files[0]), *plan_files)
    prefix = store.location(saved.ref).prefix
    assert prefix.startswith("custom/plans/acme/shop/prod/default-branch/")
    for name in FILES:
        head = s3.head_object(Bucket=BUCKET, Key=prefix + name)
        assert head["ServerSideEncryption"] == "aws:kms", name
        assert head["SSEKMSKeyId"].endswith(key_id), name
    assert (
        _load(store, saved, tmp_path / "out").plan_file.read_bytes() == plan_files[0].read_bytes()
    )


def test_a_plan_that_is_not_there_is_missing(
    s3: Any, plan_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    store = PlanStore(s3, BUCKET)
    saved = store.save(_metadata(plan_files[0]), *plan_files)
    other = PlanRef(REPOSITORY, ENVIRONMENT, "pull-requests", DIRECTORY, SHA, saved.plan_id)
    with pytest.raises(PlanMissingError) as caught:
        store.load(other, saved.digest, BINDING, tmp_path / "out")
    message = str(caught.value)
    assert store.location(other).uri() in message
    assert f"run tf-plan for commit {SHA} and environment 'prod'" in message
    assert "\n" not in message
    assert caught.value.failure_reason == "plan-missing"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["plan.tfplan", "plan.json", "plan.txt"])
def test_tampered_file_is_refused(
    s3: Any, plan_files: tuple[Path, Path, Path], tmp_path: Path, name: str
) -> None:
    store = PlanStore(s3, BUCKET)
    saved = store.save(_metadata(plan_files[0]), *plan_files)
    prefix = store.location(saved.ref).prefix
    s3.put_object(Bucket=BUCKET, Key=prefix + name, Body=b"something else")
    with pytest.raises(PlanMismatchError) as caught:
        _load(store, saved, tmp_path / "out")
    message = str(caught.value)
    assert message.startswith(f"{name} at s3://{BUCKET}/{prefix}{name} does not match")
    actual = hashlib.sha256(b"something else").hexdigest()[:12]
    assert f"got {actual}…" in message
    assert caught.value.failure_reason == "plan-mismatch"
    # Nothing unverified is left behind under the file's name (or as a partial download).
    assert not (tmp_path / "out" / name).exists()
    assert not (tmp_path / "out" / (name + ".part")).exists()


def test_a_writer_who_replaces_the_files_and_the_metadata_is_still_refused(
    s3: Any, plan_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """The digest the run handed on, not the bucket, says which plan is applied."""
    store = PlanStore(s3, BUCKET)
    saved = store.save(_metadata(plan_files[0]), *plan_files)
    prefix = store.location(saved.ref).prefix
    planted = tmp_path / "planted.tfplan"
    planted.write_bytes(b"a plan with a provisioner")
    # The writer puts its own plan and metadata describing it under the reviewed plan's key.
    document = _metadata(planted).to_json()
    s3.put_object(Bucket=BUCKET, Key=prefix + "plan.tfplan", Body=planted.read_bytes())
    s3.put_object(Bucket=BUCKET, Key=prefix + "metadata.json", Body=document.encode())
    with pytest.raises(PlanMismatchError) as caught:
        _load(store, saved, tmp_path / "out")
    assert str(caught.value).startswith(
        f"metadata.json at s3://{BUCKET}/{prefix}metadata.json does not match: expected sha256 "
        f"{saved.digest[:12]}…"
    )
    assert not (tmp_path / "out").exists()


def test_a_plan_of_another_run_is_refused(
    s3: Any, plan_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    store = PlanStore(s3, BUCKET)
    saved = store.save(_metadata(plan_files[0], run_id="4000"), *plan_files)
    with pytest.raises(PlanMismatchError, match="made for run '4000', not '4242'"):
        _load(store, saved, tmp_path / "out")


def test_corrupt_metadata_is_refused(
    s3: Any, plan_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    store = PlanStore(s3, BUCKET)
    saved = store.save(_metadata(plan_files[0]), *plan_files)
    prefix = store.location(saved.ref).prefix
    s3.put_object(Bucket=BUCKET, Key=prefix + "metadata.json", Body=b"{}")
    with pytest.raises(PlanMismatchError, match="is not valid plan metadata"):
        _load(store, saved, tmp_path / "out", digest=hashlib.sha256(b"{}").hexdigest())


def test_metadata_is_written_last(s3: Any, plan_files: tuple[Path, Path, Path]) -> None:
    recording = RecordingClient(s3)
    store = PlanStore(recording, BUCKET)
    saved = store.save(_metadata(plan_files[0]), *plan_files)
    prefix = store.location(saved.ref).prefix
    assert recording.calls == [
        ("put_object", prefix + "plan.tfplan"),
        ("put_object", prefix + "plan.json"),
        ("put_object", prefix + "plan.txt"),
        ("put_object", prefix + "metadata.json"),
    ]


def test_save_refuses_a_plan_file_that_does_not_match(
    s3: Any, plan_files: tuple[Path, Path, Path]
) -> None:
    recording = RecordingClient(s3)
    store = PlanStore(recording, BUCKET)
    metadata = _metadata(plan_files[0], plan_sha256=hashlib.sha256(b"other plan").hexdigest())
    with pytest.raises(PlanMismatchError) as caught:
        store.save(metadata, *plan_files)
    assert str(caught.value).startswith(f"plan.tfplan at {plan_files[0]} does not match")
    assert recording.calls == []
    assert _keys(s3) == []


def test_a_failed_upload_leaves_no_metadata(
    s3: Any, plan_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """If an upload fails part way, readers see no plan rather than half of one."""

    class FailingClient(RecordingClient):
        def __getattr__(self, name: str) -> Any:
            method: Callable[..., Any] = super().__getattr__(name)

            def call(*args: Any, **kwargs: Any) -> Any:
                if str(kwargs.get("Key", "")).endswith("plan.txt"):
                    raise ClientError(
                        {"Error": {"Code": "AccessDenied", "Message": "Access Denied"}},
                        "PutObject",
                    )
                return method(*args, **kwargs)

            return call

    metadata = _metadata(plan_files[0])
    store = PlanStore(FailingClient(s3), BUCKET)
    with pytest.raises(PlanStoreError, match=r"cannot write s3://.*/plan\.txt: AccessDenied"):
        store.save(metadata, *plan_files)
    assert not any(key.endswith("metadata.json") for key in _keys(s3))
    with pytest.raises(PlanMissingError):
        PlanStore(s3, BUCKET).load(metadata.ref_name, "0" * 64, BINDING, tmp_path / "out")


def test_a_plan_is_applied_once(s3: Any, plan_files: tuple[Path, Path, Path]) -> None:
    store = PlanStore(s3, BUCKET)
    saved = store.save(_metadata(plan_files[0]), *plan_files)
    assert store.applied(saved.ref) is None
    store.check_not_applied(saved.ref)
    store.mark_applied(
        saved.ref, {"applied_at": "2025-01-31T12:05:00Z", "run_id": "4242", "run_attempt": 1}
    )
    with pytest.raises(PlanAppliedError) as caught:
        store.check_not_applied(saved.ref)
    assert str(caught.value) == (
        f"plan {saved.plan_id} was applied 2025-01-31T12:05:00Z by run 4242 (attempt 1); a "
        "plan is applied once: plan again for further changes"
    )
    # An unreadable record still counts as applied.
    prefix = store.location(saved.ref).prefix
    s3.put_object(Bucket=BUCKET, Key=prefix + "applied.json", Body=b"garbage")
    with pytest.raises(PlanAppliedError):
        store.check_not_applied(saved.ref)
