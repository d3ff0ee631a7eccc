"""Time per tier, printed at the end of a run: where `make test` spends its minutes.

Each test's setup, call and teardown durations are added to its tier (the first two parts of
its path: tests/unit, tests/integration, tests/e2e, tests/terraform, examples/app). With
several workers (pytest-xdist) the reports reach the controlling process, which adds them
up; the wall time is the whole run's. The slowest files follow: with `--dist loadfile` a
file runs on one worker, so the slowest file bounds the wall time from below. Last, each
worker's span (when its first test began and its last ended, from the run's start) and its
last file: a worker busy long after the others names the file that sets the wall time.

On a machine with fewer cores than workers the wall time is the CPU work, so each file also
gets the CPU its worker and the worker's reaped child processes (Terraform, act and all they
start) used between its first and last report. The processes a worker keeps for the whole
run (its emulator, and its dockerd and BuildKit when it runs Docker tests) are reaped at its
last teardown: that CPU is reported apart, as the workers' ends.
"""

from __future__ import annotations

import resource
import time
from collections import defaultdict
from dataclasses import dataclass

import pytest

_STARTED = time.monotonic()
_STARTED_AT = time.time()  # test reports carry epoch start and stop times
_SECONDS: dict[str, float] = defaultdict(float)
_TESTS: dict[str, set[str]] = defaultdict(set)
_FILE_SECONDS: dict[str, float] = defaultdict(float)
_WORKER_SPANS: dict[str, WorkerSpan] = {}
_FILE_CPU: dict[str, float] = defaultdict(float)
CPU_PROPERTY = "cpu_seconds"
# The CPU of a worker's last teardown: the session's fixtures end there, and the long-lived
# processes they started (the emulator, dockerd, BuildKit) are reaped with their whole CPU.
SESSION_END_PROPERTY = "session_end_cpu_seconds"
_SESSION_END_CPU = [0.0]
_LAST_IN_SESSION = [False]
SLOWEST_FILES_SHOWN = 8


@dataclass
class WorkerSpan:
    """A worker's first start, last stop (epoch seconds) and the file of its last test."""

    first_start: float
    last_stop: float
    last_file: str


def add_to_span(
    spans: dict[str, WorkerSpan], worker: str, start: float, stop: float, path: str
) -> None:
    span = spans.get(worker)
    if span is None:
        spans[worker] = WorkerSpan(start, stop, path)
        return
    span.first_start = min(span.first_start, start)
    if stop >= span.last_stop:
        span.last_stop, span.last_file = stop, path


def span_lines(spans: dict[str, WorkerSpan], run_started: float) -> list[str]:
    """One line per worker, the one that finished last first."""
    ordered = sorted(spans.items(), key=lambda item: -item[1].last_stop)
    lines = []
    for worker, span in ordered:
        began, ended = span.first_start - run_started, span.last_stop - run_started
        lines.append(f"{worker:<6} {began:>6.0f} s to {ended:>6.0f} s  last: {span.last_file}")
    return lines


def file_of(nodeid: str) -> str:
    """The test file a node id belongs to (``tests/unit/test_x.py::test_y`` -> its path)."""
    return nodeid.split("::", 1)[0]


def tier_of(nodeid: str) -> str:
    parts = file_of(nodeid).split("/")
    return "/".join(parts[:2]) if len(parts) > 2 else parts[0]


def cpu_seconds_used() -> float:
    """User and system CPU of this process and of every child process it has reaped."""
    usages = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return sum(usage.ru_utime + usage.ru_stime for usage in usages)


_CPU_AT_LAST_REPORT = [cpu_seconds_used()]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):  # type: ignore[no-untyped-def]
    _LAST_IN_SESSION[0] = nextitem is None
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Each report carries the CPU used since the previous one in this process: a test phase
    and what ran between it and the one before (module fixtures, collection's tail). The last
    test's teardown is the session's end, reported apart."""
    outcome = yield
    now = cpu_seconds_used()
    session_end = call.when == "teardown" and _LAST_IN_SESSION[0]
    name = SESSION_END_PROPERTY if session_end else CPU_PROPERTY
    outcome.get_result().user_properties.append((name, now - _CPU_AT_LAST_REPORT[0]))
    _CPU_AT_LAST_REPORT[0] = now


def cpu_of(report: pytest.TestReport, name: str = CPU_PROPERTY) -> float:
    values = [value for key, value in report.user_properties if key == name]
    return sum(float(value) for value in values if isinstance(value, (int, float)))


def file_seconds() -> dict[str, float]:
    """Each file's test time so far in this process (all files, in the controlling process)."""
    return {path: round(seconds, 1) for path, seconds in _FILE_SECONDS.items()}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    tier = tier_of(report.nodeid)
    _SECONDS[tier] += report.duration
    _TESTS[tier].add(report.nodeid)
    path = file_of(report.nodeid)
    _FILE_SECONDS[path] += report.duration
    _FILE_CPU[path] += cpu_of(report)
    _SESSION_END_CPU[0] += cpu_of(report, SESSION_END_PROPERTY)
    node = getattr(report, "node", None)  # set by pytest-xdist on reports from a worker
    worker = getattr(getattr(node, "gateway", None), "id", "main")
    add_to_span(_WORKER_SPANS, worker, report.start, report.stop, path)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _SECONDS or hasattr(terminalreporter.config, "workerinput"):
        return  # nothing ran, or this is a worker (the controller prints)
    terminalreporter.section("time per tier")
    for tier in sorted(_SECONDS, key=lambda t: -_SECONDS[t]):
        terminalreporter.write_line(
            f"{tier:<28} {len(_TESTS[tier]):>5} tests {_SECONDS[tier]:>8.1f} s of test time"
        )
    terminalreporter.write_line(f"{'wall time':<28} {'':>11} {time.monotonic() - _STARTED:>8.1f} s")
    terminalreporter.section("slowest test files (wall, CPU)")
    for path in sorted(_FILE_SECONDS, key=lambda p: -_FILE_SECONDS[p])[:SLOWEST_FILES_SHOWN]:
        seconds, cpu = _FILE_SECONDS[path], _FILE_CPU[path]
        terminalreporter.write_line(f"{seconds:>8.1f} s {cpu:>8.1f} CPU-s  {path}")
    terminalreporter.section("most CPU (worker and the processes it ran)")
    for path in sorted(_FILE_CPU, key=lambda p: -_FILE_CPU[p])[:SLOWEST_FILES_SHOWN]:
        terminalreporter.write_line(f"{_FILE_CPU[path]:>8.1f} CPU-s  {path}")
    total = sum(_FILE_CPU.values())
    terminalreporter.write_line(f"{total:>8.1f} CPU-s  all files")
    ended = _SESSION_END_CPU[0]
    terminalreporter.write_line(
        f"{ended:>8.1f} CPU-s  the workers' ends (emulators, Docker, BuildKit: reaped then)"
    )
    if len(_WORKER_SPANS) > 1:
        terminalreporter.section("workers")
        for line in span_lines(_WORKER_SPANS, _STARTED_AT):
            terminalreporter.write_line(line)
