"""A scratch git repository holding the project's current files.

act needs a git checkout (it reads HEAD for GITHUB_SHA and copies the tree for
actions/checkout), and the demo commits a change the way a developer would. Working in a
copy keeps the developer's repository untouched and keeps what act copies small: only the
files git would track, never .venv or .local."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

AUTHOR = ["-c", "user.name=slipway demo", "-c", "user.email=demo@slipway.invalid"]


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *AUTHOR, *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {result.stderr.strip()}")
    return result.stdout.strip()


def project_files(source: Path) -> list[str]:
    """Tracked files plus new ones not ignored: what the next commit could hold."""
    listing = git(source, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return sorted({name for name in listing.split("\0") if name and (source / name).is_file()})


def copy_files(source: Path, destination: Path) -> None:
    """Copy source's project files (see project_files) into destination."""
    for name in project_files(source):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, target)


def export(source: Path, destination: Path, message: str = "slipway") -> str:
    """Replace destination with a one-commit repository of source's files; return the SHA."""
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    copy_files(source, destination)
    git(destination, "init", "-q", "-b", "main")
    git(destination, "add", "-A")
    git(destination, "commit", "-q", "-m", message)
    return head(destination)


def commit(repository: Path, message: str, changes: dict[str, str]) -> str:
    """Write the given files (path relative to the repository -> content) and commit them."""
    for name, content in changes.items():
        path = repository / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "-m", message)
    return head(repository)


def head(repository: Path) -> str:
    return git(repository, "rev-parse", "HEAD")
