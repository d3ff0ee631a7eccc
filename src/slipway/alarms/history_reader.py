"""Read the alarm history of a bake (I/O): DescribeAlarmHistory, state updates only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slipway.alarms.history import STATE_UPDATE, HistoryEntry, new_entries

# Without AlarmTypes, DescribeAlarmHistory returns metric alarms only (API reference).
HISTORY_ALARM_TYPES = ["MetricAlarm", "CompositeAlarm"]
# Error codes of a role that may describe alarms but not read their history.
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})


@dataclass
class HistoryReader:
    """The state updates of the watched alarms since ``since``, each returned once.

    Every read asks for the whole bake's history (oldest first, 100 items a page) rather
    than only what is newer than the last item seen: an item written late still turns up.
    One alarm is asked for by name; several by one account-wide query, filtered here, so a
    poll costs one call however many alarms are watched.
    """

    cloudwatch: Any
    watched: Sequence[str]
    since: datetime
    calls: int = 0
    _seen: set[tuple[str, datetime, str, str]] = field(default_factory=set)

    def read(self) -> list[HistoryEntry]:
        params: dict[str, Any] = {
            "HistoryItemType": STATE_UPDATE,
            "AlarmTypes": HISTORY_ALARM_TYPES,
            "StartDate": self.since,
            "ScanBy": "TimestampAscending",
        }
        if len(self.watched) == 1:
            params["AlarmName"] = self.watched[0]
        items: list[Any] = []
        for page in self.cloudwatch.get_paginator("describe_alarm_history").paginate(**params):
            self.calls += 1
            items.extend(page.get("AlarmHistoryItems", []))
        return new_entries(items, self.watched, self.since, self._seen)


def is_denied(error: Exception) -> bool:
    """True for a botocore ClientError saying the caller may not read the history."""
    response = getattr(error, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code in DENIED_CODES
