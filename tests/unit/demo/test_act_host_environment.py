"""act's host runner hands every step this host's variables (scripts/localrun/act.py): those
GitHub's hosted runners never set are dropped, so the steps run as they would there."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, ClassVar

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
from localrun import act


def test_bytecode_switch_is_dropped_and_everything_else_kept(tmp_path: Path) -> None:
    host = {"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin", "GOGC": "400", "HOME": "/root"}
    assert act.host_runner_environment(host, tmp_path, tmp_path / "tmp") == {
        "PATH": "/usr/bin",
        "GOGC": "400",
        "HOME": "/root",
        "UV_CACHE_DIR": "/root/.cache/uv",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "TMPDIR": str(tmp_path / "tmp"),
    }


def test_act_caches_are_per_run_and_uv_keeps_its_host_cache(tmp_path: Path) -> None:
    host = {"HOME": "/root", "XDG_CACHE_HOME": "/srv/cache"}
    env = act.host_runner_environment(host, tmp_path, tmp_path / "tmp")
    assert (env["XDG_CACHE_HOME"], env["UV_CACHE_DIR"]) == (
        str(tmp_path / "cache"),
        "/srv/cache/uv",
    )
    chosen = act.host_runner_environment(
        {**host, "UV_CACHE_DIR": "/mine"}, tmp_path, tmp_path / "tmp"
    )
    assert chosen["UV_CACHE_DIR"] == "/mine"


def test_each_run_has_an_empty_temporary_directory_anyone_can_reach_then_it_is_gone() -> None:
    with act.fresh_tmp() as first, act.fresh_tmp() as second:
        assert first != second
        assert list(first.iterdir()) == []
        # Like /tmp: every account can create files there (sticky, world-writable), and it
        # lies in the host's temporary directory, not under a private test directory.
        assert first.stat().st_mode & 0o7777 == 0o1777
        assert first.parent == Path(tempfile.gettempdir())
        (first / "left-by-a-job").write_text("x")
    assert not first.exists()
    assert not second.exists()


class RecordedAct:
    """Stands in for the act process: records how it was started, prints one line, exits 0."""

    started: ClassVar[dict[str, Any]] = {}

    def __init__(self, command: list[str], **options: Any) -> None:
        RecordedAct.started = {"command": command, **options}
        self.stdout = iter(["[w/job] ✅  Success - Complete job\n"])

    def wait(self, timeout: float) -> int:
        return 0


def test_run_act_starts_act_with_the_hosted_runner_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("SLIPWAY_MARKER", "kept")
    monkeypatch.setattr(subprocess, "Popen", RecordedAct)
    run = act.run_act(tmp_path, "w.yml", tmp_path / "files", secrets={"TOKEN": "s3cret"})

    assert run.succeeded
    env = RecordedAct.started["env"]
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["SLIPWAY_MARKER"] == "kept"
    assert env["TOKEN"] == "s3cret"
    assert env["XDG_CACHE_HOME"] == str(tmp_path / "files" / "cache")
    # The run had a temporary directory of its own, removed after it.
    assert Path(env["TMPDIR"]).name.startswith("slipway-act-tmp-")
    assert not Path(env["TMPDIR"]).exists()
