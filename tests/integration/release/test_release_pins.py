"""What a release does to slipway's references to itself, on real git repositories.

- The pin: the release's tags point at a commit on top of the release commit, on no branch,
  where the files a consumer runs (.github/workflows, action.yml, actions/*/action.yml) name
  the exact tag; main keeps the moving major tag.
- A new major: one `prepare` moves every reference in the repository to the new major.

The last test releases this repository itself (a clone of its committed HEAD).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.integration.release.release_repo import (
    DATE,
    OWN,
    REPO_ROOT,
    WORKFLOW,
    Repo,
    commit_all,
    commit_of,
    git,
    git_env,
    parent_of,
    release,
    released,
    show,
)

CHECKOUT = "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8"
# Every reference to this repository and the ref it names (`@v1`, `@v1.3.0`, ...).
REFERENCE = re.compile(re.escape(OWN) + r"(?:/[^@\s'\"`]*)?@([\w.-]*\w)")
EXECUTED = re.compile(r"\.github/workflows/[^/]+\.ya?ml|action\.ya?ml|actions/[^/]+/action\.ya?ml")

INFRA = f"""{WORKFLOW}  environment:
    uses: {OWN}/.github/workflows/infra-environment.yml@v1
"""
ENVIRONMENT = f"""on: workflow_call
jobs:
  terraform:
    runs-on: ubuntu-latest
    steps:
      - uses: {CHECKOUT} # v5.0.0
      - uses: {OWN}/actions/tf-plan@v1.2
      - uses: {OWN}/actions/tf-apply-gated@v1
"""
ROOT_ACTION = f"""runs:
  using: composite
  steps:
    - uses: {OWN}/actions/ecs-deploy@v1
"""
ECS_DEPLOY = f"""runs:
  using: composite
  steps:
    - uses: {OWN}/actions/cw-alarms-check@v1
