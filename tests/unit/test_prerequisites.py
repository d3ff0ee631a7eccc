"""What `make demo` says before it starts, and what stops it: scripts/prerequisites.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "prerequisites.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("prerequisites", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["prerequisites"] = module
    spec.loader.exec_module(module)
    return module


pre = _load()
ALL = list(pre.BUILDS)
DEMO = pre.needed("demo")
ROOMY = pre.Machine(cores=2, memory_gib=20.0, disk_gib=80.0, go=(1, 26, 8), gpg=True)


def machine(**changes: object) -> object:
    values = {**ROOMY.__dict__, **changes}
    return pre.Machine(**values)


def test_versions_and_memory_are_read_from_what_the_system_prints() -> None:
    assert pre.go_version("go version go1.26.8 linux/amd64") == (1, 26, 8)
    assert pre.go_version("go version go1.27 linux/arm64") == (1, 27, 0)
    assert pre.go_version("command not found") is None
    meminfo = "MemTotal: 24000000 kB\nMemAvailable: 8388608 kB\nSwapFree: 1048576 kB\n"
    assert pre.meminfo_gib(meminfo) == pytest.approx(9.0)


def test_a_roomy_machine_gets_the_plan_of_the_first_run() -> None:
    assert pre.problems(ROOMY, ALL) == []
    lines = pre.plan(ROOMY, ALL, "demo")
    assert lines[0] == "This machine: 2 cores, 20.0 GiB free memory, 80 GiB free disk, Go 1.26.8."
    assert lines[1].startswith("First run: builds the Terraform AWS provider (~28 min)")
    assert lines[1].endswith("then ~10 min. About 61 min in all.")


def test_the_demo_plans_only_the_builds_it_uses() -> None:
    assert [b.script for b in DEMO] == ["build-aws-provider", "build-engines", "build-buildkit"]
    assert [b.script for b in pre.needed("test")] == [b.script for b in ALL]
    line = pre.plan(ROOMY, DEMO, "demo")[1]
    assert "tflint" not in line
    assert line.endswith("then ~10 min. About 58 min in all.")


def test_a_warm_machine_needs_nothing_built() -> None:
    assert pre.problems(machine(go=None, memory_gib=2.0), []) == []
    assert pre.plan(ROOMY, [], "demo")[1] == "Everything is built and cached: about 10 min."


def test_more_cores_shorten_the_estimate() -> None:
    assert "About 36 min in all" in pre.plan(machine(cores=4), ALL, "demo")[1]


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        (
            {"memory_gib": 8.0},
            "needs 9.8 GiB of free memory to link the Terraform AWS provider, this machine "
            "has 8.0 GiB free",
        ),
        ({"cores": 1}, "needs at least 2 cores, this machine has 1"),
        ({"go": (1, 22, 5)}, "needs Go 1.26.6 or newer to build, found go1.22.5"),
        ({"disk_gib": 10.0}, "needs 24 GiB of free disk, 10 GiB is free"),
        ({"gpg": False}, "needs gpg on PATH (it signs the local engine release site)"),
    ],
)
def test_each_missing_prerequisite_is_one_line(changes: dict[str, object], line: str) -> None:
    assert pre.problems(machine(**changes), ALL) == [line]


def test_without_go_the_builds_are_named() -> None:
    [line] = pre.problems(machine(go=None), ALL[:1])
    assert line == "needs Go on PATH to build the Terraform AWS provider"


def test_main_stops_with_one_line_when_the_machine_is_too_small(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(pre, "read_machine", lambda: machine(memory_gib=4.0))
    monkeypatch.setattr(pre, "pending_builds", pre.needed)
    assert pre.main(["prerequisites.py", "demo"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "make demo: needs 9.8 GiB of free memory to link the Terraform AWS provider, this "
        "machine has 4.0 GiB free"
    ]
