"""What binds a stored plan to the run that made it, and the checks an apply makes.

A plan's identity travels through the run, not through the bucket: ``tf-plan`` outputs the
plan id and the SHA-256 of the ``metadata.json`` it wrote (a job output, which nothing but
the run itself can set), and ``tf-apply-gated`` takes both as inputs. The metadata names the
SHA-256 of every other file, so the one digest pins the whole plan. Whoever can write to
the bucket can replace objects, but not the digest the apply job was handed: a replaced
plan is refused (``plan-mismatch``) before anything runs.

The metadata also binds where and when the plan was made (repository, environment,
directory, commit, default branch or not, run id and attempt, event, ref, backend and
workspace); :func:`check_binding` refuses a plan made for anything else. Pure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, fields
from typing import Any, ClassVar, Literal

from slipway.terraform.plan import Counts
from slipway.terraform.plan_keys import (
    PLAN_FILE,
    PLAN_JSON,
    PLAN_TEXT,
    PlanInputError,
    PlanRef,
    PlanSource,
    make_plan_id,
    normalise_directory,
    validate_commit_sha,
    validate_environment,
    validate_repository,
    validate_sha256,
    validate_source,
    validate_timestamp,
    validate_workspace,
)

SCHEMA_VERSION = 2

Engine = Literal["terraform", "tofu"]
ENGINES: tuple[Engine, ...] = ("terraform", "tofu")

_DIGEST_SHOWN = 12
_PRINTABLE_LIMITS = {"run_id": 128, "backend": 512, "event": 64, "ref": 256}


class PlanStoreError(RuntimeError):
    """The plan store could not be read or written (permissions, missing bucket, ...)."""

    failure_reason: ClassVar[str] = "plan-store"


class PlanMissingError(PlanStoreError):
    """No complete plan is stored under the given name."""

    failure_reason: ClassVar[str] = "plan-missing"


class PlanMismatchError(PlanStoreError):
    """A stored plan is not the one this run made, or was made for something else."""

    failure_reason: ClassVar[str] = "plan-mismatch"


class PlanAppliedError(PlanStoreError):
    """The plan was applied already (a re-run of an apply job)."""

    failure_reason: ClassVar[str] = "already-applied"


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

    Construction validates and normalises every field. ``plan_json_sha256`` and
    ``plan_text_sha256`` are filled in by the store when it saves the plan.
    """

    repository: str
    environment: str
    directory: str
    commit_sha: str
    source: PlanSource
    engine: Engine
    engine_version: str
    plan_sha256: str
    created_at: str
    counts: Counts
    has_changes: bool
    run_id: str
    run_attempt: int
    event: str
    ref: str
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
        put("source", validate_source(self.source))
        validate_workspace(self.workspace)
        if self.engine not in ENGINES:
            raise PlanInputError("engine", "'terraform' or 'tofu'", self.engine)
        if not isinstance(self.engine_version, str) or not _printable(self.engine_version, 64):
            raise PlanInputError("engine_version", "a version such as '1.9.5'", self.engine_version)
        put("plan_sha256", validate_sha256("plan_sha256", self.plan_sha256))
        for name in ("plan_json_sha256", "plan_text_sha256"):
            value = getattr(self, name)
            if value:
                put(name, validate_sha256(name, value))
        validate_timestamp(self.created_at)
        if not isinstance(self.counts, Counts):
            raise PlanInputError("counts", "a Counts value", self.counts)
        if not isinstance(self.has_changes, bool):
            raise PlanInputError("has_changes", "true or false", self.has_changes)
        for name, limit in _PRINTABLE_LIMITS.items():
            value = getattr(self, name)
            if not isinstance(value, str) or not _printable(value, limit):
                raise PlanInputError(name, f"printable text of at most {limit} characters", value)
        if not _is_int(self.run_attempt) or self.run_attempt < 1:
            raise PlanInputError("run_attempt", "a positive integer", self.run_attempt)
        if self.schema != SCHEMA_VERSION:
            raise PlanInputError(
                "schema",
                f"metadata schema {SCHEMA_VERSION} (another slipway version wrote this plan)",
                self.schema,
            )

    @classmethod
    def for_run(
        cls,
        binding: RunBinding,
        *,
        engine: Engine,
        engine_version: str,
        plan_sha256: str,
        created_at: str,
        counts: Counts,
        has_changes: bool,
    ) -> PlanMetadata:
        """The metadata of a plan made now, bound to the run ``binding`` describes."""
        return cls(
            repository=binding.repository,
            environment=binding.environment,
            directory=binding.directory,
            commit_sha=binding.commit_sha,
            source=binding.source,
            engine=engine,
            engine_version=engine_version,
            plan_sha256=plan_sha256,
            created_at=created_at,
            counts=counts,
            has_changes=has_changes,
            run_id=binding.run_id,
            run_attempt=binding.run_attempt,
            event=binding.event,
            ref=binding.ref,
            backend=binding.backend,
            workspace=binding.workspace,
        )

    @property
    def plan_id(self) -> str:
        return make_plan_id(self.environment, self.commit_sha, self.plan_sha256)

    @property
    def ref_name(self) -> PlanRef:
        """Where this plan is stored."""
        return PlanRef(
            self.repository,
            self.environment,
            self.source,
            self.directory,
            self.commit_sha,
            self.plan_id,
        )

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
        if schema != SCHEMA_VERSION:
            raise PlanInputError(
                "schema",
                f"metadata schema {SCHEMA_VERSION} (another slipway version wrote this plan)",
                schema,
            )
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


