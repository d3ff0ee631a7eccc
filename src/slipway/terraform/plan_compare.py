"""Is the plan about to be approved the plan that was reviewed? A semantic comparison of two
``show -json`` documents.

Only what the plans would *do* is compared: for every resource change, its address, its
actions, and the attributes it changes (their planned values, with sensitive values reduced
to a digest and unknown values to a marker); for every output, its actions and planned
value. Everything else is left out on purpose, because it differs between two plans of the
same change and raised false alarms elsewhere: key order and whitespace (the documents are
parsed), the ``timestamp`` and versions of the run, prior state, ``before`` values of
attributes that do not change (ids, ARNs read back from the provider), drift, and the order
of resources.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

UNKNOWN = "(known after apply)"


@dataclass(frozen=True)
class ChangeDifference:
    """One way the current plan differs from the reviewed one."""

    address: str
    kind: str  # "added" (only in the current plan), "removed" (only reviewed), "changed"
    actions: str  # the current plan's actions ("update", "delete, create"…), or the reviewed
    attributes: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.kind == "added":
            return f"{self.address} {self.actions} (not in the reviewed plan)"
        if self.kind == "removed":
            return f"{self.address} {self.actions} is no longer planned"
        what = f" ({', '.join(self.attributes)})" if self.attributes else ""
        return f"{self.address} {self.actions}{what}"


@dataclass(frozen=True)
class PlanComparison:
    differences: tuple[ChangeDifference, ...]

    @property
    def same(self) -> bool:
        return not self.differences

    def summary(self, limit: int = 5) -> str:
        """``aws_lb.this update (idle_timeout); output url update`` (at most ``limit``)."""
        shown = [d.describe() for d in self.differences[:limit]]
        more = len(self.differences) - limit
        return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def _masked(value: Any, sensitive: Any, unknown: Any) -> Any:
    """``value`` with sensitive parts replaced by a digest and unknown ones by a marker, so
    two plans compare equal exactly when they would set the same values."""
    if unknown is True:
        return UNKNOWN
    if sensitive is True:
        digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]
        return f"(sensitive {digest})"
    if isinstance(value, Mapping):
        keys = set(value) | (set(unknown) if isinstance(unknown, Mapping) else set())
        return {
            key: _masked(value.get(key), _child(sensitive, key), _child(unknown, key))
            for key in sorted(keys)
        }
    if isinstance(value, list):
        length = max(len(value), len(unknown) if isinstance(unknown, list) else 0)
        return [
            _masked(value[i] if i < len(value) else None, _child(sensitive, i), _child(unknown, i))
            for i in range(length)
        ]
    return value


def _child(mask: Any, key: str | int) -> Any:
    if isinstance(mask, Mapping) and isinstance(key, str):
        return mask.get(key)
    if isinstance(mask, list) and isinstance(key, int) and key < len(mask):
        return mask[key]
    return None


def _effect(change: Mapping[str, Any]) -> dict[str, Any]:
    """What one resource change does: the attributes it sets, masked (deletes set nothing)."""
    actions = change.get("actions") or []
    if list(actions) in (["delete"], ["no-op"], ["read"], ["forget"]):
        return {}
    raw_before, raw_after = change.get("before"), change.get("after")
    before: Mapping[str, Any] = raw_before if isinstance(raw_before, Mapping) else {}
    after: Mapping[str, Any] = raw_after if isinstance(raw_after, Mapping) else {}
    after_unknown = change.get("after_unknown")
    after_sensitive = change.get("after_sensitive")
    names = set(after) | (set(after_unknown) if isinstance(after_unknown, Mapping) else set())
    effect = {}
    for name in sorted(names):
        planned = _masked(
            after.get(name), _child(after_sensitive, name), _child(after_unknown, name)
        )
        unchanged = name in before and before.get(name) == after.get(name) and planned != UNKNOWN
        if "create" in actions or not unchanged:
            effect[name] = planned
    return effect


def _resources(document: Mapping[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    result = {}
    for item in document.get("resource_changes") or []:
        if not isinstance(item, Mapping) or not isinstance(item.get("change"), Mapping):
            continue
        change = item["change"]
        actions = [str(a) for a in change.get("actions") or []]
        if actions == ["no-op"] and not item.get("previous_address"):
            continue
        address = str(item.get("address") or "")
        if item.get("deposed"):
            address += f" (deposed {item['deposed']})"
        result[address] = (", ".join(actions), _effect(change))
    return result


def _outputs(document: Mapping[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    result = {}
    changes = document.get("output_changes")
    for name, change in changes.items() if isinstance(changes, Mapping) else []:
        if not isinstance(change, Mapping):
            continue
        actions = [str(a) for a in change.get("actions") or []]
        if actions == ["no-op"]:
            continue
        value = _masked(
            change.get("after"), change.get("after_sensitive"), change.get("after_unknown")
        )
        result[f"output {name}"] = (", ".join(actions), {"value": value})
    return result


def _differences(
    reviewed: Mapping[str, tuple[str, dict[str, Any]]],
    current: Mapping[str, tuple[str, dict[str, Any]]],
) -> Iterable[ChangeDifference]:
    for address in sorted(set(reviewed) | set(current)):
        if address not in reviewed:
            yield ChangeDifference(address, "added", current[address][0])
        elif address not in current:
            yield ChangeDifference(address, "removed", reviewed[address][0])
        elif reviewed[address] != current[address]:
            old_actions, old_effect = reviewed[address]
            actions, effect = current[address]
            if actions != old_actions:
                # A new action changes everything it sets: say only what it was.
                changed: tuple[str, ...] = (f"was {old_actions}",)
            else:
                keys = set(old_effect) | set(effect)
                changed = tuple(sorted(k for k in keys if old_effect.get(k) != effect.get(k)))
            yield ChangeDifference(address, "changed", actions, changed)


def compare_plans(reviewed: Mapping[str, Any], current: Mapping[str, Any]) -> PlanComparison:
    """How ``current`` differs from ``reviewed`` (both ``show -json`` documents)."""
    differences = [
        *_differences(_resources(reviewed), _resources(current)),
        *_differences(_outputs(reviewed), _outputs(current)),
    ]
    return PlanComparison(tuple(differences))
