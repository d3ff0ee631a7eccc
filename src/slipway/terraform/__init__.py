"""Terraform plans: the plan model read from ``show -json``, and its markdown rendering."""

from slipway.terraform.attributes import SENSITIVE, UNKNOWN, AttributeChange
from slipway.terraform.plan import (
    Counts,
    OutputChange,
    Plan,
    PlanFormatError,
    ResourceChange,
    load_plan,
    parse_plan,
)
from slipway.terraform.render import one_line_counts, render_comment, render_summary

__all__ = [
    "SENSITIVE",
    "UNKNOWN",
    "AttributeChange",
    "Counts",
    "OutputChange",
    "Plan",
    "PlanFormatError",
    "ResourceChange",
    "load_plan",
    "one_line_counts",
    "parse_plan",
    "render_comment",
    "render_summary",
]
