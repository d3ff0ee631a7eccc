"""Where a plan lives in the plan store, and the validation of every part of its name.

Each plan has its own key prefix, named by its plan id (which carries the start of the plan
file's SHA-256), so a second plan for the same commit never lands on the first::

    <prefix>/<owner>/<repo>/<environment>/<source>/<commit_sha>/<directory-slug>/<plan-id>/
        plan.tfplan     the binary plan file (what ``terraform apply`` runs)
        plan.json       ``terraform show -json`` of it
        plan.txt        the human-readable plan the reviewers saw
        metadata.json   the binding (see plan_integrity), with the SHA-256 of each file
        applied.json    written after a successful apply (a plan is applied once)

``<source>`` keeps the plans of the default branch (``default-branch``) apart from those of
pull requests and every other ref (``pull-requests``): the only ones an apply on the default
branch accepts, and a prefix a bucket policy and a lifecycle rule can treat on its own.

Everything here is pure.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

DEFAULT_PREFIX = "slipway/plans"

PLAN_FILE = "plan.tfplan"
PLAN_JSON = "plan.json"
PLAN_TEXT = "plan.txt"
METADATA = "metadata.json"
APPLIED = "applied.json"

PlanSource = Literal["pull-requests", "default-branch"]
SOURCES: tuple[PlanSource, ...] = ("pull-requests", "default-branch")

_ENVIRONMENT = re.compile(r"[A-Za-z0-9._-]{1,64}", re.ASCII)
_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})", re.ASCII)
_REPO_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}", re.ASCII)
_SHA1 = re.compile(r"[0-9a-fA-F]{40}", re.ASCII)
_SHA256 = re.compile(r"[0-9a-f]{64}", re.ASCII)
_WORKSPACE = re.compile(r"[A-Za-z0-9._-]{1,90}", re.ASCII)
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", re.ASCII)
_PREFIX_PART = re.compile(r"[A-Za-z0-9!_.*'()-]+", re.ASCII)
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+", re.ASCII)
_PLAN_ID = re.compile(
    r"(?P<environment>[A-Za-z0-9._-]{1,64})-(?P<commit>[0-9a-f]{12})-(?P<plan>[0-9a-f]{12})"
)
_MAX_SHOWN = 80
_SLUG_HASH_CHARS = 12
_SLUG_MAX_READABLE = 80
_CHUNK = 1 << 20

# Backend settings that never hold a secret; anything else is left out of the fingerprint.
_BACKEND_SAFE_KEYS = (
    "bucket",
    "key",
    "workspace_key_prefix",
    "region",
    "prefix",
    "path",
    "storage_account_name",
    "container_name",
    "organization",
    "hostname",
)


# --------------------------------------------------------------------------- errors


class PlanInputError(ValueError):
    """A value naming a plan (environment, repository, commit, ...) is not valid."""

    def __init__(self, name: str, expected: str, found: object) -> None:
        self.name = name
        got = _quote(str(found)) if found not in ("", None) else "nothing"
        super().__init__(f"input '{name}': expected {expected}, got {got}")


def _quote(text: str) -> str:
    if len(text) > _MAX_SHOWN:
        text = text[:_MAX_SHOWN] + "…"
    return repr(text)


# --------------------------------------------------------------------------- validation


def validate_environment(environment: str) -> str:
    """``environment`` unchanged, or :class:`PlanInputError` naming the input."""
    if not _ENVIRONMENT.fullmatch(environment) or environment in (".", ".."):
        raise PlanInputError(
            "environment", "1-64 letters, digits, '.', '_' or '-' (e.g. 'prod')", environment
        )
    return environment


def validate_repository(repository: str) -> str:
    """``owner/name`` unchanged, or :class:`PlanInputError` naming the input."""
    owner, slash, name = repository.partition("/")
    if (
        not slash
        or not _OWNER.fullmatch(owner)
        or not _REPO_NAME.fullmatch(name)
        or name in (".", "..")
    ):
        raise PlanInputError("repository", "'owner/name' (e.g. 'acme/shop')", repository)
    return repository


def validate_commit_sha(commit_sha: str) -> str:
    """The full 40-character commit SHA in lower case, or :class:`PlanInputError`."""
    if not _SHA1.fullmatch(commit_sha):
        raise PlanInputError("commit_sha", "a full 40-character hexadecimal commit SHA", commit_sha)
    return commit_sha.lower()


def validate_sha256(name: str, digest: str) -> str:
    """A SHA-256 hex digest in lower case, or :class:`PlanInputError` naming ``name``."""
    if not _SHA256.fullmatch(digest.lower()):
        raise PlanInputError(name, "a 64-character hexadecimal SHA-256 digest", digest)
    return digest.lower()


def normalise_directory(directory: str) -> str:
    """A working directory relative to the repository root: ``./infra/prod/`` -> ``infra/prod``.

    The root is ``.``. Absolute paths, ``..`` and backslashes are refused: the directory must
    name the same place on every machine.
    """
    expected = "a directory relative to the repository root (e.g. 'infra/prod' or '.')"
    if "\\" in directory or directory.startswith("/") or not directory.isprintable():
        raise PlanInputError("directory", expected, directory)
    parts = [part for part in directory.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        raise PlanInputError("directory", expected + " without '..'", directory)
    return "/".join(parts) or "."


def directory_slug(directory: str) -> str:
    """A key-safe, readable name for a directory that no other directory shares.

    ``infra/live/prod`` -> ``infra--live--prod-<12 hex>``; the suffix is the start of the
    SHA-256 of the normalised path, so ``a--b`` and ``a/b`` differ. The root is ``root``
    (every other slug ends with the suffix, so nothing else can be ``root``).
    """
    normalised = normalise_directory(directory)
    if normalised == ".":
        return "root"
    readable = "--".join(_SLUG_UNSAFE.sub("_", part) for part in normalised.split("/"))
    readable = readable[:_SLUG_MAX_READABLE].strip(".") or "dir"
    suffix = hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:_SLUG_HASH_CHARS]
    return f"{readable}-{suffix}"


def validate_workspace(workspace: str) -> str:
    if not _WORKSPACE.fullmatch(workspace):
        raise PlanInputError(
            "workspace", "a Terraform workspace name (letters, digits, '.', '_', '-')", workspace
        )
    return workspace


def validate_bucket(bucket: str) -> str:
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise PlanInputError("bucket", "an S3 bucket name (3-63 of a-z, 0-9, '.', '-')", bucket)
    return bucket


def normalise_prefix(prefix: str) -> str:
    """The key prefix without surrounding slashes; '' puts plans at the bucket's top level."""
    parts = [part for part in prefix.strip("/").split("/") if part]
    if any(part in (".", "..") or not _PREFIX_PART.fullmatch(part) for part in parts):
        raise PlanInputError(
            "prefix", "an S3 key prefix of letters, digits and !_.*'()- parts", prefix
        )
    return "/".join(parts)


