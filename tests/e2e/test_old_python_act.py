"""An action on a runner whose python3 is older than 3.11 (GitHub's ubuntu-22.04), run by
act: the bootstrap finds a Python 3.11+ in the runner's tool cache, or has uv install one
from a download location, or says in one line how to give it one.

act sets RUNNER_TOOL_CACHE to <cache>/act/tool_cache (XDG_CACHE_HOME is the test's own):
the tests lay real interpreters out there as actions/setup-python would."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from tests.e2e.conftest import EMULATOR_CREDENTIALS, ActRun, run_workflow
from tests.integration.bootstrap.runner_pythons import (
    closed_port,
    debian_cpython_archive,
    download_location,
    publish_cpython,
    real_python,
    tool_cache,
    version_of,
)
from tests.support import put_metric_alarm

pytestmark = pytest.mark.e2e

OLD = real_python(10)


def run_on_old_python3(tmp_path: Path, aws: str, **env: str) -> ActRun:
    old_bin = tmp_path / "old-bin"
    old_bin.mkdir()
    (old_bin / "python3").symlink_to(OLD)
    put_metric_alarm(boto3.client("cloudwatch"), "old-python-5xx")
    settings = {
        "AWS_ENDPOINT_URL": aws,
        **EMULATOR_CREDENTIALS,
        "ALARM_PREFIX": "old-python-",
        "OLD_PYTHON_DIR": str(old_bin),
        **env,
    }
    return run_workflow("old-python.yml", tmp_path, settings)


def runner_tool_cache(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "act" / "tool_cache"


def assert_the_bake_ran(run: ActRun) -> None:
    assert run.returncode == 0, run.log
    assert run.result["python3"] == version_of(OLD), run.log
    assert run.result["outcome"] == "success", run.log
    assert run.result["result"] == "ok"
    assert json.loads(run.result["watched"]) == ["old-python-5xx"]


def test_the_action_runs_on_the_tool_cache_python(aws: str, tmp_path: Path) -> None:
    py311 = real_python(11)
    cache = tool_cache(runner_tool_cache(tmp_path), {"3.11.7": py311}, complete={"3.11.7"})
    run = run_on_old_python3(tmp_path, aws)
    assert_the_bake_ran(run)
    chosen = cache / "Python" / "3.11.7" / "x64" / "bin" / "python3"
    assert (
        f"slipway bootstrap: Python {version_of(py311)} from the runner's tool cache ({chosen}); "
        f"python3 on PATH is {version_of(OLD)}"
    ) in run.log


def test_the_action_runs_on_a_uv_managed_cpython(aws: str, tmp_path: Path) -> None:
    archive, version = debian_cpython_archive(tmp_path)
    served = tmp_path / "downloads"
    served.mkdir()
    with download_location(served) as (base_url, requested):
        run = run_on_old_python3(
            tmp_path,
            aws,
            SLIPWAY_PYTHON_VERSION=version,  # the version of the archive served here
            UV_PYTHON_DOWNLOADS_JSON_URL=publish_cpython(served, base_url, archive, version),
        )
    assert_the_bake_ran(run)
    assert requested == ["/downloads.json", f"/{archive.name}"]
    managed = runner_tool_cache(tmp_path) / "slipway-python"
    assert f"slipway bootstrap: Python {version} from uv-managed CPython in {managed} (" in run.log


def test_without_any_python_311_the_step_fails_with_one_line(aws: str, tmp_path: Path) -> None:
    run = run_on_old_python3(
        tmp_path,
        aws,
        UV_PYTHON_INSTALL_MIRROR=f"http://127.0.0.1:{closed_port()}/python",
        UV_HTTP_RETRIES="0",
    )
    assert run.returncode == 0, run.log  # continue-on-error: the job goes on to record
    assert run.result["outcome"] == "failure", run.log
    errors = [line for line in run.log.splitlines() if "slipway bootstrap: " in line]
    assert len(errors) == 1, run.log
    assert f"no Python 3.11+ found (python3 on PATH is {version_of(OLD)}; " in errors[0]
    assert errors[0].endswith(
        "Fix one: put Python 3.11+ on PATH as python3 (e.g. actions/setup-python), "
        "set SLIPWAY_PYTHON_BASE to a Python 3.11+ interpreter, or let the runner download "
        "CPython (network access, or a mirror in UV_PYTHON_INSTALL_MIRROR)"
    )
