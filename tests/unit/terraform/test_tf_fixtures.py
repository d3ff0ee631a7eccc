"""The model and the comment on plans recorded from the real engine (see generate.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from slipway.terraform import Counts, load_plan, parse_plan, render_comment, render_summary

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "terraform"
SECRET = "s3cr3t-hunter2-value"
CASES = sorted(p.parent.name for p in FIXTURES.glob("*/plan.json"))

EXPECTED_COUNTS = {
    "create": Counts(add=4),
    "update": Counts(change=1),
    "delete": Counts(destroy=2),
    "replace": Counts(replace=1),
    "move": Counts(change=1, moves=2),
    "forget": Counts(forget=1),
    "no_changes": Counts(),
    "sensitive": Counts(add=1, change=1),
    "mixed": Counts(add=1, change=1, destroy=2, replace=1, imports=1, moves=1, forget=1),
}


def _comment(case: str) -> str:
    plan = load_plan(FIXTURES / case / "plan.json")
    text = (FIXTURES / case / "plan.txt").read_text(encoding="utf-8")
    return render_comment(
        plan, title=f"{case} (dev)", full_plan_text=text, details_url="https://example.test/run/1"
    )


def test_every_case_is_recorded() -> None:
    assert sorted(EXPECTED_COUNTS) == CASES


@pytest.mark.parametrize("case", CASES)
def test_counts(case: str) -> None:
    plan = load_plan(FIXTURES / case / "plan.json")
    assert plan.counts == EXPECTED_COUNTS[case]
    assert plan.terraform_version.startswith("1.")
    assert plan.has_changes is (case != "no_changes")
    assert not plan.errored


@pytest.mark.parametrize("case", CASES)
def test_streaming_reader_agrees_with_parse_plan(case: str) -> None:
    path = FIXTURES / case / "plan.json"
    assert load_plan(path) == parse_plan(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("case", CASES)
def test_comment_matches_golden(case: str) -> None:
    golden = FIXTURES / case / "comment.md"
    rendered = _comment(case)
    if os.environ.get("SLIPWAY_UPDATE_GOLDEN") == "1":
        golden.write_text(rendered, encoding="utf-8")
    assert rendered == golden.read_text(encoding="utf-8")


def test_the_secret_is_in_the_recorded_plan_so_the_next_tests_mean_something() -> None:
    assert SECRET in (FIXTURES / "sensitive" / "plan.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES)
def test_secret_never_rendered_nor_in_the_model(case: str) -> None:
    data = json.loads((FIXTURES / case / "plan.json").read_text(encoding="utf-8"))
    for plan in (load_plan(FIXTURES / case / "plan.json"), parse_plan(data)):
        assert SECRET not in repr(plan)
        text = (FIXTURES / case / "plan.txt").read_text(encoding="utf-8")
        assert SECRET not in render_comment(plan, title=case, full_plan_text=text)
        assert SECRET not in render_summary(plan, title=case, full_plan_text=text)


def test_sensitive_values_are_masked() -> None:
    plan = load_plan(FIXTURES / "sensitive" / "plan.json")
    credentials = next(c for c in plan.changes if c.address == "terraform_data.credentials")
    by_name = {a.name: a for a in credentials.attributes}
    assert by_name["input"].after == "(sensitive)"
    outputs = {o.name: o for o in plan.outputs}
    assert outputs["db_password"].sensitive
    assert not outputs["user"].sensitive
    assert "(sensitive)" in _comment("sensitive")


def test_move_without_other_change_is_a_move_not_an_update() -> None:
    plan = load_plan(FIXTURES / "move" / "plan.json")
    by_address = {c.address: c for c in plan.changes}
    assert by_address["terraform_data.new_name"].action == "no-op"
    assert by_address["terraform_data.new_name"].moved_from == "terraform_data.old_name"
    assert by_address["terraform_data.this"].action == "update"
    assert by_address["terraform_data.this"].moved_from == "terraform_data.renamed_and_changed"


def test_mixed_plan_details() -> None:
    plan = load_plan(FIXTURES / "mixed" / "plan.json")
    by_address = {c.address: c for c in plan.changes}
    adopted = by_address["terraform_data.adopted"]
    assert adopted.importing and adopted.action == "no-op"
    cache = by_address["terraform_data.cache"]
    assert cache.action == "replace"
    assert cache.attributes[0].name == "triggers_replace"
    assert cache.attributes[0].forces_replacement
    task = by_address['module.app["worker"].terraform_data.task[1]']
    assert task.module == 'module.app["worker"]'
    assert task.reason == "its index is beyond count"
    assert by_address["terraform_data.handed_over"].action == "forget"


def test_no_changes_comment() -> None:
    assert "No changes. Infrastructure matches the configuration." in _comment("no_changes")
