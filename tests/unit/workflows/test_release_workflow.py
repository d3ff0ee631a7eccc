"""The release workflow (.github/workflows/release.yml): only the default branch releases,
only through the protected `release` environment, with the job's own minimal permissions."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
RELEASE = REPO / ".github" / "workflows" / "release.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    document = yaml.safe_load(RELEASE.read_text())
    assert isinstance(document, dict)
    document["on"] = document.pop(True)  # YAML 1.1 reads the key `on` as true
    return document


def test_only_a_manual_dispatch_starts_it(workflow: dict[str, Any]) -> None:
    assert list(workflow["on"]) == ["workflow_dispatch"]
    assert workflow["concurrency"] == {"group": "release", "cancel-in-progress": False}


def test_only_the_default_branch_releases_through_the_protected_environment(
    workflow: dict[str, Any],
) -> None:
    [job] = workflow["jobs"].values()
    assert (
        job["if"]
        == "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
    )
    assert job["environment"] == "release"


def test_permissions_are_the_jobs_own_and_minimal(workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {}
    [job] = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write"}


def test_the_push_uses_the_release_environments_deploy_key(workflow: dict[str, Any]) -> None:
    [job] = workflow["jobs"].values()
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["ssh-key"] == "${{ secrets.RELEASE_DEPLOY_KEY }}"
    # User input reaches the scripts through the environment only.
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "${{" not in runs
    assert job["env"]["VERSION"] == "${{ inputs.version }}"


def test_actionlint_accepts_it() -> None:
    result = subprocess.run(
        [str(REPO / ".venv" / "bin" / "actionlint"), str(RELEASE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
