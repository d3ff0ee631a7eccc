from pathlib import Path

from slipway.terraform.guard import check_destroy
from slipway.terraform.plan import load_plan

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "terraform"


def test_plan_without_destructive_changes_passes() -> None:
    verdict = check_destroy(load_plan(FIXTURES / "create" / "plan.json"), allow_destroy=False)
    assert verdict.ok
    assert verdict.blocked == () and verdict.allowed == ()


def test_deletes_and_replaces_are_blocked_by_default() -> None:
    plan = load_plan(FIXTURES / "mixed" / "plan.json")
    verdict = check_destroy(plan, allow_destroy=False)
    expected = sorted(c.address for c in plan.changes if c.action in {"delete", "replace"})
    assert sorted(c.address for c in verdict.blocked) == expected
    assert len(expected) == plan.counts.destroy + plan.counts.replace
    message = verdict.message()
    assert message.startswith("the plan would delete/replace 3 resource(s): ")
    assert "allow-destroy" in message


def test_allow_destroy_lets_everything_through() -> None:
    plan = load_plan(FIXTURES / "mixed" / "plan.json")
    verdict = check_destroy(plan, allow_destroy=True)
    assert verdict.ok
    assert len(verdict.allowed) == 3


def test_listed_addresses_and_patterns_are_allowed_the_rest_blocked() -> None:
    plan = load_plan(FIXTURES / "mixed" / "plan.json")
    addresses = sorted(c.address for c in plan.changes if c.action in {"delete", "replace"})
    verdict = check_destroy(plan, allow_destroy=False, allowed=[addresses[0]])
    assert [c.address for c in verdict.allowed] == [addresses[0]]
    assert sorted(c.address for c in verdict.blocked) == addresses[1:]
    everything = check_destroy(plan, allow_destroy=False, allowed=["*"])
    assert everything.ok


def test_forget_is_not_destructive() -> None:
    verdict = check_destroy(load_plan(FIXTURES / "forget" / "plan.json"), allow_destroy=False)
    assert verdict.ok
