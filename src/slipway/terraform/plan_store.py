"""The plan store: where ``tf-plan`` leaves a reviewed plan and ``tf-apply-gated`` finds it.

A plan is bound to the repository, environment, Terraform directory and commit it was made
for, and to the SHA-256 of its binary plan file. Each plan lives under its own key prefix::

    <prefix>/<owner>/<repo>/<environment>/<commit_sha>/<directory-slug>/
        plan.tfplan     the binary plan file (what ``terraform apply`` runs)
        plan.json       ``terraform show -json`` of it
        plan.txt        the human-readable plan the reviewers saw
        metadata.json   :class:`PlanMetadata`, with the SHA-256 of each of the three files

``metadata.json`` is written last, so a reader that finds it finds a complete plan; a reader
re-checks every digest anyway and refuses anything that does not match (fail closed).

Everything that decides (names, keys, validation, the metadata document) is pure; the
:class:`PlanStore` shell only moves bytes. Nothing here logs, and no credential is ever
stored: ``backend`` is a fingerprint of non-secret settings only.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import MISSING, asdict, dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal, cast
from urllib.parse import quote

from slipway.terraform.plan import Counts

SCHEMA_VERSION = 1
DEFAULT_PREFIX = "slipway/plans"

PLAN_FILE = "plan.tfplan"
PLAN_JSON = "plan.json"
PLAN_TEXT = "plan.txt"
METADATA = "metadata.json"

Engine = Literal["terraform", "tofu"]
ENGINES: tuple[Engine, ...] = ("terraform", "tofu")

_CONTENT_TYPES = {
    PLAN_FILE: "application/octet-stream",
    PLAN_JSON: "application/json",
    PLAN_TEXT: "text/plain; charset=utf-8",
    METADATA: "application/json",
}

_ENVIRONMENT = re.compile(r"[A-Za-z0-9._-]{1,64}", re.ASCII)
_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})", re.ASCII)
_REPO_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}", re.ASCII)
_SHA1 = re.compile(r"[0-9a-fA-F]{40}", re.ASCII)
_SHA256 = re.compile(r"[0-9a-f]{64}", re.ASCII)
_WORKSPACE = re.compile(r"[A-Za-z0-9._-]{1,90}", re.ASCII)
_VERSION = re.compile(r"[A-Za-z0-9.+_-]{1,64}", re.ASCII)
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", re.ASCII)
_PREFIX_PART = re.compile(r"[A-Za-z0-9!_.*'()-]+", re.ASCII)
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+", re.ASCII)
_MAX_SHOWN = 80
_SLUG_HASH_CHARS = 12
_SLUG_MAX_READABLE = 80
_DIGEST_SHOWN = 12
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


class PlanStoreError(RuntimeError):
    """The plan store could not be read or written (permissions, missing bucket, ...)."""

    failure_reason: ClassVar[str] = "plan-store"


class PlanMissingError(PlanStoreError):
    """No complete plan is stored for this repository, environment, directory and commit."""

    failure_reason: ClassVar[str] = "plan-missing"


class PlanMismatchError(PlanStoreError):
    """A stored plan does not match its metadata, or was made for something else."""

    failure_reason: ClassVar[str] = "plan-mismatch"


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


def make_plan_id(environment: str, commit_sha: str, plan_sha256: str) -> str:
    """``<environment>-<commit_sha[:12]>-<plan_sha256[:12]>``: printable, unique per plan."""
    return f"{environment}-{commit_sha[:12]}-{plan_sha256[:12]}"


def utc_timestamp(moment: datetime | None = None) -> str:
    """``moment`` (default: now) as ISO 8601 UTC to the second: ``2025-01-31T12:00:00Z``."""
    moment = datetime.now(UTC) if moment is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _validate_timestamp(created_at: str) -> str:
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


def plan_key_prefix(
    prefix: str, *, repository: str, environment: str, directory: str, commit_sha: str
) -> str:
    """``<prefix>/<owner>/<repo>/<environment>/<commit_sha>/<directory-slug>/``."""
    parts = [
        normalise_prefix(prefix),
        validate_repository(repository),
        validate_environment(environment),
        validate_commit_sha(commit_sha),
        directory_slug(directory),
    ]
    return "/".join(part for part in parts if part) + "/"


def plan_location(
    bucket: str,
    prefix: str,
    *,
    repository: str,
    environment: str,
    directory: str,
    commit_sha: str,
) -> PlanLocation:
    """The bucket and key prefix of one plan; every part is validated first."""
    key_prefix = plan_key_prefix(
        prefix,
        repository=repository,
        environment=environment,
        directory=directory,
        commit_sha=commit_sha,
    )
    return PlanLocation(validate_bucket(bucket), key_prefix)


# --------------------------------------------------------------------------- metadata


def _counts_from(raw: object) -> Counts:
    names = {f.name for f in fields(Counts)}
    if not isinstance(raw, Mapping) or not set(raw) <= names:
        raise PlanInputError("counts", f"an object with keys among {sorted(names)}", raw)
    values = {}
    for key, value in raw.items():
        if not _is_int(value) or value < 0:
            raise PlanInputError(f"counts.{key}", "a non-negative integer", value)
        values[str(key)] = value
    return Counts(**values)


@dataclass(frozen=True)
class PlanMetadata:
    """Everything that binds a stored plan to what it was made for (``metadata.json``).

    Construction validates and normalises every field, so an instance always names a real
    place in the store. ``plan_json_sha256`` and ``plan_text_sha256`` are filled in by
    :meth:`PlanStore.save`.
    """

    repository: str
    environment: str
    directory: str
    commit_sha: str
    engine: Engine
    engine_version: str
    plan_sha256: str
    created_at: str
    counts: Counts
    has_changes: bool
    run_id: str
    run_attempt: int
    backend: str
    workspace: str = "default"
    plan_json_sha256: str = ""
    plan_text_sha256: str = ""
    schema: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        validate_repository(self.repository)
        validate_environment(self.environment)
        put("directory", normalise_directory(self.directory))
        put("commit_sha", validate_commit_sha(self.commit_sha))
        validate_workspace(self.workspace)
        if self.engine not in ENGINES:
            raise PlanInputError("engine", "'terraform' or 'tofu'", self.engine)
        if not _VERSION.fullmatch(self.engine_version):
            raise PlanInputError("engine_version", "a version such as '1.9.5'", self.engine_version)
        put("plan_sha256", validate_sha256("plan_sha256", self.plan_sha256))
        for name in ("plan_json_sha256", "plan_text_sha256"):
            value = getattr(self, name)
            if value:
                put(name, validate_sha256(name, value))
        _validate_timestamp(self.created_at)
        if not isinstance(self.counts, Counts):
            raise PlanInputError("counts", "a Counts value", self.counts)
        if not isinstance(self.has_changes, bool):
            raise PlanInputError("has_changes", "true or false", self.has_changes)
        if not isinstance(self.run_id, str) or not _printable(self.run_id, 128):
            raise PlanInputError("run_id", "a printable string", self.run_id)
        if not _is_int(self.run_attempt) or self.run_attempt < 1:
            raise PlanInputError("run_attempt", "a positive integer", self.run_attempt)
        if not isinstance(self.backend, str) or not _printable(self.backend, 512):
            raise PlanInputError(
                "backend", "a printable fingerprint of at most 512 characters", self.backend
            )
        if self.schema != SCHEMA_VERSION:
            raise PlanInputError(
                "schema",
                f"metadata schema {SCHEMA_VERSION} (another slipway version wrote this plan)",
                self.schema,
            )

    @classmethod
    def create(
        cls,
        *,
        repository: str,
        environment: str,
        directory: str,
        commit_sha: str,
        engine: Engine,
        engine_version: str,
        plan_sha256: str,
        counts: Counts | Mapping[str, int],
        has_changes: bool,
        run_id: str,
        run_attempt: int,
        backend: str,
        workspace: str = "default",
        created_at: str | None = None,
    ) -> PlanMetadata:
        """Metadata for a plan made now (``created_at`` defaults to the current UTC time)."""
        return cls(
            repository=repository,
            environment=environment,
            directory=directory,
            commit_sha=commit_sha,
            engine=engine,
            engine_version=engine_version,
            plan_sha256=plan_sha256,
            created_at=utc_timestamp() if created_at is None else created_at,
            counts=counts if isinstance(counts, Counts) else _counts_from(counts),
            has_changes=has_changes,
            run_id=run_id,
            run_attempt=run_attempt,
            backend=backend,
            workspace=workspace,
        )

    @property
    def plan_id(self) -> str:
        return make_plan_id(self.environment, self.commit_sha, self.plan_sha256)

    def file_digests(self) -> dict[str, str]:
        """File name -> expected SHA-256 ('' when not recorded yet)."""
        return {
            PLAN_FILE: self.plan_sha256,
            PLAN_JSON: self.plan_json_sha256,
            PLAN_TEXT: self.plan_text_sha256,
        }

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["plan_id"] = self.plan_id
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlanMetadata:
        """The metadata a ``to_dict`` document describes; unknown keys are ignored."""
        if not isinstance(data, Mapping):
            raise PlanInputError("metadata", "a JSON object", type(data).__name__)
        schema = data.get("schema")
        if not _is_int(schema):
            raise PlanInputError("schema", "an integer schema version", schema)
        values: dict[str, Any] = {}
        for item in fields(cls):
            if item.name not in data:
                if item.default is not MISSING:
                    continue
                raise PlanInputError(item.name, "a value in the plan metadata", "")
            values[item.name] = data[item.name]
        for name in _STRING_FIELDS:
            if name in values and not isinstance(values[name], str):
                raise PlanInputError(name, "a string", values[name])
        values["counts"] = _counts_from(values["counts"])
        metadata = cls(**values)
        stored_id = data.get("plan_id")
        if stored_id is not None and stored_id != metadata.plan_id:
            raise PlanInputError("plan_id", f"{metadata.plan_id!r} (from its fields)", stored_id)
        return metadata

    @classmethod
    def from_json(cls, text: str | bytes) -> PlanMetadata:
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as error:
            raise PlanInputError("metadata", "a JSON document", f"invalid JSON ({error})") from None
        return cls.from_dict(data)


def check_binding(
    metadata: PlanMetadata, repository: str, environment: str, directory: str, commit_sha: str
) -> None:
    """Refuse metadata made for another repository, environment, directory or commit."""
    wanted = {
        "repository": validate_repository(repository),
        "environment": validate_environment(environment),
        "directory": normalise_directory(directory),
        "commit": validate_commit_sha(commit_sha),
    }
    found = {
        "repository": metadata.repository,
        "environment": metadata.environment,
        "directory": metadata.directory,
        "commit": metadata.commit_sha,
    }
    for what, value in wanted.items():
        if found[what] != value:
            raise PlanMismatchError(
                f"the stored plan {metadata.plan_id} was made for {what} {found[what]!r}, "
                f"not {value!r}: run tf-plan for this {what}"
            )


def check_digest(name: str, expected: str, actual: str, where: str, hint: str) -> None:
    """Raise :class:`PlanMismatchError` naming ``name`` when the digests differ."""
    if expected != actual:
        raise PlanMismatchError(
            f"{name} at {where} does not match its metadata: expected sha256 "
            f"{expected[:_DIGEST_SHOWN]}…, got {actual[:_DIGEST_SHOWN]}…; {hint}"
        )


def _printable(text: str, limit: int) -> bool:
    return len(text) <= limit and text.isprintable()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_STRING_FIELDS = (
    "repository",
    "environment",
    "directory",
    "commit_sha",
    "engine",
    "engine_version",
    "plan_sha256",
    "created_at",
    "run_id",
    "backend",
    "workspace",
    "plan_json_sha256",
    "plan_text_sha256",
)
_STALE_HINT = "the stored plan was changed after tf-plan wrote it: run tf-plan again"


# --------------------------------------------------------------------------- the store


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
_RUN_TF_PLAN = "run tf-plan again for this commit and environment"


class PlanStore:
    """Plans in S3, bound to repository, environment, directory, commit and content hash.

    ``s3_client`` is a boto3 S3 client (for example ``AwsSession.client("s3")``). Every object
    is written with server-side encryption: SSE-S3 (``AES256``), or SSE-KMS with
    ``kms_key_id``. A binary plan file can hold sensitive values in clear (variables,
    provider data), so the bucket policy should restrict access to the roles that plan and
    apply, deny unencrypted puts and non-TLS requests, and block public access.
    """

    def __init__(
        self,
        s3_client: Any,
        bucket: str,
        prefix: str = DEFAULT_PREFIX,
        kms_key_id: str | None = None,
    ) -> None:
        kms_key_id = (kms_key_id or "").strip() or None
        if kms_key_id is not None and not _printable(kms_key_id, 2048):
            raise PlanInputError("kms_key_id", "a KMS key id, ARN or alias", kms_key_id)
        self.s3 = s3_client
        self.bucket = validate_bucket(bucket)
        self.prefix = normalise_prefix(prefix)
        self.kms_key_id = kms_key_id

    def location(
        self, repository: str, environment: str, directory: str, commit_sha: str
    ) -> PlanLocation:
        return plan_location(
            self.bucket,
            self.prefix,
            repository=repository,
            environment=environment,
            directory=directory,
            commit_sha=commit_sha,
        )

    def uri(self, repository: str, environment: str, directory: str, commit_sha: str) -> str:
        """``s3://bucket/<key prefix>/`` of a plan, for messages."""
        return self.location(repository, environment, directory, commit_sha).uri()

    def console_url(
        self, repository: str, environment: str, directory: str, commit_sha: str
    ) -> str:
        """The S3 console page listing a plan's objects."""
        location = self.location(repository, environment, directory, commit_sha)
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
    ) -> str:
        """Upload a plan and its metadata; returns the plan's ``s3://bucket/<key prefix>/``.

        The plan file must hash to ``metadata.plan_sha256``: nothing is uploaded otherwise.
        ``metadata.json`` goes last, with the digests of all three files, so a reader never
        finds metadata for a half-written plan.
        """
        location = self.location(
            metadata.repository, metadata.environment, metadata.directory, metadata.commit_sha
        )
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
        self._put(location, METADATA, complete.to_json().encode("utf-8"))
        return location.uri()

    def exists(self, repository: str, environment: str, directory: str, commit_sha: str) -> bool:
        """Whether metadata, so a complete upload, is stored for this plan."""
        location = self.location(repository, environment, directory, commit_sha)
        try:
            self.s3.head_object(Bucket=location.bucket, Key=location.key(METADATA))
        except _aws_errors() as error:
            if _error_code(error) in _NOT_FOUND:
                return False
            raise PlanStoreError(
                f"cannot read {location.uri(METADATA)}: {_describe(error)}"
            ) from error
        return True

    def load(
        self,
        repository: str,
        environment: str,
        directory: str,
        commit_sha: str,
        dest: Path,
        *,
        expected_plan_id: str | None = None,
    ) -> StoredPlan:
        """Download a plan into the directory ``dest`` and verify it against its metadata.

        Raises :class:`PlanMissingError` when no plan is stored for this commit and
        environment, and :class:`PlanMismatchError` when a file's digest differs from the
        metadata, the metadata was made for something else, or its plan id is not
        ``expected_plan_id``. A file that fails verification is not left in ``dest``.
        """
        location = self.location(repository, environment, directory, commit_sha)
        raw = self._get_metadata(location, environment, commit_sha)
        try:
            metadata = PlanMetadata.from_json(raw)
        except PlanInputError as error:
            raise PlanMismatchError(
                f"{location.uri(METADATA)} is not valid plan metadata ({error}): {_RUN_TF_PLAN}"
            ) from None
        check_binding(metadata, repository, environment, directory, commit_sha)
        if expected_plan_id is not None and metadata.plan_id != expected_plan_id:
            raise PlanMismatchError(
                f"the stored plan is {metadata.plan_id}, not the reviewed plan "
                f"{expected_plan_id}: it was planned again since; review the new plan"
            )
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

    def _get_metadata(self, location: PlanLocation, environment: str, commit_sha: str) -> bytes:
        try:
            response = self.s3.get_object(Bucket=location.bucket, Key=location.key(METADATA))
            return cast(bytes, response["Body"].read())
        except _aws_errors() as error:
            if _error_code(error) in _NOT_FOUND:
                raise PlanMissingError(
                    f"no plan at {location.uri()} ({METADATA} not found): run tf-plan for "
                    f"commit {commit_sha} and environment {environment!r} first"
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
