"""The pure parts of a release: which references to slipway a release rewrites
(scripts/release_references.py) and the web address of a remote (scripts/release).

References are written `{OWN}…` here, never spelt out: a new major rewrites every spelt-out
reference in the repository, these tests included."""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from release_references import (
    is_executed,
    major_rewrites,
    moving_majors,
    pins,
    previous_major,
    retarget,
)

REPO = Path(__file__).resolve().parents[2]
OWN = "slipway-platform" + "/slipway"


@functools.cache
def release_script() -> ModuleType:
    """scripts/release as a module (the file has no .py suffix)."""
    loader = importlib.machinery.SourceFileLoader("release_script", str(REPO / "scripts/release"))
    spec = importlib.util.spec_from_loader("release_script", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["release_script"] = module  # its dataclasses look their module up
    loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"uses: {OWN}/actions/tf-plan@v1\n", f"uses: {OWN}/actions/tf-plan@v1.3.0\n"),
        (f"uses: {OWN}/.github/workflows/x.yml@v1", f"uses: {OWN}/.github/workflows/x.yml@v1.3.0"),
        (f'SLIPWAY = "{OWN}@v1"', f'SLIPWAY = "{OWN}@v1.3.0"'),  # the root action
        (f"`{OWN}/…@v1`.", f"`{OWN}/…@v1.3.0`."),
        (f"{OWN}/actions/tf-plan@v1.2 #", f"{OWN}/actions/tf-plan@v1.3.0 #"),  # moving minor
        (f"- uses: {OWN}/actions/x@v1.", f"- uses: {OWN}/actions/x@v1.3.0."),  # end of sentence
        (f"{OWN}/actions/x@v1.2.0", None),  # an exact tag stays
        (f"{OWN}/actions/x@v10", None),  # another major
        (f"{OWN}/actions/x@v1-rc", None),
        (f"{OWN}/actions/x@main", None),
        (f"{OWN}-extras/actions/x@v1", None),  # another repository
        (f"git::https://github.com/{OWN}.git//modules/vpc?ref=v1", None),
        (f"{OWN}/.github/workflows/x.yml@refs/tags/v1", None),  # an OIDC claim, not a uses
    ],
)
def test_what_a_pin_rewrites(text: str, expected: str | None) -> None:
    rewritten, count = retarget(text, 1, "v1.3.0")
    assert (rewritten, count) == ((expected, 1) if expected else (text, 0))


@pytest.mark.parametrize(
    ("path", "executed"),
    [
        (".github/workflows/infra.yml", True),
        (".github/workflows/release.yaml", True),
        ("action.yml", True),
        ("actions/ecs-deploy/action.yml", True),
        ("actions/ecs-deploy/README.md", False),
        (".github/workflows/nested/x.yml", False),  # GitHub reads only the folder itself
        ("examples/workflows/infra.yml", False),
        ("tests/fakes/actions_cache/restore/action.yml", False),
        ("README.md", False),
    ],
)
def test_which_files_a_consumer_runs(path: str, executed: bool) -> None:
    assert is_executed(path) is executed


def test_previous_major_decides_from_the_executed_files() -> None:
    workflow = f"uses: {OWN}/actions/x@v1\n"
    assert previous_major({".github/workflows/a.yml": workflow}, 1) is None
    assert previous_major({".github/workflows/a.yml": workflow}, 2) == 1
    assert previous_major({"README.md": workflow}, 2) is None  # documentation does not decide
    assert previous_major({}, 2) is None
    with pytest.raises(ValueError, match=r"at a major above v0: \.github/workflows/a\.yml \(@v1\)"):
        previous_major({".github/workflows/a.yml": workflow}, 0)
    two = {"action.yml": f"{OWN}/actions/y@v3", ".github/workflows/a.yml": workflow}
    with pytest.raises(ValueError) as refused:
        previous_major(two, 3)
    assert str(refused.value) == (
        f"these files reference {OWN} at more than one major: "
        ".github/workflows/a.yml (@v1); action.yml (@v3)"
    )


def test_a_new_major_leaves_the_changelog_alone() -> None:
    files = {"CHANGELOG.md": f"- `{OWN}@v1`\n", "docs/x.md": f"`{OWN}@v1` and `{OWN}@v1.4`"}
    [rewrite] = major_rewrites(files, 1, 2)
    assert (rewrite.path, rewrite.text, rewrite.count) == (
        "docs/x.md",
        f"`{OWN}@v2` and `{OWN}@v2`",
        2,
    )


def tracked(*names: str) -> dict[str, str]:
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--", *names], cwd=REPO, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    return {name: (REPO / name).read_text() for name in listing.split("\0") if name}


def test_this_repositorys_executed_files_pin_completely() -> None:
    """main calls its own actions and workflows at one moving major tag; the pin leaves none."""
    files = tracked(".github/workflows", "action.yml", "actions")
    executed = {name: text for name, text in files.items() if is_executed(name)}
    majors = set().union(*(moving_majors(text) for text in executed.values()))
    assert len(majors) == 1, majors
    [major] = majors
    assert previous_major(files, major) is None

    pinned = {rewrite.path: rewrite for rewrite in pins(files, major, f"v{major}.9.9")}

    assert {".github/workflows/infra.yml", ".github/workflows/infra-environment.yml"} <= set(pinned)
    assert sum(rewrite.count for rewrite in pinned.values()) >= 10
    for name, text in executed.items():
        after = pinned[name].text if name in pinned else text
        assert moving_majors(after) == set(), name
        assert after.count(f"@v{major}.9.9") == (pinned[name].count if name in pinned else 0)


@pytest.mark.parametrize(
    ("remote", "web"),
    [
        (f"https://github.com/{OWN}.git", f"https://github.com/{OWN}"),
        (f"https://github.com/{OWN}", f"https://github.com/{OWN}"),
        (f"https://x-access-token:secret@github.com/{OWN}.git", f"https://github.com/{OWN}"),
        (f"git@github.com:{OWN}.git", f"https://github.com/{OWN}"),
        (f"ssh://git@github.com:22/{OWN}.git", f"https://github.com/{OWN}"),
        (f"http://127.0.0.1:3000/{OWN}.git/", f"http://127.0.0.1:3000/{OWN}"),
        ("/tmp/remote.git", None),
        ("../remote.git", None),
        ("file:///tmp/remote.git", None),
        ("git@github.com:remote.git", None),  # no owner
    ],
)
def test_web_address_of_a_remote(remote: str, web: str | None) -> None:
    assert release_script().web_url_of_remote(remote) == web
