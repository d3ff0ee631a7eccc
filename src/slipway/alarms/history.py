"""Alarm history entries (pure): what DescribeAlarmHistory says about state changes.

A poll of DescribeAlarms sees the state at that instant only; an alarm that went to ALARM
and back to OK between two polls leaves no trace there. CloudWatch's alarm history keeps
every state update, so the bake reads it at every poll too.

The item's shape is the API reference's AlarmHistoryItem
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmHistoryItem.html):
for ``StateUpdate`` items, ``HistoryData`` is JSON text with ``oldState`` and ``newState``,
each holding ``stateValue`` and ``stateReason``; ``HistorySummary`` reads "Alarm updated from
OK to ALARM".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

STATE_UPDATE = "StateUpdate"
_SUMMARY = re.compile(r"Alarm updated from (\w+) to (\w+)")


@dataclass(frozen=True)
class HistoryEntry:
    """One state update of one alarm, as the alarm history records it."""

    alarm: str
    at: datetime
    old: str
    new: str
    reason: str = ""

    @property
    def key(self) -> tuple[str, datetime, str, str]:
        return (self.alarm, self.at, self.old, self.new)


def parse_history_item(item: Mapping[str, Any]) -> HistoryEntry | None:
    """The state update an AlarmHistoryItem describes; None for other item types or an item
    that names no states. The states come from HistoryData, else from HistorySummary."""
    if item.get("HistoryItemType") != STATE_UPDATE or "Timestamp" not in item:
        return None
    at = item["Timestamp"]
    if not isinstance(at, datetime):
        return None
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    name = str(item.get("AlarmName", ""))
    states = _states_from_data(item.get("HistoryData"))
    if states is None:
        match = _SUMMARY.search(str(item.get("HistorySummary", "")))
        if match is None:
            return None
        states = (match.group(1), match.group(2), "")
    old, new, reason = states
    return HistoryEntry(name, at, old, new, reason)


def _states_from_data(text: Any) -> tuple[str, str, str] | None:
    try:
        data = json.loads(text) if isinstance(text, str) else {}
        old, new = data["oldState"], data["newState"]
        return str(old["stateValue"]), str(new["stateValue"]), str(new.get("stateReason", ""))
    except (ValueError, TypeError, KeyError):
        return None


def new_entries(
    items: Iterable[Mapping[str, Any]],
    watched: Iterable[str],
    since: datetime,
    seen: set[tuple[str, datetime, str, str]],
) -> list[HistoryEntry]:
    """The state updates of watched alarms at or after ``since`` not seen before, oldest
    first; ``seen`` is updated. Every poll asks for the whole bake's history again (an item
    written late still turns up), so most items repeat."""
    names = set(watched)
    fresh: list[HistoryEntry] = []
    for item in items:
        entry = parse_history_item(item)
        if entry is None or entry.alarm not in names or entry.at < since or entry.key in seen:
            continue
        seen.add(entry.key)
        fresh.append(entry)
    return sorted(fresh, key=lambda e: e.at)
