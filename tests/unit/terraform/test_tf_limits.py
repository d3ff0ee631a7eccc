"""The comment always fits: what gives way first, and what stays."""

from __future__ import annotations

from slipway.terraform import Counts, one_line_counts, parse_plan, render_comment
from slipway.terraform.plan import Plan


def _change(address: str, actions: list[str], **extra: object) -> dict[str, object]:
    return {
        "address": address,
        "mode": "managed",
        "type": "terraform_data",
        "name": address.rsplit(".", 1)[-1],
        "change": {
            "actions": actions,
            "before": {"input": "a" * 40} if actions != ["create"] else None,
            "after": {"input": "b" * 40} if actions != ["delete"] else None,
            "after_unknown": {},
            "before_sensitive": {},
            "after_sensitive": {},
        },
        **extra,
    }


def _big_plan(creates: int, updates: int, deletes: int, replaces: int) -> Plan:
    changes = [_change(f"terraform_data.create_{i}", ["create"]) for i in range(creates)]
    changes += [_change(f"terraform_data.update_{i}", ["update"]) for i in range(updates)]
    changes += [_change(f"terraform_data.delete_{i}", ["delete"]) for i in range(deletes)]
    changes += [
        _change(f"terraform_data.replace_{i}", ["delete", "create"]) for i in range(replaces)
    ]
    return parse_plan(
        {"format_version": "1.2", "terraform_version": "1.15.5", "resource_changes": changes}
    )


def test_one_line_counts() -> None:
    plan = _big_plan(2, 1, 1, 1)
    assert one_line_counts(plan) == "Plan: 2 to add, 1 to change, 1 to destroy, 1 to replace."
    empty = _big_plan(0, 0, 0, 0)
    assert one_line_counts(empty) == "No changes. Infrastructure matches the configuration."


def test_thousands_of_changes_fit_and_keep_every_destructive_address() -> None:
    plan = _big_plan(3000, 2000, 150, 100)
    text = render_comment(plan, title="prod", full_plan_text="x" * 500_000, details_url="https://u")
    assert len(text) < 65536
    assert "Plan: 3000 to add, 2000 to change, 150 to destroy, 100 to replace." in text
    for i in range(150):
        assert f"`terraform_data.delete_{i}`" in text
    for i in range(100):
        assert f"`terraform_data.replace_{i}`" in text
    assert "The full plan is too long to show here" in text
    assert "(https://u)" in text
    assert "more" in text
    shown = text.count("`terraform_data.create_")
    assert f"… and {3000 - shown} more" in text


def test_the_full_plan_is_kept_when_it_fits() -> None:
    text = render_comment(_big_plan(2, 0, 0, 0), title="dev", full_plan_text="PLAN-TEXT")
    assert "<details><summary>Full plan</summary>" in text
    assert "PLAN-TEXT" in text


def test_destructive_list_is_cut_last_and_counts_stay() -> None:
    plan = _big_plan(10, 0, 5000, 0)
    text = render_comment(plan, title="prod", full_plan_text=None, details_url=None, limit=20_000)
    assert len(text.encode()) <= 20_000
    assert "Plan: 10 to add, 0 to change, 5000 to destroy." in text
    assert "⚠️ 5000 resources will be destroyed or replaced" in text
    assert "more" in text


def test_counts_are_disjoint_and_total() -> None:
    assert _big_plan(1, 2, 3, 4).counts == Counts(add=1, change=2, destroy=3, replace=4)
