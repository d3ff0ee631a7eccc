#!/usr/bin/env python3
"""`make bench-demo`: the demo's wall time on a first run (local services stopped and the
demo's work directory removed first) and on a second run right after, with each stage's
time and each slipway action's step times taken from act's logs. Prints figures only."""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACT_LOGS = ROOT / ".local" / "demo" / "act"
STAGE = re.compile(r"━━ (?:\S+ )?(.+?) \((\d+) s\)$")
ACTION_STEP = re.compile(
    r"✅\s+Success - Main slipway-platform/slipway(?:/actions/([\w-]+))?@v\d+ \[([\dhmsµn.]+)\]"
)
# act prints a step's time as Go formats a duration: "834.48ms", "2.3s", "1m8.57s", "1h2m3s".
DURATION_PART = re.compile(r"([\d.]+)(h|ms|µs|ns|m|s)")
UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "µs": 1e-6, "ns": 1e-9}


def go_duration_seconds(text: str) -> float:
    """Seconds in a Go duration string; every part counts (a 1m8s step is 68 s, not 60)."""
    parts = DURATION_PART.findall(text)
    if not parts or "".join(value + unit for value, unit in parts) != text:
        raise ValueError(f"not a Go duration: {text!r}")
    return sum(float(value) * UNITS[unit] for value, unit in parts)


def run_demo() -> tuple[float, list[tuple[str, int]], str]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"the demo failed (exit {result.returncode}):\n{result.stdout[-3000:]}")
    stages = [
        (m.group(1), int(m.group(2))) for m in map(STAGE.search, result.stdout.splitlines()) if m
    ]
    return elapsed, stages, result.stdout


def action_times() -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    for log in sorted(ACT_LOGS.glob("*/act.log")):
        for match in ACTION_STEP.finditer(log.read_text()):
            name = match.group(1) or "ship"
            times.setdefault(name, []).append(go_duration_seconds(match.group(2)))
    return times


def main() -> int:
    subprocess.run(["make", "-s", "demo-down"], cwd=ROOT, check=False, capture_output=True)
    shutil.rmtree(ROOT / ".local" / "demo", ignore_errors=True)
    first, first_stages, _ = run_demo()
    second, second_stages, _ = run_demo()
    print(f"demo wall time: first run {first:.0f} s (services started), second run {second:.0f} s")
    print(f"\n{'stage':<72} {'1st':>5} {'2nd':>5}")
    for (title, one), (_, two) in zip(first_stages, second_stages, strict=False):
        print(f"{title:<72} {one:>4}s {two:>4}s")
    print("\nslipway action steps in the second run (act's timing of each step):")
    print(f"{'action':<18} {'runs':>4} {'median':>8} {'max':>8}")
    for name, values in sorted(action_times().items()):
        print(
            f"{name:<18} {len(values):>4} {statistics.median(values):>7.1f}s {max(values):>7.1f}s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
