"""checkov on the complete example (and through it every module it composes), on the state
backend and on the account onboarding root: no failed check, and every skipped check carries
its reason next to the code."""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


@functools.cache  # one scan per directory: several tests read the same report
def checkov(directory: str) -> dict[str, Any]:
    result = subprocess.run(
        [
            str(REPO / "scripts" / "checkov"),
            "-d",
            str(REPO / directory),
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
    # One framework asked for: checkov answers with one report (a list only for several).
    if isinstance(report, list):
        [report] = [r for r in report if r.get("check_type") == "terraform"]
    assert isinstance(report, dict)
    return report


@pytest.mark.parametrize(
    ("directory", "at_least_passed"),
    [
        ("examples/complete", 150),
        ("modules/state-backend", 35),
        ("examples/account-bootstrap", 80),
    ],
)
def test_no_failed_checkov_checks_and_every_skip_has_a_reason(
    directory: str, at_least_passed: int
) -> None:
    report = checkov(directory)
    failed = report["results"]["failed_checks"]
    assert failed == [], [(f["check_id"], f["resource"]) for f in failed]
    assert report["summary"]["passed"] >= at_least_passed
    skipped = report["results"]["skipped_checks"]
    assert skipped, "the documented skips are reported"
    for check in skipped:
        reason = (check.get("check_result") or {}).get("suppress_comment", "")
        assert len(reason.strip()) > 20, f"{check['check_id']} on {check['resource']} has no reason"


def test_the_state_bucket_has_a_lifecycle_and_a_kms_key() -> None:
    report = checkov("modules/state-backend")
    passed = {(c["check_id"], c["resource"]) for c in report["results"]["passed_checks"]}
    assert ("CKV2_AWS_61", "aws_s3_bucket.this") in passed  # lifecycle configuration
    assert ("CKV_AWS_7", "aws_kms_key.this[0]") in passed  # key rotation
