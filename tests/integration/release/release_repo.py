"""A real temporary git repository with a bare remote, for scripts/release (run as a
subprocess, the way the release workflow runs it). The repository has already released
v1.2.3 (annotated tag, moving tags v1 and v1.2 pushed to the remote) and has Unreleased
entries waiting.

slipway's references to itself are written `{OWN}/…` here, never spelt out: a new major of
this project rewrites every spelt-out reference in the repository, these tests included.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
SCRIPT = REPO_ROOT / "scripts" / "release"
OWN = "slipway-platform" + "/slipway"
URL = f"https://github.com/{OWN}"
DATE = "2026-11-26"

CHANGELOG = f"""# Changelog

All notable changes are documented here ([Keep a Changelog](https://keepachangelog.com/)).

## [Unreleased]

### Added
- `ecs-deploy`: one-off migration tasks.
- `tf-plan`: drift mode.

### Fixed
- `cw-alarms-check` reads alarm tags again.

## [1.2.3] - 2026-01-15

### Added
- First public release.

[Unreleased]: {URL}/compare/v1.2.3...HEAD
[1.2.3]: {URL}/releases/tag/v1.2.3
"""

PYPROJECT = """[project]
name = "slipway"
version = "1.2.3"
description = "fixture"

[tool.other]
version = "9.9.9"
"""

WORKFLOW = f"""on: workflow_call
jobs:
  plan:
    runs-on: ubuntu-latest
    steps:
      - uses: {OWN}/actions/tf-plan@v1
"""


def git_env() -> dict[str, str]:
    # Only the repository's own config: the machine's global git config must not matter.
    return {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=False, env=git_env()
    )
    assert result.returncode == 0, f"git {args}: {result.stderr}"
    return result.stdout.strip()


def release(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], cwd=repo, capture_output=True, text=True, check=False,
        env=git_env(), timeout=60,
    )  # fmt: skip


def released(repo: Path, *args: str) -> str:
    result = release(repo, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def commit_of(repo: Path, ref: str) -> str:
    return git(repo, "rev-parse", f"{ref}^{{commit}}")


def parent_of(repo: Path, ref: str) -> str:
    return commit_of(repo, f"{ref}^")


def show(repo: Path, ref: str, path: str) -> str:
    return git(repo, "show", f"{ref}:{path}") + "\n"


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", message)


def init_repository(path: Path, remote: Path) -> None:
    """An empty repository on main, its `origin` the bare repository `remote`."""
    git(path.parent, "init", "--quiet", "--bare", "-b", "main", str(remote))
    git(path.parent, "init", "--quiet", "-b", "main", str(path))
    git(path, "config", "user.name", "Release Tester")
    git(path, "config", "user.email", "release@example.com")
    git(path, "remote", "add", "origin", str(remote))


@dataclass(frozen=True)
class Repo:
    path: Path
    remote: Path
    v123: str  # the commit v1.2.3 points at

    def write(self, name: str, text: str) -> None:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def read(self, name: str) -> str:
        return (self.path / name).read_text()

    def snapshot(self) -> tuple[str, str, str, str, str]:
        """Everything a refused release must leave untouched."""
        return (
            git(self.path, "rev-parse", "HEAD"),
            git(self.path, "show-ref", "--tags"),
            self.read("CHANGELOG.md"),
            self.read("pyproject.toml"),
            git(self.path, "status", "--porcelain"),
        )


def make_repo(tmp_path: Path) -> Repo:
    path, remote = tmp_path / "work", tmp_path / "remote.git"
    init_repository(path, remote)
    fixture = Repo(path, remote, "")
    fixture.write("CHANGELOG.md", CHANGELOG)
    fixture.write("pyproject.toml", PYPROJECT)
    fixture.write(".github/workflows/infra.yml", WORKFLOW)
    commit_all(path, "First release")
    git(path, "tag", "--annotate", "-m", "Release v1.2.3", "v1.2.3")
    git(path, "tag", "v1")
    git(path, "tag", "v1.2")
    git(path, "push", "--quiet", "origin", "main", "--tags")
    return Repo(path, remote, commit_of(path, "v1.2.3"))


def add_unreleased_entry(repo: Repo, entry: str) -> None:
    text = repo.read("CHANGELOG.md").replace("## [Unreleased]\n", f"## [Unreleased]\n\n{entry}\n")
    repo.write("CHANGELOG.md", text)
    commit_all(repo.path, "More work")
