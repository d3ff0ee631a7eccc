"""scripts/release on a real temporary git repository with a bare remote (release_repo.py):
the CHANGELOG section, the version, the commits and tags, the refusals, and the push.
The pinned commit and a new major are tested in test_release_pins.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.release.release_repo import (
    DATE,
    OWN,
    PYPROJECT,
    URL,
    WORKFLOW,
    Repo,
    add_unreleased_entry,
    commit_all,
    commit_of,
    git,
    parent_of,
    release,
    released,
)


def remote_commit_of(remote: Path, ref: str) -> str:
    return commit_of(remote, ref)


def test_prepare_moves_unreleased_into_a_dated_section_and_tags(repo: Repo) -> None:
    output = released(repo.path, "prepare", "1.3.0", "--date", DATE)

    assert (
        repo.read("CHANGELOG.md")
        == f"""# Changelog

All notable changes are documented here ([Keep a Changelog](https://keepachangelog.com/)).

## [Unreleased]

## [1.3.0] - {DATE}

### Added
- `ecs-deploy`: one-off migration tasks.
- `tf-plan`: drift mode.

### Fixed
- `cw-alarms-check` reads alarm tags again.

## [1.2.3] - 2026-01-15

### Added
- First public release.

[Unreleased]: {URL}/compare/v1.3.0...HEAD
[1.3.0]: {URL}/compare/v1.2.3...v1.3.0
[1.2.3]: {URL}/releases/tag/v1.2.3
"""
    )
    assert repo.read("pyproject.toml") == PYPROJECT.replace(
        'version = "1.2.3"', 'version = "1.3.0"'
    )
    assert git(repo.path, "log", "-1", "--format=%s") == "Release v1.3.0"
    assert git(repo.path, "diff", "--name-only", "HEAD~1", "HEAD").split() == [
        "CHANGELOG.md",
        "pyproject.toml",
    ]
    assert git(repo.path, "cat-file", "-t", "v1.3.0") == "tag"  # annotated
    # The tags point at the pinned commit, whose only parent is the release commit on main.
    head = git(repo.path, "rev-parse", "HEAD")
    pinned = commit_of(repo.path, "v1.3.0")
    assert pinned != head
    assert git(repo.path, "rev-list", "--parents", "-1", pinned).split() == [pinned, head]
    assert commit_of(repo.path, "v1") == commit_of(repo.path, "v1.3") == pinned
    assert commit_of(repo.path, "v1.2") == commit_of(repo.path, "v1.2.3") == repo.v123
    assert git(repo.path, "status", "--porcelain") == ""
    assert output == (
        f"released v1.3.0: main at {head[:12]}; v1.3.0, v1 and v1.3 at {pinned[:12]}, its "
        "pinned commit. Next: scripts/release push 1.3.0\n"
    )
    # Nothing was pushed.
    assert remote_commit_of(repo.remote, "main") == repo.v123
    assert remote_commit_of(repo.remote, "v1") == repo.v123


def test_second_release_moves_the_moving_tags_again(repo: Repo) -> None:
    released(repo.path, "prepare", "1.3.0", "--date", DATE)
    v130 = commit_of(repo.path, "v1.3.0")
    add_unreleased_entry(repo, "### Fixed\n- `tf-plan` keeps the comment under the limit.")

    released(repo.path, "prepare", "1.3.1", "--date", "2026-11-27")

    v131 = commit_of(repo.path, "v1.3.1")
    assert v131 != v130
    assert commit_of(repo.path, "v1") == commit_of(repo.path, "v1.3") == v131
    assert commit_of(repo.path, "v1.3.0") == v130
    assert commit_of(repo.path, "v1.2") == repo.v123
    text = repo.read("CHANGELOG.md")
    assert "## [Unreleased]\n\n## [1.3.1] - 2026-11-27\n\n### Fixed\n- `tf-plan` keeps" in text
    assert text.endswith(
        f"[Unreleased]: {URL}/compare/v1.3.1...HEAD\n"
        f"[1.3.1]: {URL}/compare/v1.3.0...v1.3.1\n"
        f"[1.3.0]: {URL}/compare/v1.2.3...v1.3.0\n"
        f"[1.2.3]: {URL}/releases/tag/v1.2.3\n"
    )


def make_dirty(repo: Repo) -> None:
    repo.write("CHANGELOG.md", repo.read("CHANGELOG.md") + "\nuncommitted\n")


def make_untracked(repo: Repo) -> None:
    repo.write("notes.txt", "scratch\n")


def empty_unreleased(repo: Repo) -> None:
    text = repo.read("CHANGELOG.md")
    start, end = text.index("### Added"), text.index("## [1.2.3]")
    repo.write("CHANGELOG.md", text[:start] + "### Added\n\n" + text[end:])
    commit_all(repo.path, "Nothing to release")


def other_branch(repo: Repo) -> None:
    git(repo.path, "switch", "--quiet", "-c", "feature")


def detached(repo: Repo) -> None:
    git(repo.path, "switch", "--quiet", "--detach", "HEAD")


def newer_tag_by_version(repo: Repo) -> None:
    git(repo.path, "tag", "v1.10.0")  # newer than 1.9.0 although it sorts first by name


def section_already_there(repo: Repo) -> None:
    text = repo.read("CHANGELOG.md")
    at = text.index("## [1.2.3]")
    repo.write("CHANGELOG.md", text[:at] + "## [1.3.0] - 2026-02-01\n\n- Odd.\n\n" + text[at:])
    commit_all(repo.path, "A section without a tag")


def root_action_at_v3(repo: Repo) -> None:
    steps = f"    - uses: {OWN}/actions/ecs-deploy@v3\n"
    repo.write("action.yml", "runs:\n  using: composite\n  steps:\n" + steps)
    commit_all(repo.path, "Root action")


def workflow_at_v2(repo: Repo) -> None:
    repo.write(".github/workflows/infra.yml", WORKFLOW.replace("@v1", "@v2"))
    commit_all(repo.path, "A workflow ahead of the release")


def no_setup(repo: Repo) -> None:
    pass


REFUSALS = {
    "dirty tree": (make_dirty, "1.3.0", "working tree is not clean: CHANGELOG.md"),
    "untracked file": (make_untracked, "1.3.0", "working tree is not clean: notes.txt"),
    "older version": (no_setup, "1.2.0", "version 1.2.0 is not greater than the newest tag v1.2.3"),
    "same version": (no_setup, "1.2.3", "version 1.2.3 is not greater than the newest tag v1.2.3"),
    "ordered by version": (
        newer_tag_by_version,
        "1.9.0",
        "version 1.9.0 is not greater than the newest tag v1.10.0",
    ),
    "two parts": (no_setup, "1.3", "version '1.3' is not a semantic version X.Y.Z"),
    "v prefix": (no_setup, "v1.3.0", "version 'v1.3.0' is not a semantic version X.Y.Z"),
    "pre-release": (no_setup, "1.3.0-rc.1", "version '1.3.0-rc.1' is not a semantic version"),
    "leading zero": (no_setup, "1.03.0", "version '1.03.0' is not a semantic version"),
    "empty unreleased": (
        empty_unreleased,
        "1.3.0",
        "CHANGELOG.md: the Unreleased section is empty, nothing to release",
    ),
    "section exists": (
        section_already_there,
        "1.3.0",
        "CHANGELOG.md already has a [1.3.0] section",
    ),
    "wrong branch": (
        other_branch,
        "1.3.0",
        "HEAD is on branch 'feature': releases are made from 'main' (see --branch)",
    ),
    "detached head": (detached, "1.3.0", "HEAD is detached: releases are made from 'main'"),
    "references at two majors": (
        root_action_at_v3,
        "1.3.0",
        f"these files reference {OWN} at more than one major: "
        ".github/workflows/infra.yml (@v1); action.yml (@v3)",
    ),
    "references above the release's major": (
        workflow_at_v2,
        "1.3.0",
        f"these files reference {OWN} at a major above v1: .github/workflows/infra.yml (@v2)",
    ),
    "new major without an upgrading note": (
        no_setup,
        "2.0.0",
        "CHANGELOG.md: v2.0.0 is a new major, so the Unreleased section needs an "
        "'### Upgrading' note saying what consumers change",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_prepare_refuses_and_changes_nothing(repo: Repo, case: str) -> None:
    setup, version, message = REFUSALS[case]
    setup(repo)
    before = repo.snapshot()

    result = release(repo.path, "prepare", version, "--date", DATE)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"release: {message}")
    assert result.stderr.count("\n") == 1  # one line
    assert repo.snapshot() == before


def test_bad_date_is_refused(repo: Repo) -> None:
    before = repo.snapshot()
    result = release(repo.path, "prepare", "1.3.0", "--date", "26/11/2026")
    assert (result.returncode, result.stderr) == (
        1,
        "release: --date '26/11/2026' is not a date YYYY-MM-DD\n",
    )
    assert repo.snapshot() == before


def test_branch_option_allows_another_release_branch(repo: Repo) -> None:
    other_branch(repo)
    released(repo.path, "prepare", "1.3.0", "--date", DATE, "--branch", "feature")
    assert parent_of(repo.path, "v1") == git(repo.path, "rev-parse", "feature")
    assert git(repo.path, "log", "-1", "--format=%s", "feature") == "Release v1.3.0"


def remove_links(repo: Repo) -> None:
    text = repo.read("CHANGELOG.md")
    repo.write("CHANGELOG.md", text[: text.index("[Unreleased]: ")].rstrip("\n") + "\n")
    commit_all(repo.path, "No links yet")


def links_of(repo: Repo) -> str:
    text = repo.read("CHANGELOG.md")
    return text[text.index("[Unreleased]: ") :]


def test_without_links_the_url_comes_from_the_origin_remote(repo: Repo) -> None:
    remove_links(repo)
    git(repo.path, "remote", "set-url", "origin", "git@github.com:acme/slipway.git")

    released(repo.path, "prepare", "1.3.0", "--date", DATE)

    assert links_of(repo) == (
        "[Unreleased]: https://github.com/acme/slipway/compare/v1.3.0...HEAD\n"
        "[1.3.0]: https://github.com/acme/slipway/compare/v1.2.3...v1.3.0\n"
    )


def test_repo_url_overrides_the_links_and_the_remote(repo: Repo) -> None:
    git(repo.path, "remote", "set-url", "origin", "https://github.com/acme/slipway.git")
    released(
        repo.path, "prepare", "1.3.0", "--date", DATE, "--repo-url", "https://example.com/o/r/"
    )

    assert links_of(repo) == (
        "[Unreleased]: https://example.com/o/r/compare/v1.3.0...HEAD\n"
        "[1.3.0]: https://example.com/o/r/compare/v1.2.3...v1.3.0\n"
        f"[1.2.3]: {URL}/releases/tag/v1.2.3\n"
    )


def test_without_links_nor_a_web_remote_the_url_is_asked_for(repo: Repo) -> None:
    remove_links(repo)
    before = repo.snapshot()

    refused = release(repo.path, "prepare", "1.3.0", "--date", DATE)
    assert (refused.returncode, refused.stderr) == (
        1,
        "release: CHANGELOG.md has no compare link to take the repository URL from and remote "
        f"'origin' ({repo.remote}) is not a repository web address: pass --repo-url\n",
    )
    git(repo.path, "remote", "remove", "origin")
    refused = release(repo.path, "prepare", "1.3.0", "--date", DATE)
    assert (refused.returncode, refused.stderr) == (
        1,
        "release: CHANGELOG.md has no compare link to take the repository URL from and there "
        "is no remote 'origin': pass --repo-url\n",
    )
    assert repo.snapshot() == before

    released(
        repo.path, "prepare", "1.3.0", "--date", DATE, "--repo-url", "https://example.com/o/r/"
    )
    assert repo.read("CHANGELOG.md").endswith(
        "### Added\n- First public release.\n\n"
        "[Unreleased]: https://example.com/o/r/compare/v1.3.0...HEAD\n"
        "[1.3.0]: https://example.com/o/r/compare/v1.2.3...v1.3.0\n"
    )


def test_dry_run_prints_the_plan_and_changes_nothing(repo: Repo) -> None:
    before = repo.snapshot()

    output = released(repo.path, "prepare", "1.3.0", "--date", DATE, "--dry-run")

    assert repo.snapshot() == before
    lines = output.splitlines()
    assert "+## [1.3.0] - 2026-11-26" in lines
    assert f"-[Unreleased]: {URL}/compare/v1.2.3...HEAD" in lines
    assert f"+[1.3.0]: {URL}/compare/v1.2.3...v1.3.0" in lines
    assert lines[lines.index("set pyproject.toml version 1.2.3 -> 1.3.0") :] == [
        "set pyproject.toml version 1.2.3 -> 1.3.0",
        "commit 'Release v1.3.0'",
        f"commit 'Pin v1.3.0' on top of it, on no branch, {OWN}…@v1 to @v1.3.0 in 1 files:",
        "  .github/workflows/infra.yml (1)",
        "create annotated tag v1.3.0 at the pinned commit",
        f"move tag v1 (now at {repo.v123[:12]})",
        "create tag v1.3",
        "dry run: nothing changed",
    ]


def test_notes_prints_the_section_body(repo: Repo) -> None:
    released(repo.path, "prepare", "1.3.0", "--date", DATE)

    assert released(repo.path, "notes", "1.3.0") == (
        "### Added\n"
        "- `ecs-deploy`: one-off migration tasks.\n"
        "- `tf-plan`: drift mode.\n"
        "\n"
        "### Fixed\n"
        "- `cw-alarms-check` reads alarm tags again.\n"
    )
    # The last section stops before the link definitions.
    assert released(repo.path, "notes", "1.2.3") == "### Added\n- First public release.\n"

    missing = release(repo.path, "notes", "1.4.0")
    assert (missing.returncode, missing.stdout, missing.stderr) == (
        1,
        "",
        "release: CHANGELOG.md has no [1.4.0] section\n",
    )


def test_push_lands_the_release_and_force_moves_tags(repo: Repo) -> None:
    released(repo.path, "prepare", "1.3.0", "--date", DATE)
    output = released(repo.path, "push", "1.3.0")

    v130, release130 = commit_of(repo.path, "v1.3.0"), parent_of(repo.path, "v1.3.0")
    assert output == f"pushed main at {release130[:12]}, v1.3.0 and moved v1, v1.3 on origin\n"
    # main gets the release commit; the tags the pinned commit on top of it.
    assert remote_commit_of(repo.remote, "refs/heads/main") == release130
    assert git(repo.remote, "cat-file", "-t", "refs/tags/v1.3.0") == "tag"
    for tag in ("v1.3.0", "v1", "v1.3"):
        assert remote_commit_of(repo.remote, f"refs/tags/{tag}") == v130
    assert remote_commit_of(repo.remote, "refs/tags/v1.2") == repo.v123

    # The next patch release force-updates v1 and v1.3 on the remote, which already has them.
    add_unreleased_entry(repo, "### Fixed\n- A fix.")
    released(repo.path, "prepare", "1.3.1", "--date", DATE)
    released(repo.path, "push", "1.3.1")

    v131 = commit_of(repo.path, "v1.3.1")
    for tag in ("v1.3.1", "v1", "v1.3"):
        assert remote_commit_of(repo.remote, f"refs/tags/{tag}") == v131
    assert remote_commit_of(repo.remote, "refs/tags/v1.3.0") == v130
    # The second release commit follows the first on main: the pinned commits are on no branch.
    assert remote_commit_of(repo.remote, "refs/heads/main") == parent_of(repo.path, "v1.3.1")
    history = git(repo.remote, "rev-list", "refs/heads/main").split()
    assert release130 in history
    assert v130 not in history
    assert v131 not in history


def test_push_refuses_a_version_that_was_not_prepared(repo: Repo) -> None:
    result = release(repo.path, "push", "1.4.0")
    assert (result.returncode, result.stderr) == (
        1,
        "release: tag v1.4.0 does not exist here: run 'prepare 1.4.0' first\n",
    )
    assert remote_commit_of(repo.remote, "refs/heads/main") == repo.v123


def test_push_refuses_to_move_tags_back_to_an_older_release(repo: Repo) -> None:
    released(repo.path, "prepare", "1.3.0", "--date", DATE)
    add_unreleased_entry(repo, "### Fixed\n- A fix.")
    released(repo.path, "prepare", "1.3.1", "--date", DATE)

    result = release(repo.path, "push", "1.3.0")

    assert (result.returncode, result.stderr) == (
        1,
        "release: tag v1 does not point at v1.3.0: refusing to move it\n",
    )
    assert remote_commit_of(repo.remote, "refs/tags/v1") == repo.v123
    assert git(repo.remote, "tag", "--list", "v1.3*") == ""


def test_push_is_atomic_when_the_remote_branch_moved_on(repo: Repo, tmp_path: Path) -> None:
    # Someone else pushed to main meanwhile: the branch update is refused, so no tag lands.
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(repo.remote), str(other))
    git(other, "config", "user.name", "Someone Else")
    git(other, "config", "user.email", "else@example.com")
    (other / "README.md").write_text("hello\n")
    commit_all(other, "Concurrent change")
    git(other, "push", "--quiet", "origin", "main")
    remote_main = remote_commit_of(repo.remote, "refs/heads/main")
    released(repo.path, "prepare", "1.3.0", "--date", DATE)

    result = release(repo.path, "push", "1.3.0")

    assert result.returncode == 1
    assert result.stderr.startswith("release: git push --atomic origin ")
    assert remote_commit_of(repo.remote, "refs/heads/main") == remote_main
    assert remote_commit_of(repo.remote, "refs/tags/v1") == repo.v123
    assert git(repo.remote, "tag", "--list", "v1.3*") == ""


def test_a_failed_commit_leaves_the_files_as_they_were(repo: Repo) -> None:
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'hook: not today' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = repo.snapshot()

    result = release(repo.path, "prepare", "1.3.0", "--date", DATE)

    assert (result.returncode, result.stderr) == (
        1,
        "release: git commit --quiet -m Release v1.3.0 failed: hook: not today\n",
    )
    assert repo.snapshot() == before
    assert git(repo.path, "diff", "--cached", "--name-only") == ""
