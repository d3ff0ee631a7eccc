"""The timing report's worker lines (tests/tier_timing.py): each worker's span from its
first test's start to its last test's end, and the file it ended on; the worker that
finished last comes first, since its file set the run's wall time."""

from __future__ import annotations

import subprocess
import sys

import pytest
from tests.tier_timing import (
    CPU_PROPERTY,
    SESSION_END_PROPERTY,
    WorkerSpan,
    add_to_span,
    cpu_of,
    cpu_seconds_used,
    file_of,
    span_lines,
    tier_of,
)


def test_a_span_grows_to_the_earliest_start_and_the_latest_stop() -> None:
    spans: dict[str, WorkerSpan] = {}
    add_to_span(spans, "gw0", 1010.0, 1020.0, "tests/e2e/test_demo.py")
    add_to_span(spans, "gw0", 1005.0, 1008.0, "tests/unit/test_a.py")  # reported late
    add_to_span(spans, "gw0", 1020.0, 1400.0, "tests/terraform/test_modules.py")
    assert spans == {"gw0": WorkerSpan(1005.0, 1400.0, "tests/terraform/test_modules.py")}


def test_the_worker_that_ended_last_is_listed_first() -> None:
    spans: dict[str, WorkerSpan] = {}
    add_to_span(spans, "gw0", 1012.0, 1300.0, "tests/unit/test_a.py")
    add_to_span(spans, "gw1", 1011.0, 1790.4, "tests/e2e/test_demo.py")
    assert span_lines(spans, 1000.0) == [
        "gw1        11 s to    790 s  last: tests/e2e/test_demo.py",
        "gw0        12 s to    300 s  last: tests/unit/test_a.py",
    ]


def test_tier_is_the_first_two_parts_of_the_path() -> None:
    assert tier_of("tests/e2e/test_demo.py::test_story") == "tests/e2e"
    assert tier_of("examples/app/tests/unit/test_x.py::t") == "examples/app"


def test_file_is_the_node_id_before_its_first_separator() -> None:
    assert file_of("tests/e2e/test_demo.py::test_story[dev::prod]") == "tests/e2e/test_demo.py"
    assert file_of("tests/unit/test_a.py") == "tests/unit/test_a.py"


def test_a_reports_cpu_is_its_own_property_and_nothing_else() -> None:
    report = pytest.TestReport(
        "tests/e2e/test_demo.py::test_story",
        ("tests/e2e/test_demo.py", 1, "test_story"),
        {},
        "passed",
        None,
        "call",
        user_properties=[(CPU_PROPERTY, 12.5), ("other", 99.0), (CPU_PROPERTY, "not a number")],
    )
    assert cpu_of(report) == 12.5
    assert cpu_of(report, SESSION_END_PROPERTY) == 0.0


def test_the_cpu_used_counts_reaped_children() -> None:
    before = cpu_seconds_used()
    subprocess.run(
        [sys.executable, "-c", "sum(i * i for i in range(3_000_000))"], check=True, timeout=60
    )
    assert cpu_seconds_used() - before >= 0.1
