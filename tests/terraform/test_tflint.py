"""tflint over every module and example with the repository's .tflint.hcl (the terraform
ruleset: recommended preset plus this repository's conventions), built by
scripts/build-tflint. Zero issues, and proof that the added rules really run. The AWS
ruleset is not part of it: the Go module proxy does not serve it (see scripts/build-tflint)."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.terraform.test_modules import EXAMPLES, MODULES, REPO

pytestmark = pytest.mark.integration

CONFIG = REPO / ".tflint.hcl"
LINTED = MODULES + EXAMPLES


@dataclass(frozen=True)
class Tflint:
    binary: Path


@dataclass(frozen=True)
class LintReport:
    exit_code: int
    issues: list[dict[str, Any]]
    errors: list[dict[str, Any]]


@pytest.fixture(scope="session")
def tflint() -> Tflint:
    # A no-op when the pinned builds are cached; CI's install step built them already.
    build = subprocess.run(
        [str(REPO / "scripts" / "build-tflint")],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if build.returncode != 0:
        pytest.fail(
            "tflint is not built: scripts/build-tflint exited "
            f"{build.returncode}:\n{build.stderr[-3000:]}"
        )
    directory = Path(build.stdout.strip())
    tool = Tflint(binary=directory / "tflint")
    if not os.access(tool.binary, os.X_OK):
        pytest.fail(f"scripts/build-tflint reported success but {tool.binary} is not executable")
    return tool


def run_tflint(tool: Tflint, directory: Path, config: Path = CONFIG) -> LintReport:
    result = subprocess.run(
        [str(tool.binary), f"--config={config}", f"--chdir={directory}", "--format=json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"tflint printed no JSON report (exit {result.returncode}):\n{result.stderr}")
    return LintReport(result.returncode, report["issues"], report["errors"])


def describe(issue: dict[str, Any]) -> str:
    """One line per issue for failure messages: file:line rule: message."""
    where = f"{issue['range']['filename']}:{issue['range']['start']['line']}"
    return f"{where} {issue['rule']['name']}: {issue['message']}"


@pytest.mark.parametrize("directory", LINTED, ids=[str(d.relative_to(REPO)) for d in LINTED])
def test_module_has_no_tflint_issues(directory: Path, tflint: Tflint) -> None:
    report = run_tflint(tflint, directory)
    assert report.errors == [], json.dumps(report.errors, indent=1)
    assert [describe(i) for i in report.issues] == []
    assert report.exit_code == 0


def test_config_enforces_the_module_conventions(tflint: Tflint, tmp_path: Path) -> None:
    # A module breaking two of the rules .tflint.hcl adds to the recommended preset: an
    # undocumented variable, declared outside variables.tf.
    (tmp_path / "versions.tf").write_text('terraform {\n  required_version = ">= 1.9"\n}\n')
    (tmp_path / "main.tf").write_text(
        'variable "size" {\n  type = number\n}\n\n'
        'resource "terraform_data" "this" {\n  input = var.size\n}\n'
    )
    (tmp_path / "variables.tf").write_text("")
    (tmp_path / "outputs.tf").write_text("")

    report = run_tflint(tflint, tmp_path)

    assert report.errors == [], json.dumps(report.errors, indent=1)
    assert sorted((i["rule"]["name"], i["range"]["start"]["line"]) for i in report.issues) == [
        ("terraform_documented_variables", 1),
        ("terraform_standard_module_structure", 1),
    ], [describe(i) for i in report.issues]
    assert report.exit_code != 0
