#!/usr/bin/env python3
"""What `make demo` (or `make test`) will do on this machine, and whether it can: printed
before anything long starts.

    python3 scripts/prerequisites.py [demo|test]

It asks each build script whether its product is cached (`--status`), reads this machine's
cores, free memory and free disk, and the Go toolchain's version; then it prints what the
first run will build and roughly how long that takes, or stops with one line naming what is
missing. Standard library only: it runs before the project's environment exists.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GIB = 1 << 30
# The engines and BuildKit need this Go (their go.mod files); the provider builds with it too.
GO_NEEDED = (1, 26, 6)


@dataclass(frozen=True)
class Build:
    name: str
    script: str
    minutes: int  # on 2 cores, cold
    memory_gib: float  # peak resident memory
    disk_gib: float  # module and build caches plus the product
    stories: tuple[str, ...] = ("demo", "test")  # the make targets that need it


BUILDS = (
    Build("the Terraform AWS provider", "build-aws-provider", 28, 9.3, 12.0),
    Build("Terraform and OpenTofu", "build-engines", 12, 2.5, 3.0),
    Build("BuildKit and buildx", "build-buildkit", 8, 2.5, 3.0),
    Build("tflint", "build-tflint", 3, 1.5, 1.0, stories=("test",)),  # module lint tests only
)
STORY_MINUTES = {"demo": 10, "test": 16}


@dataclass(frozen=True)
class Machine:
    cores: int
    memory_gib: float  # available now (MemAvailable + free swap)
    disk_gib: float  # free where the caches live
    go: tuple[int, ...] | None
    gpg: bool


def go_version(text: str) -> tuple[int, ...] | None:
    """``(1, 26, 8)`` from ``go version`` output."""
    match = re.search(r"\bgo(\d+)\.(\d+)(?:\.(\d+))?", text)
    if match is None:
        return None
    return tuple(int(part) for part in match.groups("0"))


def meminfo_gib(text: str) -> float:
    values = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        number = rest.split()
        if number and number[0].isdigit():
            values[key] = int(number[0]) * 1024
    return (values.get("MemAvailable", 0) + values.get("SwapFree", 0)) / GIB


def problems(machine: Machine, pending: list[Build]) -> list[str]:
    """One line per missing prerequisite, for what still has to be built."""
    found = []
    if machine.cores < 2:
        found.append(f"needs at least 2 cores, this machine has {machine.cores}")
    if pending and machine.go is None:
        found.append("needs Go on PATH to build " + ", ".join(b.name for b in pending))
    elif pending and machine.go < GO_NEEDED:
        have = ".".join(map(str, machine.go))
        need = ".".join(map(str, GO_NEEDED))
        found.append(f"needs Go {need} or newer to build, found go{have}")
    memory = max((b.memory_gib for b in pending), default=0.0)
    if memory and machine.memory_gib < memory + 0.5:
        heavy = max(pending, key=lambda b: b.memory_gib)
        found.append(
            f"needs {memory + 0.5:.1f} GiB of free memory to link {heavy.name}, this machine "
            f"has {machine.memory_gib:.1f} GiB free"
        )
    disk = sum(b.disk_gib for b in pending) + 5.0  # + images, emulator, temp files
    if machine.disk_gib < disk:
        found.append(f"needs {disk:.0f} GiB of free disk, {machine.disk_gib:.0f} GiB is free")
    if not machine.gpg:
        found.append("needs gpg on PATH (it signs the local engine release site)")
    return found


def plan(machine: Machine, pending: list[Build], what: str) -> list[str]:
    lines = [
        f"This machine: {machine.cores} cores, {machine.memory_gib:.1f} GiB free memory, "
        f"{machine.disk_gib:.0f} GiB free disk, "
        + ("Go " + ".".join(map(str, machine.go)) if machine.go else "no Go")
        + "."
    ]
    story = STORY_MINUTES.get(what, STORY_MINUTES["demo"])
    scale = 2 / max(machine.cores, 1)
    if pending:
        builds = ", ".join(f"{b.name} (~{round(b.minutes * scale)} min)" for b in pending)
        total = round(sum(b.minutes for b in pending) * scale) + story
        lines.append(
            f"First run: builds {builds}, once; then ~{story} min. About {total} min in all."
        )
        lines.append("Each build prints its progress every 30 s; later runs find them cached.")
    else:
        lines.append(f"Everything is built and cached: about {story} min.")
    return lines


def read_machine() -> Machine:
    cache = Path(os.environ.get("SLIPWAY_CACHE") or Path.home() / ".cache" / "slipway")
    existing = next(p for p in (cache, *cache.parents) if p.exists())
    try:
        memory = meminfo_gib(Path("/proc/meminfo").read_text())
    except OSError:
        memory = 0.0
    go = None
    if shutil.which("go"):
        done = subprocess.run(["go", "version"], capture_output=True, text=True, check=False)
        go = go_version(done.stdout)
    return Machine(
        cores=os.cpu_count() or 1,
        memory_gib=memory,
        disk_gib=shutil.disk_usage(existing).free / GIB,
        go=go,
        gpg=shutil.which("gpg") is not None,
    )


def needed(what: str) -> list[Build]:
    """The builds ``make <what>`` uses (the demo never runs tflint)."""
    return [build for build in BUILDS if what in build.stories]


def pending_builds(what: str) -> list[Build]:
    pending = []
    for build in needed(what):
        script = ROOT / "scripts" / build.script
        if not script.is_file():
            continue
        status = subprocess.run([str(script), "--status"], capture_output=True, check=False)
        if status.returncode != 0:
            pending.append(build)
    return pending


def main(argv: list[str]) -> int:
    what = argv[1] if len(argv) > 1 else "demo"
    machine = read_machine()
    pending = pending_builds(what)
    missing = problems(machine, pending)
    if missing:
        print(
            f"make {what}: {missing[0]}"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
            file=sys.stderr,
        )
        for line in missing[1:]:
            print(f"  also: {line}", file=sys.stderr)
        return 1
    for line in plan(machine, pending, what):
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
