"""Time per tier, printed at the end of a run: where `make test` spends its minutes.

Each test's setup, call and teardown durations are added to its tier (the first two parts of
its path: tests/unit, tests/integration, tests/e2e, tests/terraform, examples/app). With
several workers (pytest-xdist) the reports reach the controlling process, which adds them
up; the wall time is the whole run's. The slowest files follow: with `--dist loadfile` a
file runs on one worker, so the slowest file bounds the wall time from below.
"""

from __future__ import annotations

import time
from collections import defaultdict

import pytest

_STARTED = time.monotonic()
_SECONDS: dict[str, float] = defaultdict(float)
_TESTS: dict[str, set[str]] = defaultdict(set)
_FILE_SECONDS: dict[str, float] = defaultdict(float)
SLOWEST_FILES_SHOWN = 8


def tier_of(nodeid: str) -> str:
    parts = nodeid.split("::", 1)[0].split("/")
    return "/".join(parts[:2]) if len(parts) > 2 else parts[0]


def file_seconds() -> dict[str, float]:
    """Each file's test time so far in this process (all files, in the controlling process)."""
    return {path: round(seconds, 1) for path, seconds in _FILE_SECONDS.items()}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    tier = tier_of(report.nodeid)
    _SECONDS[tier] += report.duration
    _TESTS[tier].add(report.nodeid)
    _FILE_SECONDS[report.nodeid.split("::", 1)[0]] += report.duration


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _SECONDS or hasattr(terminalreporter.config, "workerinput"):
        return  # nothing ran, or this is a worker (the controller prints)
    terminalreporter.section("time per tier")
    for tier in sorted(_SECONDS, key=lambda t: -_SECONDS[t]):
        terminalreporter.write_line(
            f"{tier:<28} {len(_TESTS[tier]):>5} tests {_SECONDS[tier]:>8.1f} s of test time"
        )
    terminalreporter.write_line(f"{'wall time':<28} {'':>11} {time.monotonic() - _STARTED:>8.1f} s")
    terminalreporter.section("slowest test files")
    for path in sorted(_FILE_SECONDS, key=lambda p: -_FILE_SECONDS[p])[:SLOWEST_FILES_SHOWN]:
        terminalreporter.write_line(f"{_FILE_SECONDS[path]:>8.1f} s  {path}")
