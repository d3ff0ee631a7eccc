"""scripts/go_build_progress.py: counts what `go build -v` compiles against `go list -deps`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "go_build_progress.py"


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


def progress(package: str, build: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """go_build_progress.py labelled ``build-x`` over ``build`` (a stand-in `go build -v`)."""
    return subprocess.run(
        [sys.executable, str(SCRIPT), "build-x", package, "--", str(build)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )


def test_counts_packages_passes_errors_on_and_keeps_the_exit_status(tmp_path: Path) -> None:
    build = executable(
        tmp_path / "fake-build",
        "#!/bin/sh\n"
        "echo example.com/a >&2\n"
        "echo example.com/b >&2\n"
        "echo 'go: downloading example.com/c v1.0.0' >&2\n"
        "echo './x.go:3:1: syntax error' >&2\n"
        "exit 3\n",
    )
    done = progress("fmt", build)
    assert done.returncode == 3
    lines = done.stderr.splitlines()
    assert "./x.go:3:1: syntax error" in lines
    assert not any("downloading" in line for line in lines)
    total = subprocess.run(
        ["go", "list", "-deps", "fmt"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert re.fullmatch(rf"build-x: 2 of {len(total):,} packages compiled in \d+ s", lines[-1]), (
        lines[-1]
    )


def test_progress_is_reported_while_go_list_downloads_the_modules(tmp_path: Path) -> None:
    """On a new machine `go list -deps` downloads every module first (a minute or more for the
    provider): that time is reported too, then the compiled count."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    executable(
        fake_bin / "go",
        "#!/bin/sh\nsleep 1.2\nprintf 'example.com/a\\nexample.com/b\\nexample.com/c\\n'\n",
    )
    build = executable(
        tmp_path / "fake-build",
        "#!/bin/sh\necho example.com/a >&2\nsleep 1.2\necho example.com/b >&2\n",
    )
    done = progress(
        "example.com/c",
        build,
        PATH=f"{fake_bin}{os.pathsep}{os.environ['PATH']}",
        GO_BUILD_PROGRESS_INTERVAL="0.5",
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    listing = [line for line in lines if "downloading modules and listing packages" in line]
    compiling = [
        line for line in lines if re.fullmatch(r"build-x: 1 of 3 packages compiled, \d s", line)
    ]
    assert listing and listing[0] == "build-x: downloading modules and listing packages, 0 s"
    assert compiling, lines
    assert lines.index(listing[-1]) < lines.index(compiling[0])
    assert re.fullmatch(r"build-x: 2 of 3 packages compiled in \d s", lines[-1]), lines[-1]