_STRING_FIELDS = (
    "repository",
    "environment",
    "directory",
    "commit_sha",
    "source",
    "engine",
    "engine_version",
    "plan_sha256",
    "created_at",
    "run_id",
    "event",
    "ref",
    "backend",
    "workspace",
    "plan_json_sha256",
    "plan_text_sha256",
)


def metadata_digest(document: bytes) -> str:
    """The digest that names a plan in the run: SHA-256 of ``metadata.json`` as stored."""
    return hashlib.sha256(document).hexdigest()


@dataclass(frozen=True)
class RunBinding:
    """What an apply expects of the plan it is handed: made in this run (this attempt or an
    earlier one, since a re-run of the apply job keeps the plan job's outputs), for this
    event, ref, commit, environment, directory, backend and workspace."""

    repository: str
    environment: str
    directory: str
    commit_sha: str
    source: PlanSource
    run_id: str
    run_attempt: int
    event: str
    ref: str
    backend: str
    workspace: str = "default"


def check_binding(metadata: PlanMetadata, binding: RunBinding) -> None:
    """Raise :class:`PlanMismatchError` naming the first thing the plan was not made for."""
    wanted: list[tuple[str, object, object]] = [
        ("repository", validate_repository(binding.repository), metadata.repository),
        ("environment", validate_environment(binding.environment), metadata.environment),
        ("directory", normalise_directory(binding.directory), metadata.directory),
        ("commit", validate_commit_sha(binding.commit_sha), metadata.commit_sha),
        ("source", binding.source, metadata.source),
        ("run", binding.run_id, metadata.run_id),
        ("event", binding.event, metadata.event),
        ("ref", binding.ref, metadata.ref),
        ("backend", binding.backend, metadata.backend),
        ("workspace", binding.workspace, metadata.workspace),
    ]
    for what, expected, found in wanted:
        if expected != found:
            raise PlanMismatchError(
                f"the stored plan {metadata.plan_id} was made for {what} {found!r}, "
                f"not {expected!r}: only a plan made by this run for this {what} is applied"
            )
    if metadata.run_attempt > binding.run_attempt:
        raise PlanMismatchError(
            f"the stored plan {metadata.plan_id} claims run attempt {metadata.run_attempt}, "
            f"after this one ({binding.run_attempt})"
        )


def check_digest(name: str, expected: str, actual: str, where: str, hint: str) -> None:
    """Raise :class:`PlanMismatchError` naming ``name`` when the digests differ."""
    if expected != actual:
        raise PlanMismatchError(
            f"{name} at {where} does not match: expected sha256 "
            f"{expected[:_DIGEST_SHOWN]}…, got {actual[:_DIGEST_SHOWN]}…; {hint}"
        )


def _printable(text: str, limit: int) -> bool:
    return len(text) <= limit and text.isprintable()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
