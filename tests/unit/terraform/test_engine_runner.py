"""The runner's subprocess shell, against a scripted stand-in for the engine."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from slipway.terraform.diagnostics import Diagnostic
from slipway.terraform.engine import Engine, EngineError, EngineVersion

# Prints its arguments, the variables file it was given and what the environment says,
# as the JSON UI would, then a plain line on stderr; exits with $FAKE_EXIT.
FAKE = r"""
import json, os, sys
args = sys.argv[1:]
for arg in args:
    if arg.startswith("-var-file=") and arg.endswith(".tfvars.json"):
        path = arg.split("=", 1)[1]
        print(json.dumps({"type": "log", "@message": "vars " + open(path).read()}), flush=True)
print(json.dumps({"type": "log", "@message": "args " + " ".join(args)}), flush=True)
env = {k: os.environ.get(k) for k in ("TF_IN_AUTOMATION", "TF_INPUT", "CHECKPOINT_DISABLE")}
print(json.dumps({"type": "log", "@message": "env " + json.dumps(env, sort_keys=True)}), flush=True)
stale = {"severity": "error", "summary": "Saved plan is stale", "detail": "d"}
print(json.dumps({"type": "diagnostic", "@message": "Error: Saved plan is stale",
    "diagnostic": stale}), flush=True)
print("plain text on stderr", file=sys.stderr)
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""


@pytest.fixture
def fake(tmp_path: Path) -> Path:
    script = tmp_path / "fake-engine"
    script.write_text(f"#!{sys.executable}\n{FAKE}")
    script.chmod(0o755)
    return script


def _engine(fake: Path, tmp_path: Path, log: list[str], exit_code: int) -> Engine:
    env = {"PATH": "/usr/bin:/bin", "FAKE_EXIT": str(exit_code)}
    return Engine(
        fake,
        tmp_path,
        env,
        log.append,
        version=EngineVersion("terraform", "1.15.5"),
        temp_dir=tmp_path / "tmp",
    )


def test_plan_streams_and_hides_variables(fake: Path, tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    log: list[str] = []
    engine = _engine(fake, tmp_path, log, exit_code=2)
    result = engine.plan(
        tmp_path / "p.tfplan",
        var_files=[Path("prod.tfvars")],
        variables={"name": "x", "count": 3},
        lock_timeout="30s",
    )
    assert result.has_changes is True
    assert result.ok
    assert result.planfile == tmp_path / "p.tfplan"
    assert result.stale is True
    assert result.diagnostics == (Diagnostic("error", "Saved plan is stale", "d"),)
    assert log[0] == 'vars {"name": "x", "count": 3}'
    args = log[1].split()
    assert args[:6] == [
        "args",
        "plan",
        "-input=false",
        "-json",
        "-detailed-exitcode",
        "-lock-timeout=30s",
    ]
    assert "-var-file=prod.tfvars" in args
    assert not any("name" in arg for arg in args)
    assert json.loads(log[2].removeprefix("env ")) == {
        "CHECKPOINT_DISABLE": "1",
        "TF_INPUT": "0",
        "TF_IN_AUTOMATION": "1",
    }
    assert log[3:] == ["Error: Saved plan is stale", "d", "plain text on stderr"]
    assert list((tmp_path / "tmp").iterdir()) == []


def test_plan_failure_and_no_changes(fake: Path, tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    failed = _engine(fake, tmp_path, [], exit_code=1).plan(tmp_path / "p", variables={"a": "b"})
    assert (failed.ok, failed.has_changes, failed.planfile) == (False, False, None)
    assert list((tmp_path / "tmp").iterdir()) == []
    clean = _engine(fake, tmp_path, [], exit_code=0).plan(tmp_path / "p")
    assert (clean.ok, clean.has_changes) == (True, False)


def test_apply_and_init_arguments(fake: Path, tmp_path: Path) -> None:
    log: list[str] = []
    engine = _engine(fake, tmp_path, log, exit_code=0)
    assert engine.apply(tmp_path / "p.tfplan").ok
    assert (
        log[0]
        == f"args apply -input=false -json -auto-approve -lock-timeout=0s {tmp_path}/p.tfplan"
    )
    log.clear()
    engine.init(["key=a"])
    assert log[0] == "args init -input=false -backend-config=key=a -reconfigure -json"


def test_show_json_failure_removes_the_file(fake: Path, tmp_path: Path) -> None:
    engine = _engine(fake, tmp_path, [], exit_code=1)
    with pytest.raises(EngineError, match=r"^`show -json x.tfplan` failed \(exit 1\)$"):
        engine.show_json(tmp_path / "x.tfplan")
    assert not (tmp_path / "x.json").exists()


def test_binary_that_cannot_run(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "gone", tmp_path, {}, print, version=EngineVersion("tofu", "1"))
    with pytest.raises(EngineError, match="cannot run"):
        engine.apply(tmp_path / "p")
