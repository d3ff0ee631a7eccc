"""The size arithmetic that picks how many bullets fit matches the composed text exactly."""

from __future__ import annotations

import itertools

import pytest

from slipway.gha.summary import Summary
from slipway.terraform.attributes import MAX_ATTRIBUTES, AttributeChange, diff_attributes
from slipway.terraform.plan import Plan, ResourceChange, count_changes
from slipway.terraform.render import (
    _compose,
    _Layout,
    _sections,
    _size,
    render_comment,
    render_item,
)


def _plan() -> Plan:
    attrs = (
        AttributeChange("name", '"é`x`"', '"日本"', forces_replacement=True),
        AttributeChange("note", None, '"a\\nb"'),
    )
    changes = (
        ResourceChange("aws_s3_bucket.a", "create", "aws_s3_bucket", "a"),
        ResourceChange("aws_s3_bucket.`b`", "update", "aws_s3_bucket", "b", attributes=attrs),
        ResourceChange("aws_s3_bucket.c", "delete", "aws_s3_bucket", "c", reason="why\nnot"),
        ResourceChange("aws_s3_bucket.d", "replace", "aws_s3_bucket", "d", attributes=attrs),
        ResourceChange("aws_s3_bucket.e", "update", "aws_s3_bucket", "e", more_attributes=3),
        ResourceChange("aws_s3_bucket.f", "no-op", "aws_s3_bucket", "f", moved_from="x.f"),
        ResourceChange("data.x.g", "read", "x", "g", mode="data"),
    )
    return Plan(changes=changes, outputs=(), counts=count_changes(changes))


@pytest.mark.parametrize("footer", [[], ["**Outputs:** `url` (update)", "The full plan…"]])
def test_layout_size_is_the_composed_size(footer: list[str]) -> None:
    head = Summary().heading("Terraform plan: ü").paragraph("**Plan: 1 to add.**")
    destructive, groups = _sections(_plan())
    layout = _Layout(head, destructive, groups, footer, limit=1 << 30)
    keeps = (None, 0, 1, 2, 3)
    for keep_destructive, keep_others in itertools.product(keeps, keeps):
        text = _compose(
            head,
            destructive,
            groups,
            footer,
            keep_destructive=keep_destructive,
            keep_others=keep_others,
        )
        assert layout.size(keep_destructive, keep_others) == _size(text)


def test_layout_reports_over_the_limit_without_rendering_everything() -> None:
    head = Summary().heading("Terraform plan")
    changes = tuple(
        ResourceChange(f"null_resource.r[{n}]", "create", "null_resource", "r") for n in range(5000)
    )
    destructive, groups = _sections(Plan(changes, (), count_changes(changes)))
    layout = _Layout(head, destructive, groups, [], limit=1000)
    assert layout.size(None, None) > 1000
    assert len(groups[0]._items) < 100  # stopped once over the limit
    assert len(groups[0].items(None)) == 5000  # rendering on demand still gives them all


def test_comment_is_the_longest_that_fits() -> None:
    plan = _plan()
    full = render_comment(plan, title="t")
    for limit in range(len(full.encode()) - 40, len(full.encode()) + 1):
        text = render_comment(plan, title="t", limit=limit)
        assert _size(text) <= limit
    assert render_comment(plan, title="t", limit=_size(full)) == full
    assert render_item(plan.changes[0]) == "`aws_s3_bucket.a`"


def test_diff_attributes_keeps_forcing_then_named_first() -> None:
    names = [f"a{n:02d}" for n in range(MAX_ATTRIBUTES + 5)]
    change = {
        "before": {name: 1 for name in names},
        "after": {name: 2 for name in names},
        "after_unknown": {"z_id": True},
        "before_sensitive": {},
        "after_sensitive": {"a01": True},
    }
    found, more = diff_attributes(change, [["z_id"], ["a16", 0]])
    assert more == 6
    assert [a.name for a in found] == ["a16", "z_id", *names[:10]]
    assert [a.forces_replacement for a in found] == [True, True, *[False] * 10]
    assert found[1].after == "(known after apply)"
    assert found[3] == AttributeChange("a01", "1", "(sensitive)")
