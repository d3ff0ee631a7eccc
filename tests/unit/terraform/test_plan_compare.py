"""Comparing the plan about to be approved with the one reviewed on the pull request: real
``show -json`` documents, and the variations that must not raise an alarm."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from slipway.terraform.plan_compare import compare_plans

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "terraform"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "plan.json").is_file())


def plan(case: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / case / "plan.json").read_text()))


def change(document: dict[str, Any], address: str) -> dict[str, Any]:
    return next(c for c in document["resource_changes"] if c["address"] == address)


# --- no false alarms -------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_a_plan_is_the_same_as_itself_in_any_key_order_and_layout(case: str) -> None:
    reviewed = plan(case)
    text = json.dumps(reviewed, sort_keys=True, indent=4)
    reordered = json.loads(text, object_pairs_hook=lambda pairs: dict(reversed(pairs)))
    assert compare_plans(reviewed, reordered).same


@pytest.mark.parametrize("case", CASES)
def test_run_details_are_not_changes(case: str) -> None:
    """Another run of the same change: time, versions, prior state, resource order differ."""
    reviewed = plan(case)
    current = copy.deepcopy(reviewed)
    current["timestamp"] = "2031-01-01T00:00:00Z"
    current["terraform_version"] = "1.99.0"
    current["prior_state"] = {"format_version": "1.0", "values": {"root_module": {}}}
    current["resource_changes"] = list(reversed(current.get("resource_changes") or []))
    current.pop("resource_drift", None)
    assert compare_plans(reviewed, current).same


def test_ids_read_back_from_the_provider_are_not_changes() -> None:
    """The object was recreated outside the plan (a new id): the change is the same."""
    reviewed = plan("update")
    current = copy.deepcopy(reviewed)
    item = change(current, "terraform_data.service")["change"]
    item["before"]["id"] = item["after"]["id"] = "0b7c5f1e-new-id"
    assert compare_plans(reviewed, current).same


# --- real differences ---------------------------------------------------------------------------


def test_an_attribute_planned_differently_is_named() -> None:
    reviewed = plan("update")
    current = copy.deepcopy(reviewed)
    change(current, "terraform_data.service")["change"]["after"]["input"]["cpu"] = 1024
    comparison = compare_plans(reviewed, current)
    assert not comparison.same
    assert comparison.summary() == "terraform_data.service update (input)"


def test_a_new_action_is_named_with_the_old_one() -> None:
    reviewed = plan("update")
    current = copy.deepcopy(reviewed)
    change(current, "terraform_data.service")["change"]["actions"] = ["delete", "create"]
    assert compare_plans(reviewed, current).summary() == (
        "terraform_data.service delete, create (was update)"
    )


def test_resources_added_and_dropped_are_named() -> None:
    reviewed = plan("update")
    current = copy.deepcopy(reviewed)
    extra = copy.deepcopy(change(current, "terraform_data.service"))
    extra["address"] = "terraform_data.planted"
    extra["change"]["actions"] = ["create"]
    current["resource_changes"].append(extra)
    assert compare_plans(reviewed, current).summary() == (
        "terraform_data.planted create (not in the reviewed plan)"
    )
    assert compare_plans(current, reviewed).summary() == (
        "terraform_data.planted create is no longer planned"
    )


def test_known_against_unknown_is_a_change() -> None:
    reviewed = plan("update")
    current = copy.deepcopy(reviewed)
    item = change(current, "terraform_data.service")["change"]
    item["after"]["input"]["image"] = None
    item["after_unknown"]["input"] = {"image": True}
    assert compare_plans(reviewed, current).summary() == "terraform_data.service update (input)"


def test_sensitive_values_are_compared_without_being_shown() -> None:
    reviewed = plan("sensitive")
    current = copy.deepcopy(reviewed)
    item = change(current, "terraform_data.credentials")["change"]
    assert item["after_sensitive"]["input"]["password"] is True
    item["after"]["input"]["password"] = "a-different-secret"
    comparison = compare_plans(reviewed, current)
    assert comparison.summary() == "terraform_data.credentials update (input)"
    assert "a-different-secret" not in repr(comparison)


def test_outputs_are_compared() -> None:
    reviewed = plan("update")
    reviewed["output_changes"] = {
        "url": {"actions": ["update"], "after": "https://a", "after_unknown": False},
        "same": {"actions": ["no-op"], "after": 1},
    }
    current = copy.deepcopy(reviewed)
    current["output_changes"]["url"]["after"] = "https://b"
    assert compare_plans(reviewed, current).summary() == "output url update (value)"


def test_the_summary_is_bounded() -> None:
    reviewed = plan("update")
    current = copy.deepcopy(reviewed)
    for index in range(8):
        extra = copy.deepcopy(change(current, "terraform_data.service"))
        extra["address"] = f"terraform_data.extra[{index}]"
        current["resource_changes"].append(extra)
    summary = compare_plans(reviewed, current).summary(limit=3)
    assert summary.count("not in the reviewed plan") == 3
    assert summary.endswith("; and 5 more")
