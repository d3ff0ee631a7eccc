from __future__ import annotations

import pytest

from slipway.gha.inputs import InputError
from slipway.images.tags import compute_tags, ref_tags, sanitize_tag, semver_tags

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_branch_push() -> None:
    assert compute_tags(SHA, "refs/heads/main", latest=False, custom=[]) == [
        SHA,
        "0123456",
        "main",
    ]


def test_release_tag_with_latest_and_custom() -> None:
    assert compute_tags(SHA, "refs/tags/v1.2.3", latest=True, custom=["stable", " prod "]) == [
        SHA,
        "0123456",
        "1.2.3",
        "1.2",
        "1",
        "latest",
        "stable",
        "prod",
    ]


def test_prerelease_gives_only_its_full_version() -> None:
    assert compute_tags(SHA, "refs/tags/v1.2.3-rc.1", latest=False, custom=[]) == [
        SHA,
        "0123456",
        "1.2.3-rc.1",
    ]


def test_uppercase_sha_is_lowercased() -> None:
    assert compute_tags(SHA.upper(), "refs/pull/3/merge", latest=False, custom=[]) == [
        SHA,
        "0123456",
    ]


def test_duplicates_keep_their_first_position() -> None:
    tags = compute_tags(SHA, "refs/heads/latest", latest=True, custom=["0123456", "main", "main"])
    assert tags == [SHA, "0123456", "latest", "main"]


@pytest.mark.parametrize(
    ("branch", "tag"),
    [
        ("main", "main"),
        ("feature/JIRA-12_Add.Thing", "feature-jira-12_add.thing"),
        ("dependabot/npm_and_yarn/lodash-4.17.21", "dependabot-npm_and_yarn-lodash-4.17.21"),
        ("fix bug#7", "fix-bug-7"),
        (".hidden", "hidden"),
        ("-/-dash", "dash"),
        ("/leading", "leading"),
        ("ünïcode", "n-code"),
        ("a" * 200, "a" * 128),
    ],
)
def test_branch_names_become_valid_tags(branch: str, tag: str) -> None:
    assert ref_tags(f"refs/heads/{branch}") == [tag]
    assert sanitize_tag(branch) == tag


def test_a_branch_with_nothing_usable_gives_no_tag() -> None:
    assert ref_tags("refs/heads/---") == []
    assert compute_tags(SHA, "refs/heads/...", latest=False, custom=[]) == [SHA, "0123456"]


@pytest.mark.parametrize(
    ("version", "tags"),
    [
        ("v1.2.3", ["1.2.3", "1.2", "1"]),
        ("1.2.3", ["1.2.3", "1.2", "1"]),
        ("v0.10.0", ["0.10.0", "0.10", "0"]),
        ("v1.2.3-rc.1", ["1.2.3-rc.1"]),
        ("v2.0.0-alpha-2.beta", ["2.0.0-alpha-2.beta"]),
        ("v1.2.3+build.7", ["1.2.3-build.7"]),
        ("v1.2.3-rc.1+exp.sha.5114f85", ["1.2.3-rc.1-exp.sha.5114f85"]),
        ("v1.2", []),
        ("v01.2.3", []),
        ("v1.2.3-", []),
        ("release-1", []),
    ],
)
def test_semver_tags(version: str, tags: list[str]) -> None:
    assert semver_tags(version) == tags


@pytest.mark.parametrize(
    ("ref", "tags"),
    [
        ("refs/tags/v3.4.5", ["3.4.5", "3.4", "3"]),
        ("refs/tags/Release/2024-06", ["release-2024-06"]),
        ("refs/tags/v1.2", ["v1.2"]),
        ("refs/pull/12/merge", []),
        ("main", []),
        ("", []),
    ],
)
def test_ref_tags(ref: str, tags: list[str]) -> None:
    assert ref_tags(ref) == tags


@pytest.mark.parametrize("tag", [".dot", "-dash", "a:b", "a/b", "x" * 129, "sp ace", "é"])
def test_invalid_custom_tags_name_the_tags_input(tag: str) -> None:
    with pytest.raises(InputError) as caught:
        compute_tags(SHA, "refs/heads/main", latest=False, custom=["ok", tag])
    assert caught.value.name == "tags"
    assert str(caught.value).startswith("input 'tags': expected Docker tags of 1 to 128")
    assert isinstance(caught.value, ValueError)


def test_valid_custom_tag_grammar_edges() -> None:
    custom = ["_underscore", "UPPER.case-1", "x" * 128, "", "  "]
    assert compute_tags(SHA, "", latest=False, custom=custom)[2:] == [
        "_underscore",
        "UPPER.case-1",
        "x" * 128,
    ]


@pytest.mark.parametrize("sha", ["0123456", SHA + "0", "g" * 40, ""])
def test_sha_must_be_a_full_commit_sha(sha: str) -> None:
    with pytest.raises(InputError, match="input 'sha': expected a full 40-character commit SHA"):
        compute_tags(sha, "refs/heads/main", latest=False, custom=[])
