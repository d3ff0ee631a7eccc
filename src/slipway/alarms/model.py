"""Domain values for CloudWatch alarms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

AlarmKind = Literal["metric", "composite"]
STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")


@dataclass(frozen=True)
class Alarm:
    """One alarm as CloudWatch describes it at one moment."""

    name: str
    kind: AlarmKind
    state: str
    reason: str = ""
    updated: datetime | None = None
    arn: str = ""

    @classmethod
    def from_api(cls, item: Mapping[str, Any], kind: AlarmKind) -> Alarm:
        """Build from a ``MetricAlarms`` / ``CompositeAlarms`` entry of DescribeAlarms."""
        return cls(
            name=str(item["AlarmName"]),
            kind=kind,
            state=str(item.get("StateValue", "INSUFFICIENT_DATA")),
            reason=str(item.get("StateReason", "")),
            updated=item.get("StateUpdatedTimestamp"),
            arn=str(item.get("AlarmArn", "")),
        )


@dataclass(frozen=True)
class AlarmSelector:
    """Which alarms to watch.

    Each kind of selector adds alarms (names, then every prefix, then the tag filter); an alarm
    matches the tag filter when it carries every given tag. Alarms that application auto
    scaling creates for target tracking (``TargetTracking-*``) flip by design and are left out
    unless ``include_target_tracking`` is set or they are named explicitly.
    """

    names: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    include_target_tracking: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.names or self.prefixes or self.tags)

    def describe(self) -> str:
        parts = []
        if self.names:
            parts.append("names " + ", ".join(self.names))
        if self.prefixes:
            parts.append("prefixes " + ", ".join(f"{p}*" for p in self.prefixes))
        if self.tags:
            parts.append("tags " + ", ".join(f"{k}={v}" for k, v in self.tags.items()))
        return "; ".join(parts) or "nothing"
