"""Which files share the Docker stack's worker (tests/worker_groups.py): all files that need
the stack form one work unit, but a file longer than all the others together keeps its own;
every other test's unit is its file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.worker_groups import GROUP, grouped_files, read_grouped, scope_of

DEMO = "tests/e2e/test_demo_pipeline.py"


def test_a_file_longer_than_the_rest_together_keeps_a_unit_of_its_own() -> None:
    files = {DEMO: 750.0, "tests/e2e/test_build.py": 244.0, "tests/integration/test_b.py": 71.0}
    assert grouped_files(files) == {"tests/e2e/test_build.py", "tests/integration/test_b.py"}


def test_files_shorter_than_the_rest_together_all_share_the_unit() -> None:
    files = {DEMO: 300.0, "tests/e2e/test_build.py": 244.0, "tests/integration/test_b.py": 71.0}
    assert grouped_files(files) == set(files)


def test_unmeasured_files_are_grouped_and_a_lone_file_is_its_own_group() -> None:
    assert grouped_files({"tests/a.py": 0.0, "tests/b.py": 0.0}) == {"tests/a.py", "tests/b.py"}
    assert grouped_files({"tests/a.py": 9.0}) == {"tests/a.py"}
    assert grouped_files({}) == set()


def test_grouped_tests_share_a_scope_and_the_others_keep_their_file() -> None:
    grouped = {"tests/integration/test_b.py"}
    assert scope_of("tests/integration/test_b.py::test_x[a::b]", grouped) == GROUP
    assert scope_of("tests/unit/test_a.py::TestA::test_y", grouped) == "tests/unit/test_a.py"


def test_the_scheduler_reads_what_a_worker_wrote(tmp_path: Path) -> None:
    assert read_grouped(tmp_path) == set()
    (tmp_path / "gw1.json").write_text(json.dumps(["tests/a.py", "tests/b.py"]))
    assert read_grouped(tmp_path) == {"tests/a.py", "tests/b.py"}
