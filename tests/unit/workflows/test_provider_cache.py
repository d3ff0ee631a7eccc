"""Providers are fetched once per lock file: the infrastructure workflow's plugin cache steps,
and the actions/cache stand-in the act runs serve them with (its scripts run for real)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
STAND_IN = REPO / "tests" / "fakes" / "actions_cache"
CACHE_PIN = "actions/cache/{}@55cc8345863c7cc4c66a329aec7e433d2d1c52a9"
KEY = (
    "slipway-providers-${{ runner.os }}-${{ runner.arch }}-"
    "${{ hashFiles(format('{0}/.terraform.lock.hcl', inputs.working-directory)) }}"
)


def steps() -> dict[str, Any]:
    workflow = yaml.safe_load((REPO / ".github/workflows/infra-environment.yml").read_text())
    listed = workflow["jobs"]["terraform"]["steps"]
    return {step.get("id") or step.get("uses", "").split("@")[0]: step for step in listed}


def test_the_plugin_cache_is_restored_before_terraform_and_saved_after_by_lock_file() -> None:
    found = steps()
    order = list(found)
    restore, save = found["provider-cache"], found["actions/cache/save"]
    assert restore["uses"] == CACHE_PIN.format("restore")
    assert restore["with"]["key"] == KEY
    assert "hashFiles" in restore["if"]  # no lock file, no cache: nothing to key it by
    assert save["uses"] == CACHE_PIN.format("save")
    assert save["with"]["key"] == "${{ steps.provider-cache.outputs.cache-primary-key }}"
    assert "cache-hit != 'true'" in save["if"]
    assert order.index("providers") < order.index("provider-cache") < order.index("plan")
    assert order.index("apply") < order.index("actions/cache/save")
    assert "TF_PLUGIN_CACHE_DIR" in found["providers"]["run"]


def run_step(action: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    [step] = yaml.safe_load((STAND_IN / action / "action.yml").read_text())["runs"]["steps"]
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", step["run"]],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def test_the_stand_in_saves_once_and_restores_by_key_or_prefix(tmp_path: Path) -> None:
    store, cache, out = tmp_path / "store", tmp_path / "plugins", tmp_path / "out"
    (cache / "registry.terraform.io").mkdir(parents=True)
    (cache / "registry.terraform.io" / "provider").write_text("binary")
    env = {
        "SLIPWAY_ACTIONS_CACHE_DIR": str(store),
        "CACHE_PATH": str(cache),
        "GITHUB_OUTPUT": str(out),
    }
    saved = run_step("save", {**env, "KEY": "providers-abc"})
    assert saved.returncode == 0 and "Cache saved with key: providers-abc" in saved.stdout
    # An entry is immutable: a second save of the key changes nothing and says so.
    (cache / "registry.terraform.io" / "provider").write_text("other")
    again = run_step("save", {**env, "KEY": "providers-abc"})
    assert "Unable to reserve cache with key providers-abc" in again.stdout

    target = tmp_path / "restored"
    out.write_text("")
    hit = run_step("restore", {**env, "CACHE_PATH": str(target), "KEY": "providers-abc",
                               "RESTORE_KEYS": ""})  # fmt: skip
    assert hit.returncode == 0
    assert outputs(out) == {"cache-hit": "true", "matched": "providers-abc"}
    assert (target / "registry.terraform.io" / "provider").read_text() == "binary"

    out.write_text("")
    partial = run_step("restore", {**env, "CACHE_PATH": str(tmp_path / "p"), "KEY": "providers-xyz",
                                   "RESTORE_KEYS": "providers-"})  # fmt: skip
    assert outputs(out) == {"cache-hit": "false", "matched": "providers-abc"}
    out.write_text("")
    miss = run_step("restore", {**env, "CACHE_PATH": str(tmp_path / "m"), "KEY": "other",
                                "RESTORE_KEYS": ""})  # fmt: skip
    assert miss.returncode == 0 and "Cache not found for input keys: other" in miss.stdout
    assert outputs(out) == {"cache-hit": "false", "matched": ""}
    assert partial.returncode == 0
