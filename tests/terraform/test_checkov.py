"""checkov on the complete example (and through it every module it composes): no failed
check, and every skipped check carries its reason next to the code."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def test_complete_example_has_no_failed_checkov_checks() -> None:
    result = subprocess.run(
        [
            str(REPO / "scripts" / "checkov"),
            "-d",
            str(REPO / "examples" / "complete"),
            "--framework",
            "terraform",
            "--compact",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    report = json.loads(result.stdout)
    failed = report["results"]["failed_checks"]
    assert failed == [], [(f["check_id"], f["resource"]) for f in failed]
    assert report["summary"]["passed"] > 150
    skipped = report["results"]["skipped_checks"]
    assert skipped, "the documented skips are reported"
    for check in skipped:
        reason = (check.get("check_result") or {}).get("suppress_comment", "")
        assert len(reason.strip()) > 20, f"{check['check_id']} on {check['resource']} has no reason"