def validate_source(source: str) -> PlanSource:
    for known in SOURCES:
        if source == known:
            return known
    raise PlanInputError("source", "'pull-requests' or 'default-branch'", source)


def plan_source(ref: str, default_branch: str | None) -> PlanSource:
    """``default-branch`` for a run on the repository's default branch, ``pull-requests``
    for everything else (pull requests, other branches, tags, or an unknown default)."""
    if default_branch and ref == f"refs/heads/{default_branch}":
        return "default-branch"
    return "pull-requests"


def validate_plan_id(plan_id: str, environment: str | None = None) -> str:
    """``<environment>-<commit_sha[:12]>-<plan_sha256[:12]>``, or :class:`PlanInputError`."""
    match = _PLAN_ID.fullmatch(plan_id)
    if match is None or (environment is not None and match["environment"] != environment):
        expected = f"'{environment or '<environment>'}-<12 hex>-<12 hex>', as tf-plan outputs it"
        raise PlanInputError("plan-id", expected, plan_id)
    return plan_id


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class PlanLocation:
    """Where one plan lives: a bucket and a key prefix ending in ``/``."""

    bucket: str
    prefix: str

    def key(self, name: str) -> str:
        return self.prefix + name

    def uri(self, name: str = "") -> str:
        return f"s3://{self.bucket}/{self.prefix}{name}"


@dataclass(frozen=True)
class PlanRef:
    """What names one stored plan; every part is validated and normalised on creation."""

    repository: str
    environment: str
    source: PlanSource
    directory: str
    commit_sha: str
    plan_id: str

    def __post_init__(self) -> None:
        validate_repository(self.repository)
        validate_environment(self.environment)
        object.__setattr__(self, "source", validate_source(self.source))
        object.__setattr__(self, "directory", normalise_directory(self.directory))
        object.__setattr__(self, "commit_sha", validate_commit_sha(self.commit_sha))
        validate_plan_id(self.plan_id, self.environment)
        if self.plan_id.split("-")[-2] != self.commit_sha[:12]:
            raise PlanInputError(
                "plan-id", f"a plan of commit {self.commit_sha[:12]}", self.plan_id
            )


def plan_key_prefix(prefix: str, ref: PlanRef) -> str:
    """``<prefix>/<owner>/<repo>/<environment>/<source>/<commit>/<directory-slug>/<plan-id>/``."""
    parts = [
        normalise_prefix(prefix),
        ref.repository,
        ref.environment,
        ref.source,
        ref.commit_sha,
        directory_slug(ref.directory),
        ref.plan_id,
    ]
    return "/".join(part for part in parts if part) + "/"


def plan_location(bucket: str, prefix: str, ref: PlanRef) -> PlanLocation:
    """The bucket and key prefix of one plan; every part is validated first."""
    return PlanLocation(validate_bucket(bucket), plan_key_prefix(prefix, ref))


def make_plan_id(environment: str, commit_sha: str, plan_sha256: str) -> str:
    """``<environment>-<commit_sha[:12]>-<plan_sha256[:12]>``: printable, unique per plan."""
    return f"{environment}-{commit_sha[:12]}-{plan_sha256[:12]}"


def utc_timestamp(moment: datetime | None = None) -> str:
    """``moment`` (default: now) as ISO 8601 UTC to the second: ``2025-01-31T12:00:00Z``."""
    moment = datetime.now(UTC) if moment is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def validate_timestamp(created_at: str) -> str:
    expected = "an ISO 8601 UTC timestamp (e.g. '2025-01-31T12:00:00Z')"
    try:
        parsed = datetime.fromisoformat(created_at)
    except ValueError:
        raise PlanInputError("created_at", expected, created_at) from None
    if parsed.utcoffset() != timedelta(0):
        raise PlanInputError("created_at", expected, created_at)
    return created_at


def backend_fingerprint(kind: str, config: Mapping[str, object]) -> str:
    """A short description of where the state lives, from non-secret settings only.

    ``("s3", {"bucket": "tf-state", "key": "prod/app.tfstate", "access_key": …})`` ->
    ``"s3:bucket=tf-state,key=prod/app.tfstate"``. Keys outside a fixed allow-list (access
    keys, tokens, passwords, ...) never reach the result.
    """
    safe = [
        f"{key}={config[key]}"
        for key in _BACKEND_SAFE_KEYS
        if key in config and config[key] not in (None, "")
    ]
    return f"{kind}:{','.join(safe)}" if safe else kind


def file_sha256(path: Path) -> str:
    """The SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
