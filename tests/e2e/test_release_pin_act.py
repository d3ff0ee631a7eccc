"""A consumer who pins a release runs that release's inner workflows, not the major tag's.

Two releases of slipway's committed files are made with scripts/release into a local bare
repository, each marked observably (the first line of infra-environment.yml's `config`
step prints "release marker: one" or "two"); the second moves the major tag. A consumer
workflow then calls `…/infra.yml@v<first>` under act, with slipway's references mapped to
what the bare repository holds: `@v<first>` to the first tag's tree, `@v<major>` to the
major tag's tree, that is the second release. infra.yml calls infra-environment.yml; were
that call still at the major tag, it would print the second release's marker.

The run stops at the config step's missing-variable error: no AWS, no engine.
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
from pathlib import Path

import pytest
from localrun import act
from tests.integration.release.release_repo import (
    OWN,
    REPO_ROOT,
    URL,
    commit_all,
    git,
    git_env,
    init_repository,
    released,
)

pytestmark = pytest.mark.e2e

CHANGELOG = """# Changelog

## [Unreleased]

### Added
- Release {marker}.
"""
MARKER = 'print("release marker: {marker}")'
CONSUMER = f"""name: consumer
on: workflow_dispatch
permissions:
  contents: read
  pull-requests: write
  actions: read
  id-token: write
jobs:
  infra:
    uses: {OWN}/.github/workflows/infra.yml@{{tag}}
    with:
      environments: '["dev"]'
"""


def extract(repository: Path, ref: str, destination: Path) -> Path:
    """The tree `ref` holds, as files (what act reads for a mapped reference)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref],
        cwd=repository, capture_output=True, check=True, env=git_env(),
    ).stdout  # fmt: skip
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(destination, filter="data")
    return destination


def mark(infra_environment: Path, marker: str) -> None:
    """The config step's script starts by printing the release's marker."""
    lines = infra_environment.read_text().splitlines(keepends=True)
    config = lines.index("      - id: config\n")
    run = next(i for i in range(config, len(lines)) if lines[i].strip() == "run: |")
    assert "shell: python3 {0}" in "".join(lines[config:run])
    if "release marker" in lines[run + 1]:
        del lines[run + 1]
    indent = lines[run + 1][: len(lines[run + 1]) - len(lines[run + 1].lstrip())]
    lines.insert(run + 1, indent + MARKER.format(marker=marker) + "\n")
    infra_environment.write_text("".join(lines))


def test_a_consumer_pinned_to_a_release_runs_its_inner_workflows(tmp_path: Path) -> None:
    # slipway at its committed HEAD, in a repository of its own with a bare remote.
    slipway, remote = tmp_path / "slipway", tmp_path / "slipway.git"
    init_repository(slipway, remote)
    extract(REPO_ROOT, "HEAD", slipway)
    infra_environment = slipway / ".github" / "workflows" / "infra-environment.yml"
    infra = (slipway / ".github" / "workflows" / "infra.yml").read_text()
    [major] = set(re.findall(re.escape(OWN) + r"/[^@\s]+@v(\d+)\s", infra))
    first, second = f"{major}.1.0", f"{major}.2.0"

    for version, marker in ((first, "one"), (second, "two")):
        mark(infra_environment, marker)
        (slipway / "CHANGELOG.md").write_text(CHANGELOG.format(marker=marker))
        commit_all(slipway, f"Release {marker}'s changes")
        released(slipway, "prepare", version, "--date", "2026-11-26", "--repo-url", URL)
        released(slipway, "push", version)

    # What a consumer's runner would fetch for each reference.
    pinned = extract(remote, f"v{first}", tmp_path / f"v{first}")
    moved = extract(remote, f"v{major}", tmp_path / f"v{major}")
    nested = f"{OWN}/.github/workflows/infra-environment.yml@v{first}"
    assert nested in (pinned / ".github" / "workflows" / "infra.yml").read_text()
    assert (
        'print("release marker: two")'
        in (moved / ".github" / "workflows" / "infra-environment.yml").read_text()
    )

    consumer = tmp_path / "consumer"
    consumer.mkdir()
    git(consumer, "init", "--quiet", "-b", "main")
    git(consumer, "config", "user.name", "Consumer")
    git(consumer, "config", "user.email", "consumer@example.com")
    workflow = consumer / ".github" / "workflows" / "infra.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(CONSUMER.format(tag=f"v{first}"))
    commit_all(consumer, "Infrastructure pipeline, pinned to a release")

    run = act.run_act(
        consumer,
        ".github/workflows/infra.yml",
        tmp_path / "act",
        event="workflow_dispatch",
        local_repositories={f"{OWN}@v{first}": pinned, f"{OWN}@v{major}": moved},
        timeout=600,
    )

    assert run.returncode != 0, run.log
    assert "release marker: one" in run.log, run.log
    assert "release marker: two" not in run.log
    # Every inner action and workflow came from the first release, none by the major tag.
    assert f"{OWN}/actions/tf-plan@v{first}" in run.log
    assert re.search(re.escape(OWN) + rf"[^@\s]*@v{major}(?![\w.])", run.log) is None
    assert "::error::variable AWS_REGION is not set in GitHub environment 'dev-plan'" in run.log