"""
ECS_DEPLOY_README = f"- uses: {OWN}/actions/ecs-deploy@v1\n"
README = f"- uses: {OWN}@v1\n"
ACT_SCRIPT = f'SLIPWAY_REPOSITORY = "{OWN}@v1"\n'

FILES = {
    ".github/workflows/infra.yml": INFRA,
    ".github/workflows/infra-environment.yml": ENVIRONMENT,
    "action.yml": ROOT_ACTION,
    "actions/ecs-deploy/action.yml": ECS_DEPLOY,
    "actions/ecs-deploy/README.md": ECS_DEPLOY_README,
    "README.md": README,
    "scripts/localrun/act.py": ACT_SCRIPT,
}
EXECUTED_FILES = [
    ".github/workflows/infra-environment.yml",
    ".github/workflows/infra.yml",
    "action.yml",
    "actions/ecs-deploy/action.yml",
]


def with_references(repo: Repo) -> None:
    for name, text in FILES.items():
        repo.write(name, text)
    commit_all(repo.path, "Workflows and actions that call each other")


def refs_in(text: str) -> list[str]:
    return REFERENCE.findall(text)


def tracked(repo: Path, ref: str) -> list[str]:
    return git(repo, "ls-tree", "-r", "--name-only", ref).splitlines()


def test_tags_point_at_a_commit_where_executed_files_name_the_exact_tag(repo: Repo) -> None:
    with_references(repo)

    released(repo.path, "prepare", "1.3.0", "--date", DATE)

    head, pinned = commit_of(repo.path, "HEAD"), commit_of(repo.path, "v1.3.0")
    assert parent_of(repo.path, "v1.3.0") == head
    assert git(repo.path, "log", "-1", "--format=%s", pinned) == (
        "Pin v1.3.0: slipway's own actions and workflows at v1.3.0"
    )
    # Only the executed files differ, and every reference in them names v1.3.0 (the exact
    # tag v1.0.0 would stay, none here; the moving v1.2 is pinned too).
    changed = git(repo.path, "diff", "--name-only", head, pinned).splitlines()
    assert changed == EXECUTED_FILES
    for name in EXECUTED_FILES:
        assert show(repo.path, pinned, name) == FILES[name].replace("@v1.2\n", "@v1\n").replace(
            "@v1\n", "@v1.3.0\n"
        )
        assert set(refs_in(show(repo.path, pinned, name))) == {"v1.3.0"}
    assert [name for name in tracked(repo.path, pinned) if EXECUTED.fullmatch(name)] == (
        EXECUTED_FILES
    )
    # Documentation and scripts keep the moving tag in the tagged commit too.
    for name in ("README.md", "actions/ecs-deploy/README.md", "scripts/localrun/act.py"):
        assert show(repo.path, pinned, name) == FILES[name]
    # main, its working tree and its index still name the moving major tag.
    for name, text in FILES.items():
        assert repo.read(name) == text
        assert show(repo.path, head, name) == text
    assert git(repo.path, "status", "--porcelain") == ""
    assert git(repo.path, "branch", "--contains", pinned) == ""
    assert git(repo.path, "rev-list", "main").count(pinned) == 0


def test_the_pinned_commit_keeps_file_modes(repo: Repo) -> None:
    with_references(repo)
    (repo.path / "action.yml").chmod(0o755)
    commit_all(repo.path, "An executable action.yml")

    released(repo.path, "prepare", "1.3.0", "--date", DATE)

    listing = git(repo.path, "ls-tree", "v1.3.0", "action.yml", ".github/workflows/infra.yml")
    modes = [line.split()[0] for line in listing.splitlines()]
    assert modes == ["100644", "100755"]  # infra.yml, then action.yml (ls-tree sorts)


def test_a_new_major_moves_every_reference_in_one_command(repo: Repo) -> None:
    with_references(repo)
    upgrading = f"### Upgrading\n- Replace `{OWN}/…@v1` with `@v2`: the inputs were renamed."
    history = f"- `tf-plan`: `uses: {OWN}/actions/tf-plan@v1`."
    text = repo.read("CHANGELOG.md").replace("- First public release.", f"{history}")
    text = text.replace("## [Unreleased]\n", f"## [Unreleased]\n\n{upgrading}\n")
    repo.write("CHANGELOG.md", text)
    commit_all(repo.path, "Breaking: inputs renamed")
    before = repo.snapshot()

    plan = released(repo.path, "prepare", "2.0.0", "--date", DATE, "--dry-run")

    assert repo.snapshot() == before
    lines = plan.splitlines()
    start = lines.index(f"move {OWN}…@v1 to @v2 (a new major) in 7 files:")
    assert lines[start + 1 : start + 9] == [
        "  .github/workflows/infra-environment.yml (2)",
        "  .github/workflows/infra.yml (2)",
        "  README.md (1)",
        "  action.yml (1)",
        "  actions/ecs-deploy/README.md (1)",
        "  actions/ecs-deploy/action.yml (1)",
        "  scripts/localrun/act.py (1)",
        "set pyproject.toml version 1.2.3 -> 2.0.0",
    ]
    assert f"commit 'Pin v2.0.0' on top of it, on no branch, {OWN}…@v2 to @v2.0.0 in 4 files:" in (
        lines
    )

    released(repo.path, "prepare", "2.0.0", "--date", DATE)

    head, pinned = commit_of(repo.path, "HEAD"), commit_of(repo.path, "v2.0.0")
    assert git(repo.path, "log", "-1", "--format=%s") == "Release v2.0.0"
    assert git(repo.path, "diff", "--name-only", "HEAD~1", "HEAD").splitlines() == sorted(
        ["CHANGELOG.md", "pyproject.toml", *FILES]
    )
    for name, text in FILES.items():
        on_main = text.replace("@v1.2\n", "@v1\n").replace("@v1\n", "@v2\n").replace('@v1"', '@v2"')
        assert repo.read(name) == on_main, name
        assert set(refs_in(on_main)) == {"v2"}
        expected = on_main.replace("@v2\n", "@v2.0.0\n") if name in EXECUTED_FILES else on_main
        assert show(repo.path, pinned, name) == expected, name
    # The history keeps its text, and the Upgrading note still names the major it leaves.
    changelog = repo.read("CHANGELOG.md")
    assert f"## [2.0.0] - {DATE}\n\n{upgrading}\n" in changelog
    assert history in changelog
    # v1 stays where it was; v2, v2.0 and v2.0.0 point at the pinned commit.
    assert parent_of(repo.path, "v2.0.0") == head
    assert commit_of(repo.path, "v2") == commit_of(repo.path, "v2.0") == pinned
    assert commit_of(repo.path, "v1") == commit_of(repo.path, "v1.2") == repo.v123
    assert 'version = "2.0.0"' in repo.read("pyproject.toml")
    assert git(repo.path, "status", "--porcelain") == ""


def test_push_refuses_a_tag_that_is_not_on_a_pinned_release_commit(repo: Repo) -> None:
    # A release tagged by hand on its release commit, as before pins existed.
    repo.write("CHANGELOG.md", repo.read("CHANGELOG.md").replace("## [1.2.3]", "## [1.3.0]"))
    commit_all(repo.path, "Release v1.3.0")
    git(repo.path, "tag", "--annotate", "-m", "Release v1.3.0", "v1.3.0")
    git(repo.path, "tag", "--force", "v1")
    git(repo.path, "tag", "v1.3")

    result = release(repo.path, "push", "1.3.0")

    assert (result.returncode, result.stderr) == (
        1,
        "release: tag v1.3.0 does not point at a pinned commit whose parent is "
        "'Release v1.3.0': run 'prepare 1.3.0' to make the release\n",
    )
    assert commit_of(repo.remote, "refs/heads/main") == repo.v123
    assert git(repo.remote, "tag", "--list", "v1.3*") == ""


def test_push_refuses_a_pinned_commit_that_changes_more_than_workflows(repo: Repo) -> None:
    released(repo.path, "prepare", "1.3.0", "--date", DATE)
    # Someone re-tags a pinned commit that also edits the README.
    git(repo.path, "switch", "--quiet", "--detach", "v1.3.0")
    repo.write("README.md", "changed after the release\n")
    git(repo.path, "add", "README.md")
    git(repo.path, "commit", "--quiet", "--amend", "-m", "Pin v1.3.0")
    sneaky = commit_of(repo.path, "HEAD")
    for tag in ("v1.3.0", "v1", "v1.3"):
        git(repo.path, "tag", "--force", tag, sneaky)

    result = release(repo.path, "push", "1.3.0")

    assert (result.returncode, result.stderr) == (
        1,
        "release: the commit tag v1.3.0 points at changes more than workflows and actions: "
        "README.md\n",
    )
    assert commit_of(repo.remote, "refs/heads/main") == repo.v123


def test_a_failure_after_the_release_commit_leaves_everything_as_it_was(repo: Repo) -> None:
    # A ref transaction git itself refuses: the moving tag v1.3 cannot be created.
    hook = repo.path / ".git" / "hooks" / "reference-transaction"
    hook.write_text(
        "#!/bin/sh\n"
        '[ "$1" = prepared ] || exit 0\n'
        "while read -r old new ref; do\n"
        '  if [ "$ref" = refs/tags/v1.3 ] && [ "$new" != "$(printf "%040d" 0)" ]; then\n'
        "    echo 'hook: v1.3 is reserved' >&2; exit 1\n"
        "  fi\n"
        "done\n"
    )
    hook.chmod(0o755)
    with_references(repo)
    before = repo.snapshot()

    result = release(repo.path, "prepare", "1.3.0", "--date", DATE)

    assert result.returncode == 1
    assert result.stderr.startswith("release: git tag --force v1.3 ")
    assert result.stderr.count("\n") == 1
    assert repo.snapshot() == before
    assert git(repo.path, "symbolic-ref", "--short", "HEAD") == "main"
    for name, text in FILES.items():
        assert repo.read(name) == text


def test_this_repository_releases_a_new_major_and_pins_it(tmp_path: Path) -> None:
    """A clone of this repository's committed HEAD, released at the next major: every file
    but the CHANGELOG moves to it on main, and the tagged commit runs the exact tag."""
    clone = tmp_path / "slipway"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(clone)],
        check=True, env=git_env(), capture_output=True,
    )  # fmt: skip
    git(clone, "config", "user.name", "Release Tester")
    git(clone, "config", "user.email", "release@example.com")
    # The first release has no compare links yet: the URL comes from origin.
    git(clone, "remote", "set-url", "origin", f"git@github.com:{OWN}.git")
    infra = (clone / ".github" / "workflows" / "infra.yml").read_text()
    [major] = {int(ref[1:]) for ref in refs_in(infra)}
    new = major + 1
    changelog = (
        (clone / "CHANGELOG.md")
        .read_text()
        .replace("## [Unreleased]\n", f"## [Unreleased]\n\n### Upgrading\n- Move to v{new}.\n", 1)
    )
    (clone / "CHANGELOG.md").write_text(changelog)
    commit_all(clone, "A breaking change")
    old_reference = re.compile(
        re.escape(OWN) + rf"(?:/[^@\s'\"`]*)?@v{major}(?:\.\d+)?(?![\w-]|\.\d)"
    )
    before = {
        name: count
        for name in tracked(clone, "HEAD")
        if name != "CHANGELOG.md"
        and (count := len(old_reference.findall((clone / name).read_text(errors="replace"))))
    }

    released(clone, "prepare", f"{new}.0.0", "--date", DATE)

    # main: no file but the CHANGELOG names the previous major any more.
    assert git(clone, "diff", "--name-only", "HEAD~1", "HEAD").splitlines() == sorted(
        {*before, "CHANGELOG.md", "pyproject.toml"}
    )
    assert len(before) >= 10, before  # workflows, READMEs, docs, examples, tests, scripts
    assert {".github/workflows/infra.yml", "README.md", "scripts/localrun/act.py"} <= set(before)
    for name in before:
        text = (clone / name).read_text()
        assert old_reference.findall(text) == [], name
    act_script = (clone / "scripts" / "localrun" / "act.py").read_text()
    assert f'"{OWN}@v{new}"' in act_script
    released_changelog = (clone / "CHANGELOG.md").read_text()
    for line in changelog.splitlines():
        if OWN in line:
            assert line in released_changelog.splitlines()  # history keeps its text
    assert f"[Unreleased]: https://github.com/{OWN}/compare/v{new}.0.0...HEAD" in (
        released_changelog
    )
    # The tagged commit: every executed file names the exact tag, and nothing else changed.
    pinned = commit_of(clone, f"v{new}.0.0")
    assert parent_of(clone, f"v{new}.0.0") == commit_of(clone, "HEAD")
    executed = [name for name in tracked(clone, pinned) if EXECUTED.fullmatch(name)]
    assert ".github/workflows/infra-environment.yml" in executed
    pinned_refs = {name: refs_in(show(clone, pinned, name)) for name in executed}
    main_refs = {name: refs_in((clone / name).read_text()) for name in executed}
    assert sum(len(refs) for refs in pinned_refs.values()) >= 10
    for name in executed:
        assert set(pinned_refs[name]) <= {f"v{new}.0.0"}, name
        assert set(main_refs[name]) <= {f"v{new}"}, name
        assert len(pinned_refs[name]) == len(main_refs[name]), name
    changed = git(clone, "diff", "--name-only", "HEAD", pinned).splitlines()
    assert changed == sorted(name for name in executed if main_refs[name])
