"""The emulator keeps NewerNoncurrentVersions of a lifecycle rule (moto drops it)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
from emulator_s3_lifecycle import newer_noncurrent_versions, with_newer_noncurrent_versions

RULES = [
    {
        "ID": "earlier-versions",
        "NoncurrentVersionExpiration": {"NoncurrentDays": "90", "NewerNoncurrentVersions": "10"},
    },
    {"ID": "plans", "NoncurrentVersionExpiration": {"NoncurrentDays": "1"}},
    {"ID": "uploads", "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": "7"}},
]


def test_the_value_is_kept_per_rule() -> None:
    assert newer_noncurrent_versions(RULES) == {"earlier-versions": 10}


@pytest.mark.parametrize("value", ["0", "101"])
def test_values_outside_the_documented_range_are_refused(value: str) -> None:
    rule = {
        "ID": "x",
        "NoncurrentVersionExpiration": {"NoncurrentDays": "1", "NewerNoncurrentVersions": value},
    }
    with pytest.raises(ValueError, match="NewerNoncurrentVersions"):
        newer_noncurrent_versions([rule])


def test_the_value_goes_back_into_the_answer_of_its_rule_only() -> None:
    answer = {
        "Rules": [
            {"ID": "earlier-versions", "NoncurrentVersionExpiration": {"NoncurrentDays": 90}},
            {"ID": "plans", "NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
        ],
        "TransitionDefaultMinimumObjectSize": "all_storage_classes_128K",
    }
    result = with_newer_noncurrent_versions(answer, {"earlier-versions": 10})
    assert result["Rules"][0]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 90,
        "NewerNoncurrentVersions": 10,
    }
    assert result["Rules"][1] == answer["Rules"][1]
    assert result["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    assert "NewerNoncurrentVersions" not in answer["Rules"][0]["NoncurrentVersionExpiration"]
