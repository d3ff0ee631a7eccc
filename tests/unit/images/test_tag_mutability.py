"""Which tags may be written to a repository: ECR's mutability settings and wildcard
exclusion filters (checked against botocore's model), and slipway's plan for each tag."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest

from slipway.gha.inputs import InputError
from slipway.images.mutability import (
    FILTER,
    MAX_FILTERS,
    MUTABILITY,
    TagMutability,
    collision_message,
    parse_exclusion_filters,
    plan_tags,
    refused_tag,
    wildcard_matches,
)
from slipway.images.tags import tag_kinds

SHA = "0123456789abcdef0123456789abcdef01234567"
OLD = "sha256:" + "a" * 64
NEW = "sha256:" + "b" * 64


def test_the_settings_and_filter_grammar_are_ecrs() -> None:
    model = botocore.session.get_session().get_service_model("ecr")
    assert set(MUTABILITY) == set(model.shape_for("ImageTagMutability").enum)
    filters = model.shape_for("ImageTagMutabilityExclusionFilters")
    assert filters.metadata["max"] == MAX_FILTERS
    value = model.shape_for("ImageTagMutabilityExclusionFilterValue").metadata["pattern"]
    assert value == "^" + FILTER.pattern.replace("{1,128}", "{1,128}") + "$"
    assert model.shape_for("ImageTagMutabilityExclusionFilterType").enum == ["WILDCARD"]


@pytest.mark.parametrize(
    ("pattern", "tag", "matches"),
    [
        ("main", "main", True),
        ("main", "main-2", False),  # the whole tag must match
        ("release-*", "release-1.2", True),
        ("release-*", "release-", True),  # * is any run, also none
        ("*-latest", "web-latest", True),
        ("v*.*", "v1.2", True),
        ("v*.*", "v12", False),
        ("a.b", "axb", False),  # '.' is literal
        ("*", "anything", True),
    ],
)
def test_wildcards(pattern: str, tag: str, matches: bool) -> None:
    assert wildcard_matches(pattern, tag) is matches


@pytest.mark.parametrize(
    ("setting", "moves"),
    [
        ("MUTABLE", {"main": True, "v1": True}),
        ("IMMUTABLE", {"main": False, "v1": False}),
        ("IMMUTABLE_WITH_EXCLUSION", {"main": True, "v1": False}),
        ("MUTABLE_WITH_EXCLUSION", {"main": False, "v1": True}),
    ],
)
def test_which_tags_may_move(setting: str, moves: dict[str, bool]) -> None:
    mutability = TagMutability(setting, ("main",))
    assert {tag: mutability.lets_move(tag) for tag in moves} == moves


def test_from_repository_and_request() -> None:
    described = {
        "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
        "imageTagMutabilityExclusionFilters": [{"filterType": "WILDCARD", "filter": "main"}],
    }
    mutability = TagMutability.from_repository(described)
    assert mutability == TagMutability("IMMUTABLE_WITH_EXCLUSION", ("main",))
    assert mutability.request() == described
    assert TagMutability.from_repository({}) == TagMutability("MUTABLE", ())
    assert TagMutability("IMMUTABLE", ("x",)).request() == {"imageTagMutability": "IMMUTABLE"}
    assert mutability.describe() == "IMMUTABLE_WITH_EXCLUSION (excluded: main)"


def test_bad_filters() -> None:
    assert parse_exclusion_filters([" main ", "main", "", "rel-*"], "f") == ("main", "rel-*")
    with pytest.raises(InputError, match="at most two"):
        parse_exclusion_filters(["a*b*c*"], "f")
    with pytest.raises(InputError, match="at most 5 filters"):
        parse_exclusion_filters(list("abcdef"), "f")
    with pytest.raises(InputError, match="got 'a/b'"):
        parse_exclusion_filters(["a/b"], "f")


def test_a_branch_build_on_each_kind_of_repository() -> None:
    kinds = tag_kinds(SHA, "refs/heads/main", latest=True)
    assert kinds.fixed == (SHA, SHA[:7])
    assert kinds.moving == ("main", "latest")
    tags = [SHA, SHA[:7], "main", "latest"]
    existing = {"main": OLD, "latest": OLD}

    def plan(setting: str, filters: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
        result = plan_tags(
            tags, moving=kinds.moving, fixed=kinds.fixed,
            mutability=TagMutability(setting, filters), existing=existing, digest=None,
        )  # fmt: skip
        assert result.collisions == []
        return result.write, result.skipped

    assert plan("IMMUTABLE_WITH_EXCLUSION", ("main", "latest")) == (tags, [])
    # Only main may move: latest is never pushed, not even the first time.
    assert plan("IMMUTABLE_WITH_EXCLUSION", ("main",)) == ([SHA, SHA[:7], "main"], ["latest"])
    assert plan("IMMUTABLE") == ([SHA, SHA[:7]], ["main", "latest"])
    assert plan("MUTABLE") == (tags, [])


def test_fixed_tags_are_never_rewritten_even_where_tags_may_move() -> None:
    kinds = tag_kinds(SHA, "refs/tags/v1.4.2", latest=False)
    assert kinds.fixed == (SHA, SHA[:7], "1.4.2")
    assert kinds.moving == ("1.4", "1")
    plan = plan_tags(
        [SHA, SHA[:7], "1.4.2", "1.4", "1", "stable"], moving=kinds.moving, fixed=kinds.fixed,
        mutability=TagMutability("MUTABLE"),
        existing={SHA[:7]: NEW, "1.4.2": OLD, "1.4": OLD, "stable": OLD}, digest=NEW,
    )  # fmt: skip
    assert plan.write == [SHA, "1.4", "1", "stable"]  # custom tags follow the repository
    assert plan.present == [SHA[:7]]
    assert [(c.tag, c.existing) for c in plan.collisions] == [("1.4.2", OLD)]
    message = collision_message("shop/web", plan.collisions[0], TagMutability("MUTABLE"))
    assert message == (
        f"tag 1.4.2 of shop/web already names {OLD} and cannot be rewritten (a commit or "
        "version tag is never rewritten; repository setting MUTABLE)"
    )


def test_a_custom_tag_collides_where_the_repository_keeps_it() -> None:
    plan = plan_tags(
        [SHA, "stable"], moving=(), fixed=(SHA,), mutability=TagMutability("IMMUTABLE"),
        existing={"stable": OLD}, digest=None,
    )  # fmt: skip
    assert plan.write == [SHA]
    assert plan.collisions[0].reason == "the repository is IMMUTABLE"


def test_refusals_read_from_push_output() -> None:
    docker = (
        "tag invalid: The image tag 'main' already exists in the 'shop/web' repository and "
        "cannot be overwritten because the repository is immutable."
    )
    assert refused_tag(docker) == "main"
    body = json.dumps(tag_invalid_body("v1", "a/b"))
    assert refused_tag(body) == "v1"
    assert refused_tag("denied: requested access to the resource is denied") is None


def tag_invalid_body(tag: str, repository: str) -> dict[str, Any]:
    """What ECR's registry answers a refused manifest PUT with."""
    message = (
        f"The image tag '{tag}' already exists in the '{repository}' repository and cannot be "
        "overwritten because the repository is immutable."
    )
    return {"errors": [{"code": "TAG_INVALID", "message": message}]}
