"""Per-resource attribute diffs, masked before they are kept.

Only rendered text leaves this module: a sensitive value is replaced by ``SENSITIVE`` here,
so the plan model never holds a secret that a renderer, a log line or a ``repr()`` could
print. Diffs are top-level attributes only, each value cut to a short one-line preview —
enough for a reviewer to see what moves; the full plan text carries the rest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

SENSITIVE = "(sensitive)"
UNKNOWN = "(known after apply)"
MAX_VALUE_CHARS = 60
MAX_ATTRIBUTES = 12

# What ``json.dumps`` builds for these options on every call, built once.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


@dataclass(frozen=True)
class AttributeChange:
    """One changed top-level attribute; ``None`` on a side means absent (or null)."""

    name: str
    before: str | None
    after: str | None
    forces_replacement: bool = False


def flagged(mask: Any) -> bool:
    """Whether a sensitivity or unknown mask marks any part of its value."""
    if mask is True:
        return True
    if not mask:  # False, None, or an empty object or list
        return False
    if isinstance(mask, dict | Mapping):
        return any(flagged(item) for item in mask.values())
    if isinstance(mask, list):
        return any(flagged(item) for item in mask)
    return False


def _member(mask: Any, key: str) -> Any:
    # A mask that is `true` for the whole object covers every attribute in it.
    if mask is True:
        return True
    return mask.get(key, False) if isinstance(mask, dict | Mapping) else False


def _masked(value: Any, sensitive_mask: Any) -> str | None:
    if value is None:
        return None
    return SENSITIVE if flagged(sensitive_mask) else preview(value)


def preview(value: Any, limit: int = MAX_VALUE_CHARS) -> str:
    """A one-line JSON rendering of ``value``, cut to ``limit`` characters."""
    text = _ENCODER.encode(value) if type(value) is not str else encode_basestring(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def diff_attributes(
    change: Mapping[str, Any], replace_paths: Sequence[Sequence[str | int]] = ()
) -> tuple[tuple[AttributeChange, ...], int]:
    """The changed top-level attributes of one ``change`` object, masked and cut.

    Returns at most ``MAX_ATTRIBUTES`` of them (those forcing replacement first) and how many
    more there were.
    """
    before = change.get("before")
    after = change.get("after")
    before = before if isinstance(before, dict | Mapping) else {}
    after = after if isinstance(after, dict | Mapping) else {}
    unknown = change.get("after_unknown")
    before_sensitive = change.get("before_sensitive")
    after_sensitive = change.get("after_sensitive")
    forcing = {str(path[0]) for path in replace_paths if path}
    names = set(before) | set(after)
    if isinstance(unknown, dict | Mapping):
        names |= {name for name, mask in unknown.items() if flagged(mask)}

    # Sort the changed names first so that only the attributes kept are previewed.
    changed: list[tuple[bool, str, bool]] = []
    for name in names:
        is_unknown = flagged(_member(unknown, name))
        if (
            not is_unknown
            and (name in before) == (name in after)
            and before.get(name) == after.get(name)
        ):
            continue
        changed.append((name not in forcing, name, is_unknown))
    changed.sort()  # those forcing replacement first, then by name (names are unique)
    found = tuple(
        AttributeChange(
            name=name,
            before=_masked(before.get(name), _member(before_sensitive, name)),
            after=UNKNOWN
            if is_unknown
            else _masked(after.get(name), _member(after_sensitive, name)),
            forces_replacement=not later,
        )
        for later, name, is_unknown in changed[:MAX_ATTRIBUTES]
    )
    return found, max(0, len(changed) - MAX_ATTRIBUTES)
