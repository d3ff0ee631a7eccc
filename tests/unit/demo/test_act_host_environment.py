"""act's host runner hands every step this host's variables (scripts/localrun/act.py): those
GitHub's hosted runners never set are dropped, so the steps run as they would there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
from localrun import act


def test_bytecode_switch_is_dropped_and_everything_else_kept(tmp_path: Path) -> None:
    host = {"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin", "GOGC": "400", "HOME": "/root"}
    assert act.host_runner_environment(host, tmp_path) == {
        "PATH": "/usr/bin",
        "GOGC": "400",
        "HOME": "/root",
        "UV_CACHE_DIR": "/root/.cache/uv",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }


def test_act_caches_are_per_run_and_uv_keeps_its_host_cache(tmp_path: Path) -> None:
    host = {"HOME": "/root", "XDG_CACHE_HOME": "/srv/cache"}
    env = act.host_runner_environment(host, tmp_path)
    assert (env["XDG_CACHE_HOME"], env["UV_CACHE_DIR"]) == (
        str(tmp_path / "cache"),
        "/srv/cache/uv",
    )
    chosen = act.host_runner_environment({**host, "UV_CACHE_DIR": "/mine"}, tmp_path)
    assert chosen["UV_CACHE_DIR"] == "/mine"


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
