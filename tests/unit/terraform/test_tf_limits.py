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


def test_a_ten_thousand_change_comment_keeps_its_link_after_the_sticky_header() -> None:
    """The sticky header goes on top of the rendered plan: its room is reserved first, so
    what GitHub receives ends with the closed fence and the link to the full plan."""
    from slipway.commands.plan_review import plan_marker
    from slipway.commands.tf_plan import plan_comment_body
    from slipway.github.comments import MAX_BODY_CHARS
    from slipway.github.sticky import render_sticky

    plan = _big_plan(7000, 2500, 300, 200)
    key = "infra/live/prod|prod|s3:bucket=tf-state,key=prod/terraform.tfstate|default-branch"
    marker = plan_marker("prod-0123456789ab-0123456789ab", "f" * 64, "0" * 40, "default-branch")
    link = "https://github.com/acme/shop/actions/runs/4242"
    body = render_sticky(
        key,
        plan_comment_body(
            plan,
            key=key,
            title="`infra/live/prod` · prod at 0123456",
            full_text="x" * 2_000_000,
            details_url=link,
            preface="> [!NOTE]\n> Same as the plan reviewed on #12.\n\n",
            marker=marker,
        ),
    )
    assert len(body) <= MAX_BODY_CHARS
    assert "(truncated: GitHub limits a comment" not in body  # nothing cut blindly
    assert link in body
    assert body.rstrip().endswith(marker)
    assert body.count("```") % 2 == 0  # every fence closed
    assert body.count("<details>") == body.count("</details>")
    assert "Plan: 7000 to add, 2500 to change, 300 to destroy, 200 to replace." in body


def test_a_comment_within_a_few_characters_of_the_limit_still_closes() -> None:
    """The old failure: a body that filled the limit, then gained the header."""
    from slipway.commands.tf_plan import plan_comment_body
    from slipway.github.comments import MAX_BODY_CHARS
    from slipway.github.sticky import body_room, render_sticky

    key = "k|prod|s3"
    for full in range(60_000, 66_000, 350):
        plan = _big_plan(40, 10, 0, 0)
        body = render_sticky(
            key,
            plan_comment_body(
                plan, key=key, title="prod", full_text="y" * full, details_url="https://u"
            ),
        )
        assert len(body) <= MAX_BODY_CHARS
        assert body.count("```") % 2 == 0, full
        # The whole plan, or (when it does not fit) the link to it.
        assert ("y" * full in body) != ("https://u" in body), full
    assert body_room(key) < MAX_BODY_CHARS
