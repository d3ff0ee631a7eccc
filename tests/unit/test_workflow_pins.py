"""Every third-party `uses:` is pinned to a full commit SHA.

A tag like `@v4` can be moved by whoever controls the action's repository; a 40-hex commit
cannot. Local paths (`./…`) and this project's own actions and workflows by moving major tag
(`slipway-platform/slipway/…@vN`) are allowed; `docker://` images need a sha256 digest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PATTERNS = (
    ".github/workflows/*.yml",
    "actions/*/action.yml",
    "action.yml",
    "tests/e2e/workflows/*.yml",
    "examples/workflows/*.yml",
)
PINNED = re.compile(r"[\w.-]+/[\w.-]+(/[^@\s]+)?@[0-9a-f]{40}")
OWN_MOVING_TAG = re.compile(r"slipway-platform/slipway/[^@\s]+@v\d+")
DOCKER_DIGEST = re.compile(r"docker://[^@\s]+@sha256:[0-9a-f]{64}")


def uses_values(document: Any) -> Iterator[str]:
    """The `uses:` of workflow jobs (reusable workflows), their steps, and composite steps."""
    if not isinstance(document, dict):
        return
    jobs = document.get("jobs") or {}
    runs = document.get("runs") or {}
    holders = [*jobs.values(), runs] if isinstance(jobs, dict) else [runs]
    for holder in holders:
        if not isinstance(holder, dict):
            continue
        if isinstance(holder.get("uses"), str):
            yield holder["uses"]
        for step in holder.get("steps") or []:
            if isinstance(step, dict) and isinstance(step.get("uses"), str):
                yield step["uses"]


def is_pinned(uses: str) -> bool:
    if uses.startswith("./"):
        return True
    if uses.startswith("docker://"):
        return DOCKER_DIGEST.fullmatch(uses) is not None
    return bool(OWN_MOVING_TAG.fullmatch(uses) or PINNED.fullmatch(uses))


def unpinned(path: Path) -> list[str]:
    document = yaml.safe_load(path.read_text())
    return [f"{path}: {uses}" for uses in uses_values(document) if not is_pinned(uses)]


def scanned_files(root: Path) -> list[Path]:
    return sorted(path for pattern in PATTERNS for path in root.glob(pattern))


def test_every_third_party_uses_is_pinned_to_a_commit() -> None:
    files = scanned_files(REPO)
    names = {str(path.relative_to(REPO)) for path in files}
    # The scan must actually see the files it protects.
    assert {".github/workflows/ci.yml", "actions/tf-plan/action.yml"} <= names
    assert any(name.startswith("tests/e2e/workflows/") for name in names)

    offenders = [line for path in files for line in unpinned(path)]

    assert offenders == []


CHECKOUT = "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8"


@pytest.mark.parametrize(
    ("uses", "pinned"),
    [
        (CHECKOUT, True),
        ("./actions/ecs-deploy", True),
        ("./.github/workflows/infra.yml", True),
        ("slipway-platform/slipway/actions/tf-plan@v2", True),
        ("slipway-platform/slipway/.github/workflows/infra.yml@v2", True),
        ("actions/setup-python@v4", False),
        ("actions/checkout@main", False),
        ("actions/checkout@08c6903", False),  # a short SHA is a name anyone can take
        ("github/codeql-action/init@v3", False),
        ("someone/slipway/actions/tf-plan@v2", False),
        ("slipway-platform/slipway/actions/tf-plan@main", False),
        ("org/repo/.github/workflows/x.yml@v1", False),
        ("docker://alpine:3.20", False),
        ("docker://alpine@sha256:" + "a" * 64, True),
    ],
)
def test_pin_rule(uses: str, pinned: bool) -> None:
    assert is_pinned(uses) is pinned


def test_checker_catches_an_unpinned_action_in_a_file(tmp_path: Path) -> None:
    workflow = tmp_path / ".github" / "workflows" / "bad.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        f"""on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      # uses: actions/cache@v4 in a comment is not a step
      - uses: {CHECKOUT} # v5.0.0
      - uses: actions/setup-python@v4
      - run: 'echo "uses: actions/cache@v4"'
  shared:
    uses: other-org/workflows/.github/workflows/ci.yml@v1
"""
    )
    action = tmp_path / "actions" / "x" / "action.yml"
    action.parent.mkdir(parents=True)
    action.write_text(
        "runs:\n  using: composite\n  steps:\n    - uses: docker://alpine:3.20\n"
        "    - uses: ./actions/y\n"
    )

    assert scanned_files(tmp_path) == [workflow, action]
    assert [line for path in scanned_files(tmp_path) for line in unpinned(path)] == [
        f"{workflow}: actions/setup-python@v4",
        f"{workflow}: other-org/workflows/.github/workflows/ci.yml@v1",
        f"{action}: docker://alpine:3.20",
    ]
