"""scripts/go_build_progress.py: counts what `go build -v` compiles against `go list -deps`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "go_build_progress.py"


def test_counts_packages_passes_errors_on_and_keeps_the_exit_status(tmp_path: Path) -> None:
    build = tmp_path / "fake-build"
    build.write_text(
        "#!/bin/sh\n"
        "echo example.com/a >&2\n"
        "echo example.com/b >&2\n"
        "echo 'go: downloading example.com/c v1.0.0' >&2\n"
        "echo './x.go:3:1: syntax error' >&2\n"
        "exit 3\n"
    )
    build.chmod(0o755)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "build-x", "fmt", "--", str(build)],
        capture_output=True,
        text=True,
        check=False,
    )
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
