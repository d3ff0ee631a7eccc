"""Start-up time is a feature: importing slipway's packages must not import the heavy
libraries they use (boto3, PyGithub and their HTTP stacks); commands load them when they run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
HEAVY = ("boto3", "botocore", "github", "requests", "urllib3")


@pytest.mark.parametrize(
    "modules",
    [
        "slipway.aws",
        "slipway.github",
        "slipway.terraform",
        "slipway.ecs",
        "slipway.images",
        "slipway.commands.ecs_deploy",
        "slipway.commands.ecr_build_push",
        "slipway.commands.ship",
        "slipway.cli, slipway.commands.cw_alarms_check",
        "slipway.commands.tf_plan, slipway.commands.tf_apply_gated",
    ],
)
def test_importing_does_not_load_heavy_libraries(modules: str) -> None:
    code = (
        f"import sys, {modules}; "
        f"heavy = sorted(m for m in {HEAVY!r} if m in sys.modules); "
        "assert not heavy, heavy"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
