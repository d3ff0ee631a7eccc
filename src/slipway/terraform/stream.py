"""Read a ``terraform show -json`` document section by section instead of all at once.

``json.load`` of a plan for thousands of resources builds an object graph several times
the file's size. Here the top-level object is walked with the C decoder one member at a
time: each ``resource_changes`` entry is decoded, summarised and dropped; the sections the
model does not use are decoded and dropped at once; ``variables`` (which holds sensitive
variable values in clear) is stepped over without being decoded at all.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Callable
from typing import Any

from slipway.terraform.plan import (
    OutputChange,
    Plan,
    PlanFormatError,
    ResourceChange,
    build_plan,
    summarise_change,
    summarise_output,
)

_decoder = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STRUCTURE = re.compile(r'[\[\]{}"]')
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_HEADER = ("format_version", "terraform_version", "errored", "applyable", "complete")


def _skip_space(text: str, idx: int) -> int:
    match = _WHITESPACE.match(text, idx)
    return match.end() if match else idx


def _next_char(text: str, idx: int) -> tuple[str, int]:
    idx = _skip_space(text, idx)
    if idx >= len(text):
        raise PlanFormatError("the plan JSON ends too early")
    return text[idx], idx


def _decode(text: str, idx: int) -> tuple[Any, int]:
    try:
        return _decoder.raw_decode(text, _skip_space(text, idx))
    except json.JSONDecodeError as error:
        # A string never closed runs to the end of the text: cut short, like an end reached.
        if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
            raise PlanFormatError("the plan JSON ends too early (truncated?)") from None
        raise PlanFormatError(f"the plan JSON is not valid: {error}") from None


def skip_undecoded(text: str, idx: int) -> int:
    """The end of the JSON value at ``idx``, found by matching brackets, not decoding."""
    char, idx = _next_char(text, idx)
    if char not in "[{":
        return _decode(text, idx)[1]
    depth = 0
    pos = idx
    while True:
        match = _STRUCTURE.search(text, pos)
        if match is None:
            raise PlanFormatError("the plan JSON ends too early")
        pos = match.end()
        token = match.group()
        if token == '"':
            rest = _STRING_REST.match(text, pos)
            if rest is None:
                raise PlanFormatError("the plan JSON has an unterminated string")
            pos = rest.end()
        elif token in "[{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return pos


def _skip_decoded(text: str, idx: int) -> int:
    # The C decoder is much faster than bracket matching in Python; the objects it builds
    # live only until this returns.
    return _decode(text, idx)[1]


def _walk_object(text: str, idx: int, on_member: Callable[[str, int], int]) -> int:
    char, idx = _next_char(text, idx)
    if char != "{":
        raise PlanFormatError("expected a JSON object")
    char, idx = _next_char(text, idx + 1)
    if char == "}":
        return idx + 1
    while True:
        key, idx = _decode(text, idx)
        char, idx = _next_char(text, idx)
        if not isinstance(key, str) or char != ":":
            raise PlanFormatError("expected a member name and ':' in a JSON object")
        idx = on_member(key, idx + 1)
        char, idx = _next_char(text, idx)
        if char == "}":
            return idx + 1
        if char != ",":
            raise PlanFormatError("expected ',' or '}' in a JSON object")
        idx += 1


def _walk_array(text: str, idx: int, on_item: Callable[[Any], None]) -> int:
    char, idx = _next_char(text, idx)
    if char == "n":  # null where Terraform omits an empty list
        return _decode(text, idx)[1]
    if char != "[":
        raise PlanFormatError("expected a JSON array")
    char, idx = _next_char(text, idx + 1)
    if char == "]":
        return idx + 1
    while True:
        item, idx = _decode(text, idx)
        on_item(item)
        char, idx = _next_char(text, idx)
        if char == "]":
            return idx + 1
        if char != ",":
            raise PlanFormatError("expected ',' or ']' in a JSON array")
        idx += 1


def read_plan_sections(text: str, source: str = "") -> Plan:
    """The ``Plan`` described by the JSON text of ``terraform show -json <planfile>``."""
    header: dict[str, Any] = {}
    changes: list[ResourceChange] = []
    outputs: list[OutputChange] = []
    drift: list[str] = []

    def add_change(item: Any) -> None:
        summary = summarise_change(item) if isinstance(item, dict) else None
        if summary is not None:
            changes.append(summary)

    def add_drift(item: Any) -> None:
        if isinstance(item, dict) and item.get("change", {}).get("actions") != ["no-op"]:
            drift.append(str(item.get("address", "")))

    def add_output(name: str, idx: int) -> int:
        change, end = _decode(text, idx)
        if isinstance(change, dict):
            outputs.append(summarise_output(name, change))
        return end

    def on_member(key: str, idx: int) -> int:
        if key in _HEADER:
            header[key], end = _decode(text, idx)
            return end
        if key == "resource_changes":
            return _walk_array(text, idx, add_change)
        if key == "resource_drift":
            return _walk_array(text, idx, add_drift)
        if key == "output_changes":
            return _walk_object(text, idx, add_output)
        if key == "variables":
            return skip_undecoded(text, idx)
        return _skip_decoded(text, idx)

    # Decoding allocates hundreds of thousands of container objects, none in a reference
    # cycle: pausing the cyclic collector meanwhile saves it scanning them again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        end = _walk_object(text, 0, on_member)
    finally:
        if collecting:
            gc.enable()
    if _skip_space(text, end) != len(text):
        raise PlanFormatError("unexpected data after the plan JSON object")
    if "format_version" not in header:
        raise PlanFormatError("not a Terraform plan JSON document (no format_version)")
    return build_plan(header, changes, outputs, drift, source=source)
