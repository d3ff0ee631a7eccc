"""The plan store's pure part: key layout, directory slugs, validation, metadata documents and
the binding an apply checks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from slipway.terraform.plan import Counts
from slipway.terraform.plan_integrity import (
    PlanAppliedError,
    PlanMetadata,
    PlanMismatchError,
    PlanMissingError,
    PlanStoreError,
    RunBinding,
    check_binding,
)
from slipway.terraform.plan_keys import (
    PlanInputError,
    PlanRef,
    backend_fingerprint,
    directory_slug,
    make_plan_id,
    normalise_directory,
    normalise_prefix,
    plan_key_prefix,
    plan_location,
    plan_source,
    utc_timestamp,
    validate_commit_sha,
    validate_environment,
    validate_plan_id,
    validate_repository,
)
from slipway.terraform.plan_store import PlanStore

SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER_SHA = "fedcba9876543210fedcba9876543210fedcba98"
PLAN_SHA = hashlib.sha256(b"plan").hexdigest()


def _metadata(**changes: object) -> PlanMetadata:
    values: dict[str, object] = {
        "repository": "acme/shop",
        "environment": "prod",
        "directory": "infra/live/prod",
        "commit_sha": SHA,
        "engine": "terraform",
        "engine_version": "1.15.5",
        "plan_sha256": PLAN_SHA,
        "created_at": "2025-01-31T12:00:00Z",
        "counts": Counts(add=2, change=1, destroy=1),
        "has_changes": True,
        "run_id": "4242",
        "run_attempt": 2,
        "backend": "s3:bucket=tf-state,key=prod/app.tfstate",
        "source": "default-branch",
        "event": "push",
        "ref": "refs/heads/main",
    }
    values.update(changes)
    return PlanMetadata(**values)  # type: ignore[arg-type]


PLAN_ID = f"prod-{SHA[:12]}-{PLAN_SHA[:12]}"


def _ref(**changes: str) -> PlanRef:
    values = {
        "repository": "acme/shop",
        "environment": "prod",
        "source": "default-branch",
        "directory": "infra/live/prod",
        "commit_sha": SHA,
        "plan_id": PLAN_ID,
    }
    values.update(changes)
    return PlanRef(**values)  # type: ignore[arg-type]


def _binding(**changes: object) -> RunBinding:
    values: dict[str, object] = {
        "repository": "acme/shop",
        "environment": "prod",
        "directory": "./infra/live/prod",
        "commit_sha": SHA.upper(),
        "source": "default-branch",
        "run_id": "4242",
        "run_attempt": 2,
        "event": "push",
        "ref": "refs/heads/main",
        "backend": "s3:bucket=tf-state,key=prod/app.tfstate",
    }
    values.update(changes)
    return RunBinding(**values)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- keys


def test_key_prefix_layout() -> None:
    prefix = plan_key_prefix("slipway/plans", _ref())
    suffix = hashlib.sha256(b"infra/live/prod").hexdigest()[:12]
    assert prefix == (
        f"slipway/plans/acme/shop/prod/default-branch/{SHA}/infra--live--prod-{suffix}/{PLAN_ID}/"
    )
    assert suffix == "04c7b4063ffc"


def test_key_prefix_for_root_and_custom_prefixes() -> None:
    tail = f"acme/shop/dev/pull-requests/{SHA}/root/dev-{SHA[:12]}-{PLAN_SHA[:12]}/"
    ref = _ref(environment="dev", source="pull-requests", plan_id=f"dev-{SHA[:12]}-{PLAN_SHA[:12]}")
    assert plan_key_prefix("/plans/", _ref(**{**vars(ref), "directory": "."})) == "plans/" + tail
    assert plan_key_prefix("", _ref(**{**vars(ref), "directory": "./"})) == tail
    assert plan_key_prefix("a//b", _ref(**{**vars(ref), "directory": ""})) == "a/b/" + tail


def test_two_plans_of_one_commit_never_share_a_key() -> None:
    other = f"prod-{SHA[:12]}-{hashlib.sha256(b'other plan').hexdigest()[:12]}"
    assert plan_key_prefix("p", _ref()) != plan_key_prefix("p", _ref(plan_id=other))
    assert plan_key_prefix("p", _ref()) != plan_key_prefix("p", _ref(source="pull-requests"))


def test_location_names_every_file() -> None:
    location = plan_location(
        "plans-bucket", "slipway/plans", _ref(directory=".", commit_sha=SHA.upper())
    )
    base = f"slipway/plans/acme/shop/prod/default-branch/{SHA}/root/{PLAN_ID}/"
    assert location.prefix == base
    assert location.key("plan.tfplan") == base + "plan.tfplan"
    assert location.uri() == f"s3://plans-bucket/{base}"
    assert location.uri("metadata.json").endswith(f"/{PLAN_ID}/metadata.json")


def test_store_console_url_points_at_the_plan() -> None:
    store = PlanStore(object(), "plans-bucket")
    prefix = plan_key_prefix("slipway/plans", _ref()).replace("/", "%2F")
    assert store.console_url(_ref(directory="./infra/live/prod/")) == (
        f"https://s3.console.aws.amazon.com/s3/buckets/plans-bucket?prefix={prefix}"
    )


@pytest.mark.parametrize(
    ("ref", "default_branch", "source"),
    [
        ("refs/heads/main", "main", "default-branch"),
        ("refs/heads/trunk", "trunk", "default-branch"),
        ("refs/heads/main", "trunk", "pull-requests"),
        ("refs/pull/12/merge", "main", "pull-requests"),
        ("refs/heads/feature", "main", "pull-requests"),
        ("refs/tags/v1", "main", "pull-requests"),
        ("refs/heads/main", None, "pull-requests"),
    ],
)
def test_only_the_default_branch_makes_default_branch_plans(
    ref: str, default_branch: str | None, source: str
) -> None:
    assert plan_source(ref, default_branch) == source


@pytest.mark.parametrize(
    ("plan_id", "environment", "ok"),
    [
        (PLAN_ID, "prod", True),
        (f"dev-alice-{SHA[:12]}-{PLAN_SHA[:12]}", "dev-alice", True),
        (PLAN_ID, "staging", False),
        (f"prod-{SHA[:11]}-{PLAN_SHA[:12]}", "prod", False),
        ("prod-../../x-y", "prod", False),
        ("", "prod", False),
    ],
)
def test_plan_ids(plan_id: str, environment: str, ok: bool) -> None:
    if ok:
        assert validate_plan_id(plan_id, environment) == plan_id
    else:
        with pytest.raises(PlanInputError, match=r"^input 'plan-id': expected"):
            validate_plan_id(plan_id, environment)


def test_a_plan_id_of_another_commit_names_no_plan() -> None:
    with pytest.raises(PlanInputError, match=f"expected a plan of commit {OTHER_SHA[:12]}"):
        _ref(commit_sha=OTHER_SHA)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (".", "."),
        ("", "."),
        ("./", "."),
        ("./infra/prod/", "infra/prod"),
        ("infra//prod", "infra/prod"),
        ("infra/./prod", "infra/prod"),
        ("././infra", "infra"),
    ],
)
def test_directory_normalisation(given: str, expected: str) -> None:
    assert normalise_directory(given) == expected


@pytest.mark.parametrize("bad", ["/abs/path", "../up", "infra/../../x", "infra\\prod", "a\nb"])
def test_directory_outside_the_repository_is_refused(bad: str) -> None:
    with pytest.raises(PlanInputError, match=r"^input 'directory': expected a directory relative"):
        normalise_directory(bad)


def test_slug_is_readable_and_root_is_root() -> None:
    assert directory_slug(".") == "root"
    assert directory_slug("./") == "root"
    assert directory_slug("infra/live/prod").startswith("infra--live--prod-")
    # The same directory spelled differently is the same slug.
    assert directory_slug("./infra/live/prod/") == directory_slug("infra/live/prod")


def test_slugs_cannot_collide() -> None:
    assert directory_slug("a--b") != directory_slug("a/b")
    assert directory_slug("a--b").startswith("a--b-")
    assert directory_slug("a/b").startswith("a--b-")
    # Unsafe characters are replaced in the readable part, but the hash keeps them apart.
    assert directory_slug("a b") != directory_slug("a_b")
    # A directory literally named "root" is not the repository root.
    assert directory_slug("root") != "root"
    # Long paths are cut in the readable part only.
    long_a, long_b = "x" * 200 + "/a", "x" * 200 + "/b"
    assert directory_slug(long_a) != directory_slug(long_b)
    assert len(directory_slug(long_a)) <= 80 + 13
    slugs = {directory_slug(d) for d in ["a", "a/b", "a--b", "a-b", "a_b", "a.b", "ab", "."]}
    assert len(slugs) == 8


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "sha", ["", "abc", SHA[:39], SHA + "0", "g" * 40, SHA[:-1] + " ", "0x" + SHA[:38]]
)
def test_bad_commit_sha(sha: str) -> None:
    with pytest.raises(PlanInputError) as caught:
        validate_commit_sha(sha)
    message = str(caught.value)
    assert message.startswith("input 'commit_sha': expected a full 40-character")
    assert "\n" not in message


def test_commit_sha_is_lower_cased() -> None:
    assert validate_commit_sha(SHA.upper()) == SHA


@pytest.mark.parametrize("environment", ["", "prod env", "a/b", ".", "..", "x" * 65, "prød"])
def test_bad_environment(environment: str) -> None:
    with pytest.raises(PlanInputError, match=r"^input 'environment': expected 1-64 letters"):
        validate_environment(environment)


@pytest.mark.parametrize("environment", ["prod", "pr-123", "dev.eu_west-1", "x" * 64])
def test_good_environment(environment: str) -> None:
    assert validate_environment(environment) == environment


@pytest.mark.parametrize(
    "repository", ["", "acme", "acme/", "/shop", "acme/shop/x", "acme/..", "-acme/shop", "a b/c"]
)
def test_bad_repository(repository: str) -> None:
    with pytest.raises(PlanInputError, match=r"^input 'repository': expected 'owner/name'"):
        validate_repository(repository)


def test_bad_values_are_named_in_the_message() -> None:
    with pytest.raises(PlanInputError) as caught:
        validate_environment("prod env")
    assert str(caught.value) == (
        "input 'environment': expected 1-64 letters, digits, '.', '_' or '-' (e.g. 'prod'), "
        "got 'prod env'"
    )
    with pytest.raises(PlanInputError, match=r"got nothing$"):
        validate_repository("")


def test_key_prefix_validates_before_building() -> None:
    with pytest.raises(PlanInputError, match="input 'commit_sha'"):
        _ref(commit_sha="main")
    with pytest.raises(PlanInputError, match="input 'source'"):
        _ref(source="main")
    with pytest.raises(PlanInputError, match="input 'prefix'"):
        normalise_prefix("plans/../other")
    with pytest.raises(PlanInputError, match="input 'bucket'"):
        PlanStore(object(), "Not_A_Bucket")


def test_error_classes_carry_failure_reasons() -> None:
    assert PlanMissingError.failure_reason == "plan-missing"
    assert PlanMismatchError.failure_reason == "plan-mismatch"
    assert PlanAppliedError.failure_reason == "already-applied"
    assert issubclass(PlanMissingError, PlanStoreError)
    assert issubclass(PlanMismatchError, PlanStoreError)


# --------------------------------------------------------------------------- metadata


def test_plan_id_format() -> None:
    metadata = _metadata()
    assert metadata.plan_id == f"prod-{SHA[:12]}-{PLAN_SHA[:12]}"
    assert metadata.plan_id == "prod-0123456789ab-" + PLAN_SHA[:12]
    assert make_plan_id("dev", OTHER_SHA, PLAN_SHA) == f"dev-fedcba987654-{PLAN_SHA[:12]}"
    assert metadata.plan_id.isprintable() and " " not in metadata.plan_id


def test_metadata_json_round_trip() -> None:
    metadata = _metadata(
        plan_json_sha256=hashlib.sha256(b"j").hexdigest(),
        plan_text_sha256=hashlib.sha256(b"t").hexdigest(),
        workspace="blue",
    )
    text = metadata.to_json()
    assert PlanMetadata.from_json(text) == metadata
    assert PlanMetadata.from_json(text.encode()) == metadata
    data = json.loads(text)
    assert data["schema"] == 2
    assert (data["source"], data["event"], data["ref"]) == (
        "default-branch",
        "push",
        "refs/heads/main",
    )
    assert data["plan_id"] == metadata.plan_id
    assert data["counts"] == {
        "add": 2,
        "change": 1,
        "destroy": 1,
        "replace": 0,
        "imports": 0,
        "moves": 0,
        "forget": 0,
        "read": 0,
    }
    assert data["directory"] == "infra/live/prod"
    assert data["workspace"] == "blue"


def test_metadata_is_normalised_on_construction() -> None:
    metadata = _metadata(directory="./infra/live/prod/", commit_sha=SHA.upper())
    assert metadata.directory == "infra/live/prod"
    assert metadata.commit_sha == SHA
    assert metadata.workspace == "default"
    assert metadata.schema == 2
    assert metadata.ref_name == _ref()


@pytest.mark.parametrize(
    ("field", "value", "input_name"),
    [
        ("commit_sha", "main", "commit_sha"),
        ("environment", "prod env", "environment"),
        ("repository", "acme", "repository"),
        ("plan_sha256", "abc", "plan_sha256"),
        ("engine", "pulumi", "engine"),
        ("created_at", "2025-01-31T12:00:00", "created_at"),
        ("created_at", "2025-01-31T12:00:00+02:00", "created_at"),
        ("run_attempt", 0, "run_attempt"),
        ("workspace", "a b", "workspace"),
        ("directory", "../x", "directory"),
        ("source", "main", "source"),
        ("ref", "refs/heads/main\n", "ref"),
        ("event", 7, "event"),
    ],
)
def test_metadata_refuses_bad_fields(field: str, value: object, input_name: str) -> None:
    with pytest.raises(PlanInputError, match=rf"^input '{input_name}': expected"):
        _metadata(**{field: value})


def test_metadata_from_json_refuses_bad_documents() -> None:
    good = json.loads(_metadata().to_json())
    with pytest.raises(PlanInputError, match="input 'metadata': expected a JSON document"):
        PlanMetadata.from_json("{not json")
    with pytest.raises(PlanInputError, match="input 'plan_id'"):
        PlanMetadata.from_json(json.dumps({**good, "plan_id": "prod-x-y"}))
    with pytest.raises(PlanInputError, match="input 'schema': expected metadata schema 2"):
        PlanMetadata.from_json(json.dumps({**good, "schema": 1}))
    missing = {k: v for k, v in good.items() if k != "commit_sha"}
    with pytest.raises(PlanInputError, match="input 'commit_sha'"):
        PlanMetadata.from_json(json.dumps(missing))
    with pytest.raises(PlanInputError, match=r"input 'counts\.add': expected a non-negative"):
        PlanMetadata.from_json(json.dumps({**good, "counts": {"add": -1}}))
    with pytest.raises(PlanInputError, match="input 'run_id': expected a string"):
        PlanMetadata.from_json(json.dumps({**good, "run_id": 7}))
    # Unknown keys are ignored (forward compatible within a schema version).
    assert PlanMetadata.from_json(json.dumps({**good, "extra": 1})) == _metadata()


def test_binding_accepts_the_run_that_made_the_plan() -> None:
    check_binding(_metadata(), _binding())
    # A re-run of the apply job (attempt 3) keeps the plan job's outputs from attempt 2.
    check_binding(_metadata(), _binding(run_attempt=3))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"commit_sha": OTHER_SHA}, f"made for commit '{SHA}', not '{OTHER_SHA}'"),
        ({"environment": "staging"}, "made for environment 'prod', not 'staging'"),
        ({"directory": "infra/live/dev"}, "made for directory"),
        ({"repository": "acme/other"}, "made for repository 'acme/shop'"),
        ({"source": "pull-requests"}, "made for source 'default-branch', not 'pull-requests'"),
        ({"run_id": "4243"}, "made for run '4242', not '4243'"),
        ({"event": "workflow_dispatch"}, "made for event 'push'"),
        ({"ref": "refs/heads/feature"}, "made for ref 'refs/heads/main'"),
        ({"backend": "s3:bucket=other"}, "made for backend"),
        ({"workspace": "blue"}, "made for workspace 'default', not 'blue'"),
        ({"run_attempt": 1}, "claims run attempt 2, after this one (1)"),
    ],
)
def test_binding_refuses_a_plan_made_for_something_else(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(PlanMismatchError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_binding(_metadata(), _binding(**change))


def test_backend_fingerprint_keeps_secrets_out() -> None:
    config = {
        "bucket": "tf-state",
        "key": "prod/app.tfstate",
        "region": "eu-west-1",
        "access_key": "AKIAEXAMPLE",
        "secret_key": "s3cr3t",
        "token": "tok",
        "dynamodb_table": "",
    }
    fingerprint = backend_fingerprint("s3", config)
    assert fingerprint == "s3:bucket=tf-state,key=prod/app.tfstate,region=eu-west-1"
    assert backend_fingerprint("http", {"password": "x", "username": "u"}) == "http"


def test_utc_timestamp() -> None:
    from datetime import datetime, timedelta, timezone

    moment = datetime(2025, 1, 31, 14, 0, 5, tzinfo=timezone(timedelta(hours=2)))
    assert utc_timestamp(moment) == "2025-01-31T12:00:05Z"
    assert _metadata(created_at=utc_timestamp()).created_at.endswith("Z")


class _PutRecorder:
    def __init__(self) -> None:
        self.puts: list[dict[str, object]] = []

    def put_object(self, **kwargs: object) -> dict[str, object]:
        self.puts.append(kwargs)
        return {}


@pytest.mark.parametrize(
    ("kms_key_id", "expected"),
    [
        (None, {"ServerSideEncryption": "AES256"}),
        ("", {"ServerSideEncryption": "AES256"}),
        ("alias/plans", {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/plans"}),
    ],
)
def test_every_put_is_encrypted(
    tmp_path: Path, kms_key_id: str | None, expected: dict[str, str]
) -> None:
    files = []
    for name, body in (("tfplan", b"plan"), ("plan.json", b"{}"), ("plan.txt", b"text")):
        (tmp_path / name).write_bytes(body)
        files.append(tmp_path / name)
    client = _PutRecorder()
    saved = PlanStore(client, "plans-bucket", kms_key_id=kms_key_id).save(_metadata(), *files)
    assert [str(put["Key"]).rsplit("/", 1)[1] for put in client.puts] == [
        "plan.tfplan",
        "plan.json",
        "plan.txt",
        "metadata.json",
    ]
    for put in client.puts:
        assert {k: put[k] for k in put if k.startswith("S")} == expected
    written = client.puts[-1]["Body"]
    assert isinstance(written, bytes)
    stored = json.loads(written)
    assert stored["plan_json_sha256"] == hashlib.sha256(b"{}").hexdigest()
    assert stored["plan_text_sha256"] == hashlib.sha256(b"text").hexdigest()
    # The digest tf-plan outputs is the SHA-256 of metadata.json exactly as stored.
    assert saved.digest == hashlib.sha256(written).hexdigest()
    assert saved.plan_id == PLAN_ID
