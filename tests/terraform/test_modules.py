"""Every module proven by Terraform itself: fmt, init (offline, the hashicorp/aws provider
from the local mirror that scripts/build-aws-provider fills) and its own `terraform test`
suite, which validates the configuration against the provider's schema before any run (so
no separate `validate`, which would load the provider's schema once more); and its README's
generated section current."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
MODULES = sorted(p.parent for p in (REPO / "modules").glob("*/versions.tf"))
EXAMPLES = sorted(p.parent for p in (REPO / "examples").glob("*/versions.tf"))


@pytest.fixture(scope="session")
def tf_env() -> dict[str, str]:
    # A no-op when the provider is in the cache; CI's install step built it already.
    config = subprocess.run(
        [str(REPO / "scripts" / "build-aws-provider")], capture_output=True, text=True, check=True
    ).stdout.strip()
    return {
        **os.environ,
        "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "TF_CLI_CONFIG_FILE": config,
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
    }


def terraform(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["terraform", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_there_are_modules_and_examples_to_check() -> None:
    assert len(MODULES) == 10
    assert [e.name for e in EXAMPLES] == ["account-bootstrap", "complete"]


@pytest.mark.parametrize(
    "module", MODULES + EXAMPLES, ids=[str(m.relative_to(REPO)) for m in MODULES + EXAMPLES]
)
def test_module_passes_fmt_and_its_validated_tests(
    module: Path, tf_env: dict[str, str], tmp_path: Path
) -> None:
    fmt = terraform(["fmt", "-check", "-recursive", "-diff"], module, tf_env)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    # Work on a copy (keeping .terraform and lock files out of the source tree) laid out like
    # the repository, so examples' relative module sources resolve.
    ignore = shutil.ignore_patterns(".terraform*")
    shutil.copytree(REPO / "modules", tmp_path / "modules", ignore=ignore, dirs_exist_ok=True)
    work = tmp_path / module.relative_to(REPO)
    shutil.copytree(module, work, ignore=ignore, dirs_exist_ok=True)
    init = terraform(["init", "-backend=false", "-input=false", "-no-color"], work, tf_env)
    assert init.returncode == 0, init.stdout + init.stderr
    runs = sum(
        len(re.findall(r'^run\s+"', p.read_text(), re.MULTILINE))
        for p in (work / "tests").glob("*.tftest.hcl")
    )
    assert runs >= 3, "each module has plan-level tests"
    test = terraform(["test", "-no-color"], work, tf_env)
    assert test.returncode == 0, test.stdout + test.stderr
    assert f"Success! {runs} passed, 0 failed." in test.stdout, test.stdout


def test_module_readmes_are_generated_and_current() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "generate-module-docs"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
