"""The engine runner against the real engine with an S3 backend on the moto server."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from slipway.terraform.engine import (
    Engine,
    EngineInputError,
    engine_version,
    resolve_binary,
)
from slipway.terraform.plan import Counts, load_plan
from slipway.terraform.versions import check_engine_version, required_versions

pytestmark = pytest.mark.integration

BIN = Path(__file__).resolve().parents[3] / ".venv" / "bin"
BUCKET = "slipway-state"
KEY = "app/terraform.tfstate"

MAIN_TF = """
terraform {
  required_version = ">= 1.10"
  backend "s3" {}
}

variable "name" {
  type    = string
  default = "first"
}

variable "delay" {
  type    = number
  default = 0
}

resource "terraform_data" "this" {
  input            = var.name
  triggers_replace = [var.name]

  provisioner "local-exec" {
    command = "sleep ${var.delay}"
  }
}

output "name" {
  value = terraform_data.this.output
}

output "secret" {
  value     = "s3cr3t-${var.name}"
  sensitive = true
}
"""


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def _backend(endpoint: str) -> list[str]:
    return [
        f"bucket={BUCKET}",
        f"key={KEY}",
        "region=us-east-1",
        "use_lockfile=true",
        "use_path_style=true",
        "skip_credentials_validation=true",
        "skip_requesting_account_id=true",
        "skip_metadata_api_check=true",
        "skip_region_validation=true",
        f'endpoints={{s3="{endpoint}"}}',
    ]


class Stack:
    def __init__(self, workdir: Path, endpoint: str, temp: Path) -> None:
        self.workdir = workdir
        self.endpoint = endpoint
        self.log: list[str] = []
        self.env = _environment()
        self.binary = resolve_binary("terraform", self.env)
        self.engine = Engine(self.binary, workdir, self.env, self.log.append, temp_dir=temp)
        self.s3: Any = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")

    def state(self) -> dict[str, Any]:
        body = self.s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read()
        data: dict[str, Any] = json.loads(body)
        return data

    def lock_exists(self) -> bool:
        listing = self.s3.list_objects_v2(Bucket=BUCKET, Prefix=KEY + ".tflock")
        return bool(listing.get("Contents"))

    def plan(self, name: str, file: str) -> Path:
        result = self.engine.plan(self.workdir / file, variables={"name": name})
        assert result.ok, result.diagnostics
        return self.workdir / file


@pytest.fixture
def stack(aws: str, tmp_path: Path) -> Stack:
    workdir = tmp_path / "stack"
    workdir.mkdir()
    (workdir / "main.tf").write_text(MAIN_TF)
    temp = tmp_path / "temp"
    temp.mkdir()
    boto3.client("s3", endpoint_url=aws, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    built = Stack(workdir, aws, temp)
    result = built.engine.init(_backend(aws))
    assert result.exit_code == 0, result.diagnostics
    assert built.engine.version.name == "terraform"
    return built


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_plan_show_apply_replan(stack: Stack, tmp_path: Path) -> None:
    assert "Terraform has been successfully initialized!" in stack.log
    planfile = stack.workdir / "plan.tfplan"
    result = stack.engine.plan(planfile, variables={"name": "from-vars"})
    assert (result.exit_code, result.has_changes, result.lock, result.stale) == (
        2,
        True,
        None,
        False,
    )
    assert result.planfile == planfile
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in stack.log
    # The variables went through a temporary file, gone now, never the command line.
    assert list((tmp_path / "temp").iterdir()) == []

    plan_json = stack.engine.show_json(planfile)
    assert plan_json == stack.workdir / "plan.json"
    plan = load_plan(plan_json)
    assert plan.counts == Counts(add=1)
    assert plan.terraform_version == "1.15.5"
    document = json.loads(plan_json.read_text())
    (change,) = document["resource_changes"]
    assert change["address"] == "terraform_data.this"
    assert change["change"]["after"]["input"] == "from-vars"
    assert "terraform_data.this will be created" in stack.engine.show_text(planfile)

    applied = stack.engine.apply(planfile)
    assert applied.exit_code == 0, applied.diagnostics
    assert "Apply complete! Resources: 1 added, 0 changed, 0 destroyed." in stack.log
    state = stack.state()
    assert state["serial"] == 1
    assert state["outputs"]["name"]["value"] == "from-vars"
    assert not stack.lock_exists()

    outputs = stack.engine.outputs()
    assert outputs["name"] == {"value": "from-vars", "type": "string", "sensitive": False}
    assert outputs["secret"] == {"value": "s3cr3t-from-vars", "type": "string", "sensitive": True}

    again = stack.engine.plan(stack.workdir / "again.tfplan", variables={"name": "from-vars"})
    assert (again.exit_code, again.has_changes) == (0, False)
    assert load_plan(stack.engine.show_json(stack.workdir / "again.tfplan")).counts.total == 0


def test_workspace_gets_its_own_state(stack: Stack) -> None:
    stack.engine.apply(stack.plan("default", "default.tfplan"))
    selected = stack.engine.select_workspace("preview-42")
    assert selected.exit_code == 0, selected.diagnostics
    assert any('Created and switched to workspace "preview-42"!' in line for line in stack.log)
    fresh = stack.engine.plan(stack.workdir / "p.tfplan")
    assert fresh.has_changes is True
    assert stack.engine.apply(stack.workdir / "p.tfplan").ok
    key = f"env:/preview-42/{KEY}"
    preview = json.loads(stack.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert preview["outputs"]["name"]["value"] == "first"
    assert stack.state()["outputs"]["name"]["value"] == "default"
    assert stack.engine.select_workspace("preview-42").ok
    missing = stack.engine.select_workspace("other", create=False)
    assert missing.exit_code == 1
    assert [d.summary for d in missing.errors] == ['Workspace "other" doesn\'t exist.']
    assert missing.errors[0].detail.startswith('You can create this workspace with the "new"')


def test_stale_plan_is_refused(stack: Stack) -> None:
    assert stack.engine.apply(stack.plan("first", "base.tfplan")).ok
    plan_a = stack.plan("a", "a.tfplan")
    plan_b = stack.plan("b", "b.tfplan")
    assert stack.engine.apply(plan_b).ok
    serial = stack.state()["serial"]

    result = stack.engine.apply(plan_a)
    assert result.exit_code == 1
    assert result.stale is True
    assert result.lock is None
    assert [d.summary for d in result.errors] == ["Saved plan is stale"]
    assert result.errors[0].detail == (
        "The given plan file can no longer be applied because the state was changed by "
        "another operation after the plan was created."
    )
    assert stack.state()["serial"] == serial
    assert stack.state()["outputs"]["name"]["value"] == "b"


def test_two_applies_at_once_the_second_is_stopped_by_the_lock(stack: Stack) -> None:
    assert stack.engine.apply(stack.plan("first", "base.tfplan")).ok
    waiting = stack.plan("second", "waiting.tfplan")
    before = stack.state()

    slow = subprocess.Popen(
        [
            str(stack.binary),
            "apply",
            "-input=false",
            "-auto-approve",
            "-no-color",
            "-var=name=slow",
            "-var=delay=8",
        ],
        cwd=stack.workdir,
        env={**stack.env, "TF_IN_AUTOMATION": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert _wait_for(stack.lock_exists, 20), "the background apply never took the lock"
        held = json.loads(stack.s3.get_object(Bucket=BUCKET, Key=KEY + ".tflock")["Body"].read())

        planned = stack.engine.plan(stack.workdir / "blocked.tfplan", lock_timeout="0s")
        applied = stack.engine.apply(waiting, lock_timeout="0s")
    finally:
        output, _ = slow.communicate(timeout=120)

    for result in (planned, applied):
        assert result.exit_code == 1
        assert result.lock is not None
        assert result.lock.id == held["ID"]
        assert result.lock.who == held["Who"]
        assert result.lock.operation == "OperationTypeApply"
        assert result.lock.path == f"{BUCKET}/{KEY}"
        assert result.lock.version == "1.15.5"
        assert result.stale is False
    assert planned.has_changes is False
    assert planned.planfile is None

    assert slow.returncode == 0, output
    assert "Apply complete! Resources: 1 added, 0 changed, 1 destroyed." in output
    after = stack.state()
    assert after["serial"] == before["serial"] + 1
    assert after["lineage"] == before["lineage"]
    assert after["outputs"]["name"]["value"] == "slow"
    (resource,) = after["resources"]
    assert resource["instances"][0]["attributes"]["input"]["value"] == "slow"
    assert not stack.lock_exists()


def test_config_error_has_file_and_line(tmp_path: Path) -> None:
    workdir = tmp_path / "broken"
    workdir.mkdir()
    (workdir / "main.tf").write_text('resource "terraform_data" "ok" {}\n')
    env = _environment()
    engine = Engine(resolve_binary("terraform", env), workdir, env, lambda _: None)
    assert engine.init().ok
    assert engine.validate().diagnostics == ()
    (workdir / "broken.tf").write_text(
        'resource "terraform_data" "broken" {\n  input = var.missing\n}\n'
    )
    result = engine.validate()
    assert result.exit_code == 1
    (diagnostic,) = result.diagnostics
    assert diagnostic.summary == "Reference to undeclared input variable"
    assert (diagnostic.filename, diagnostic.line, diagnostic.end_line, diagnostic.column) == (
        "broken.tf",
        2,
        2,
        11,
    )


def test_required_version_mismatch_found_before_init(tmp_path: Path) -> None:
    workdir = tmp_path / "old"
    workdir.mkdir()
    (workdir / "versions.tf").write_text('terraform {\n  required_version = "< 1.10"\n}\n')
    env = _environment()
    binary = resolve_binary("terraform", env)
    name, version = engine_version(binary, env)
    assert (name, version) == ("terraform", "1.15.5")
    problem = check_engine_version(version, required_versions(workdir), engine=name)
    assert problem == 'terraform 1.15.5 does not satisfy required_version "< 1.10" (versions.tf)'
    # The engine agrees, with its own words, when it gets that far.
    result = Engine(binary, workdir, env, lambda _: None).init()
    assert result.exit_code == 1
    (diagnostic,) = result.errors
    assert diagnostic.summary == "Unsupported Terraform Core version"
    assert (diagnostic.filename, diagnostic.line) == ("versions.tf", 2)


def test_bad_inputs_fail_before_anything_runs(tmp_path: Path) -> None:
    env = _environment()
    with pytest.raises(EngineInputError, match="'tofux' is not terraform, tofu or an executable"):
        resolve_binary("tofux", env)
    log: list[str] = []
    (tmp_path / "main.tf").write_text('resource "terraform_data" "x" {}\n')
    engine = Engine(resolve_binary("terraform", env), tmp_path, env, log.append)
    with pytest.raises(EngineInputError, match=r"^input 'backend-config': 'nope.hcl' is neither"):
        engine.init(["key=x", "nope.hcl"])
    assert log == []
    assert not (tmp_path / ".terraform").exists()
