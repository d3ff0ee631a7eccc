#!/usr/bin/env python3
"""Run a `go build` and say how far it got, at least every 30 seconds.

    scripts/go_build_progress.py LABEL PACKAGE -- go build -v ... PACKAGE

A cold build of the AWS provider compiles about 2,000 packages over half an hour and prints
nothing on its own. This counts: the total is what `go list -deps PACKAGE` names (run in the
same directory and environment), and each package `go build -v` prints is one compiled (the
ones already in the build cache are not printed, so a warm build finishes early). Every
30 s a line goes to stderr: "LABEL: 812 of 2,047 packages compiled, 11 min 30 s", and
before that, while `go list` downloads the modules on a new machine (a minute or more for the
provider), "LABEL: downloading modules and listing packages, 1 min 00 s". Compiler errors
pass through as they come; the exit status is the build's. GO_BUILD_PROGRESS_INTERVAL sets
the interval in seconds (the tests shorten it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

INTERVAL = float(os.environ.get("GO_BUILD_PROGRESS_INTERVAL") or 30.0)


def total_packages(package: str) -> int | None:
    listed = subprocess.run(
        ["go", "list", "-deps", package], capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        return None
    return sum(1 for line in listed.stdout.splitlines() if line.strip())


def elapsed(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def main(argv: list[str]) -> int:
    if len(argv) < 4 or "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    label, package = argv[1], argv[2]
    command = argv[split + 1 :]
    started = time.monotonic()
    compiled = 0
    listed = False  # until `go list` answers (it downloads the modules first)
    total: int | None = None
    done = threading.Event()

    def report() -> None:
        while not done.wait(INTERVAL):
            took = elapsed(time.monotonic() - started)
            if not listed:
                line = f"{label}: downloading modules and listing packages, {took}"
            else:
                of = f" of {total:,}" if total else ""
                line = f"{label}: {compiled:,}{of} packages compiled, {took}"
            print(line, file=sys.stderr, flush=True)

    reporter = threading.Thread(target=report, daemon=True)
    reporter.start()
    total = total_packages(package)
    listed = True
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=os.environ)
    assert process.stderr is not None
    for line in process.stderr:
        stripped = line.rstrip("\n")
        # `-v` names a package per line; anything else (errors, warnings) is passed on.
        if stripped and " " not in stripped and not stripped.startswith("#"):
            compiled += 1
        elif not stripped.startswith("go: downloading"):
            sys.stderr.write(line)
    code = process.wait()
    done.set()
    of = f" of {total:,}" if total else ""
    print(
        f"{label}: {compiled:,}{of} packages compiled in {elapsed(time.monotonic() - started)}",
        file=sys.stderr,
    )
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
