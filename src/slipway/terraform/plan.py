"""The plan model: what a ``terraform show -json <planfile>`` document says will change.

Only what a reviewer needs is kept: one ``ResourceChange`` per resource that does something
(plain no-ops are dropped — a large stack lists thousands), with masked attribute previews
instead of values. The document's top-level ``variables`` section holds the values of
sensitive variables in clear: nothing here ever reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from slipway.terraform.attributes import AttributeChange, diff_attributes, flagged

Action = Literal["create", "update", "delete", "replace", "read", "no-op", "forget"]

_ACTIONS: dict[tuple[str, ...], Action] = {
    ("create",): "create",
    ("update",): "update",
    ("delete",): "delete",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    ("read",): "read",
    ("no-op",): "no-op",
    ("forget",): "forget",
    # Terraform 1.7+: replacing an object whose old instance is forgotten, not destroyed.
    ("create", "forget"): "replace",
    ("forget", "create"): "replace",
}

# `action_reason` values (Terraform's JSON output format) in words a reviewer reads.
REASONS = {
    "replace_because_tainted": "the object is tainted",
    "replace_because_cannot_update": "an attribute that cannot be updated in place changed",
    "replace_by_request": "replacement was requested (-replace)",
    "replace_by_triggers": "replace_triggered_by fired",
    "delete_because_no_resource_config": "its configuration was removed",
    "delete_because_no_module": "its module was removed",
    "delete_because_wrong_repetition": "count/for_each was added or removed",
    "delete_because_count_index": "its index is beyond count",
    "delete_because_each_key": "its key is no longer in for_each",
    "delete_because_no_move_target": "its moved target is not in the configuration",
    "read_because_config_unknown": "its configuration depends on values known after apply",
    "read_because_dependency_pending": "a resource it depends on has pending changes",
    "read_because_check_nested": "a check block reads it",
}


class PlanFormatError(ValueError):
    """The document is not the JSON of ``terraform show -json <planfile>``."""


@dataclass(frozen=True)
class ResourceChange:
    address: str
    action: Action
    type: str
    name: str
    mode: Literal["managed", "data"] = "managed"
    module: str | None = None
    moved_from: str | None = None
    importing: bool = False
    reason: str | None = None
    deposed: str | None = None
    replace_paths: tuple[tuple[str | int, ...], ...] = ()
    # Changed top-level attributes of updates and replaces, masked; `more_attributes`
    # counts those cut off.
    attributes: tuple[AttributeChange, ...] = ()
    more_attributes: int = 0

    @property
    def is_move(self) -> bool:
        return self.moved_from is not None


@dataclass(frozen=True)
class OutputChange:
    name: str
    action: Action
    sensitive: bool


@dataclass(frozen=True)
class Counts:
    """Disjoint counts by action, plus imports and moves (which can go with any action)."""

    add: int = 0
    change: int = 0
    destroy: int = 0
    replace: int = 0
    imports: int = 0
    moves: int = 0
    forget: int = 0
    read: int = 0

    @property
    def total(self) -> int:
        return sum(vars(self).values())


@dataclass(frozen=True)
class Plan:
    changes: tuple[ResourceChange, ...]
    outputs: tuple[OutputChange, ...]
    counts: Counts
    terraform_version: str = ""
    format_version: str = ""
    # Addresses of objects changed outside Terraform since the last apply.
    drift: tuple[str, ...] = ()
    errored: bool = False
    applyable: bool = True
    complete: bool = True
    source: str = field(default="", compare=False)

    @property
    def has_changes(self) -> bool:
        return self.counts.total > 0 or any(o.action != "no-op" for o in self.outputs)


def action_of(actions: Sequence[str]) -> Action:
    try:
        return _ACTIONS[tuple(actions)]
    except KeyError:
        raise PlanFormatError(f"unknown change actions {list(actions)!r}") from None


def _paths(raw: Any) -> tuple[tuple[str | int, ...], ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(tuple(p for p in path if isinstance(p, str | int)) for path in raw)


def summarise_change(item: Mapping[str, Any]) -> ResourceChange | None:
    """One ``resource_changes`` entry as a ``ResourceChange``; ``None`` for a plain no-op."""
    change = item.get("change")
    if not isinstance(change, Mapping) or "address" not in item:
        raise PlanFormatError(f"resource change without address or change: {sorted(item)}")
    action = action_of(change.get("actions", []))
    previous = item.get("previous_address")
    moved_from = str(previous) if previous and previous != item["address"] else None
    importing = isinstance(change.get("importing"), Mapping)
    if action == "no-op" and moved_from is None and not importing:
        return None
    replace_paths = _paths(change.get("replace_paths"))
    attributes: tuple[AttributeChange, ...] = ()
    more = 0
    if action in ("update", "replace"):
        attributes, more = diff_attributes(change, replace_paths)
    reason = item.get("action_reason")
    mode: Literal["managed", "data"] = "data" if item.get("mode") == "data" else "managed"
    return ResourceChange(
        address=str(item["address"]),
        action=action,
        type=str(item.get("type", "")),
        name=str(item.get("name", "")),
        mode=mode,
        module=str(item["module_address"]) if item.get("module_address") else None,
        moved_from=moved_from,
        importing=importing,
        reason=REASONS.get(str(reason), str(reason)) if reason else None,
        deposed=str(item["deposed"]) if item.get("deposed") else None,
        replace_paths=replace_paths,
        attributes=attributes,
        more_attributes=more,
    )


def summarise_output(name: str, change: Mapping[str, Any]) -> OutputChange:
    # Only the flags are read: an output's values may be secret.
    sensitive = flagged(change.get("before_sensitive")) or flagged(change.get("after_sensitive"))
    return OutputChange(name=name, action=action_of(change.get("actions", [])), sensitive=sensitive)


def count_changes(changes: Iterable[ResourceChange]) -> Counts:
    tally = dict.fromkeys(("create", "update", "delete", "replace", "forget", "read"), 0)
    imports = moves = 0
    for change in changes:
        if change.action in tally:
            tally[change.action] += 1
        imports += change.importing
        moves += change.is_move
    return Counts(
        add=tally["create"],
        change=tally["update"],
        destroy=tally["delete"],
        replace=tally["replace"],
        imports=imports,
        moves=moves,
        forget=tally["forget"],
        read=tally["read"],
    )


def check_format(format_version: Any) -> str:
    version = str(format_version or "")
    if not version.startswith("1."):
        raise PlanFormatError(
            f"unsupported plan JSON format_version {version!r}: expected 1.x "
            "(the output of `terraform show -json <planfile>`)"
        )
    return version


def build_plan(
    header: Mapping[str, Any],
    changes: Iterable[ResourceChange],
    outputs: Iterable[OutputChange],
    drift: Iterable[str],
    source: str = "",
) -> Plan:
    kept = tuple(changes)
    return Plan(
        changes=kept,
        outputs=tuple(sorted(outputs, key=lambda o: o.name)),
        counts=count_changes(kept),
        terraform_version=str(header.get("terraform_version", "")),
        format_version=check_format(header.get("format_version")),
        drift=tuple(drift),
        errored=bool(header.get("errored", False)),
        applyable=bool(header.get("applyable", True)),
        complete=bool(header.get("complete", True)),
        source=source,
    )


def _drift_addresses(items: Iterable[Mapping[str, Any]]) -> Iterable[str]:
    for item in items:
        actions = item.get("change", {}).get("actions", [])
        if actions != ["no-op"]:
            yield str(item.get("address", ""))


def parse_plan(data: Mapping[str, Any]) -> Plan:
    """The plan a parsed ``terraform show -json <planfile>`` document describes."""
    if not isinstance(data, Mapping) or "format_version" not in data:
        raise PlanFormatError("not a Terraform plan JSON document (no format_version)")
    summaries = (summarise_change(item) for item in data.get("resource_changes") or [])
    outputs = (summarise_output(n, c) for n, c in (data.get("output_changes") or {}).items())
    return build_plan(
        data,
        (c for c in summaries if c is not None),
        outputs,
        _drift_addresses(data.get("resource_drift") or []),
    )


def load_plan(path: str | Path) -> Plan:
    """Read a ``terraform show -json`` file without holding the whole document as objects.

    Each resource change is decoded, summarised and dropped in turn (see ``stream``), so
    memory stays close to the file's size even for plans of many thousands of resources.
    """
    from slipway.terraform.stream import read_plan_sections

    name = Path(path).name
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PlanFormatError(f"{name}: the plan JSON is not UTF-8 text") from None
    if not text.strip():
        raise PlanFormatError(f"{name}: the plan JSON is empty")
    try:
        return read_plan_sections(text, source=str(path))
    except PlanFormatError as error:
        # One line naming the file: what a runner shows as the step's error.
        raise PlanFormatError(f"{name}: {' '.join(str(error).split())}") from None
