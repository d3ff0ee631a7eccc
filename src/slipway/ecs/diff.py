"""What a new task definition changes, as readable paths, and how to show it to a reviewer.

Both sides are normalised with :func:`~slipway.ecs.taskdef.to_register_input` first, so
read-only fields (revision, ARN, …) and empty lists never show up as changes. Containers are
matched by name, environment variables and secrets by name, tags by key, and other lists by
position: ``containerDefinitions[web].environment.LOG_LEVEL``, ``tags.env``,
``containerDefinitions[web].portMappings[0].containerPort``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from slipway.ecs.taskdef import to_register_input

ChangeKind = Literal["added", "removed", "changed"]
MASK = "***"
# Environment variables whose names look like these hold credentials in plain text.
SECRET_NAME_PARTS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL")

_MISSING: Any = object()
# List key -> the field that identifies an item, for lists matched by identity.
_KEYED_LISTS = {
    "containerDefinitions": "name",
    "environment": "name",
    "secrets": "name",
    "tags": "key",
}
# For name/value lists the change is shown on the value alone.
_VALUE_FIELDS = {"environment": "value", "secrets": "valueFrom", "tags": "value"}
_ENVIRONMENT_PATH = re.compile(r".*\.environment\.(?P<name>[^.\[\]]+)")


@dataclass(frozen=True)
class Change:
    path: str
    kind: ChangeKind
    old: Any = None
    new: Any = None


def looks_secret(name: str) -> bool:
    """Whether an environment variable's name suggests its value is a credential."""
    upper = name.upper()
    return any(part in upper for part in SECRET_NAME_PARTS)


def _keyed(items: Sequence[Any], key: str) -> dict[str, Any] | None:
    """Items by identity, or ``None`` when some item has none (then compare by position)."""
    result: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get(key), str):
            return None
        if item[key] in result:
            return None
        result[item[key]] = item
    return result


def _walk(path: str, old: Any, new: Any, key: str | None, out: list[Change]) -> None:
    if old is _MISSING and new is _MISSING:
        return
    if old is _MISSING:
        out.append(Change(path, "added", None, new))
        return
    if new is _MISSING:
        out.append(Change(path, "removed", old, None))
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for name in dict.fromkeys([*old, *new]):
            _walk(
                _join(path, str(name)),
                old.get(name, _MISSING),
                new.get(name, _MISSING),
                str(name),
                out,
            )
        return
    if isinstance(old, list) and isinstance(new, list):
        _walk_list(path, old, new, key, out)
        return
    if old != new:
        out.append(Change(path, "changed", old, new))


def _walk_list(
    path: str, old: list[Any], new: list[Any], key: str | None, out: list[Change]
) -> None:
    identity = _KEYED_LISTS.get(key or "")
    old_items = _keyed(old, identity) if identity else None
    new_items = _keyed(new, identity) if identity else None
    if identity and old_items is not None and new_items is not None:
        value_field = _VALUE_FIELDS.get(key or "")
        for name in dict.fromkeys([*old_items, *new_items]):
            before = old_items.get(name, _MISSING)
            after = new_items.get(name, _MISSING)
            if (
                value_field is not None
                and _is_pair(before, identity, value_field)
                and _is_pair(after, identity, value_field)
            ):
                before = before[value_field] if before is not _MISSING else _MISSING
                after = after[value_field] if after is not _MISSING else _MISSING
                item_path = f"{path}.{name}"
            else:
                item_path = f"{path}[{name}]"
            _walk(item_path, before, after, None, out)
        return
    for index in range(max(len(old), len(new))):
        before = old[index] if index < len(old) else _MISSING
        after = new[index] if index < len(new) else _MISSING
        _walk(f"{path}[{index}]", before, after, None, out)


def _is_pair(item: Any, identity: str, value_field: str) -> bool:
    """``{"name": …, "value": …}`` and nothing else (or absent)."""
    return item is _MISSING or (isinstance(item, Mapping) and set(item) == {identity, value_field})


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def diff_task_definitions(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """The changes from ``old`` to ``new`` (either may be a describe response, a file's
    content, or a register input), in the order the fields appear."""
    changes: list[Change] = []
    _walk("", to_register_input(old), to_register_input(new), None, changes)
    return changes


def has_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether registering ``new`` would change anything compared with ``old``."""
    return bool(diff_task_definitions(old, new))


def _redact(value: Any, secret: Callable[[str], bool]) -> Any:
    """Mask environment values with secret-looking names anywhere inside ``value``."""
    if isinstance(value, Mapping):
        masked = {k: _redact(v, secret) for k, v in value.items()}
        name = value.get("name")
        if "value" in value and isinstance(name, str) and secret(name) and "valueFrom" not in value:
            masked["value"] = MASK
        return masked
    if isinstance(value, list):
        return [_redact(item, secret) for item in value]
    return value


def masked(change: Change, secret_names: Collection[str] = ()) -> Change:
    """``change`` with the values a summary must not show replaced by ``***``: environment
    values whose names look secret (see :func:`looks_secret`) or are in ``secret_names``.
    Secrets' ``valueFrom`` ARNs are references, not values, and stay visible."""
    extra = {name.upper() for name in secret_names}

    def secret(name: str) -> bool:
        return looks_secret(name) or name.upper() in extra

    match = _ENVIRONMENT_PATH.fullmatch(change.path)
    if match and secret(match.group("name")):
        return Change(
            change.path,
            change.kind,
            None if change.old is None else MASK,
            None if change.new is None else MASK,
        )
    return Change(
        change.path, change.kind, _redact(change.old, secret), _redact(change.new, secret)
    )


def _show(value: Any) -> str:
    if value == MASK:
        return MASK
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _cell(text: str) -> str:
    """Inline code for a table cell; pipes escaped, backticks can't end the span early."""
    text = text.replace("|", "\\|")
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_diff_markdown(
    changes: Sequence[Change],
    *,
    style: Literal["table", "diff"] = "table",
    secret_names: Collection[str] = (),
) -> str:
    """Markdown for a job summary: a table (field, change, before, after) or a fenced
    ``diff`` block. Values are masked as :func:`masked` describes."""
    if not changes:
        return "No changes to the task definition.\n"
    shown = [masked(change, secret_names) for change in changes]
    if style == "diff":
        lines = ["```diff"]
        for change in shown:
            if change.kind != "added":
                lines.append(f"- {change.path}: {_show(change.old)}")
            if change.kind != "removed":
                lines.append(f"+ {change.path}: {_show(change.new)}")
        lines.append("```")
        return "\n".join(lines) + "\n"
    lines = ["| Field | Change | Before | After |", "| --- | --- | --- | --- |"]
    for change in shown:
        before = "" if change.kind == "added" else _cell(_show(change.old))
        after = "" if change.kind == "removed" else _cell(_show(change.new))
        lines.append(f"| {_cell(change.path)} | {change.kind} | {before} | {after} |")
    return "\n".join(lines) + "\n"
