"""Domain values for CloudWatch alarms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

AlarmKind = Literal["metric", "composite"]
# How prefixes and tags combine: "union" watches alarms that match either; "intersection"
# only those whose name has a prefix and that carry every tag. Named alarms always count.
Combine = Literal["union", "intersection"]
COMBINE_CHOICES: tuple[Combine, ...] = ("union", "intersection")
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

    Named alarms are always watched. An alarm matches the tag filter when it carries every
    given tag. With ``combine="union"`` every prefix and the tag filter each add alarms; with
    ``"intersection"`` (and both given) an alarm must have one of the prefixes and carry the
    tags. Alarms that application auto scaling creates for target tracking
    (``TargetTracking-*``) flip by design and are left out unless ``include_target_tracking``
    is set or they are named explicitly.
    """

    names: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    include_target_tracking: bool = False
    combine: Combine = "union"

    @property
    def intersects(self) -> bool:
        """Prefixes and tags both given, and an alarm must match both."""
        return self.combine == "intersection" and bool(self.prefixes) and bool(self.tags)

    @property
    def is_empty(self) -> bool:
        return not (self.names or self.prefixes or self.tags)

    def describe(self) -> str:
        parts = []
        if self.names:
            parts.append("names " + ", ".join(self.names))
        prefixes = "prefixes " + ", ".join(f"{p}*" for p in self.prefixes)
        tags = "tags " + ", ".join(f"{k}={v}" for k, v in self.tags.items())
        if self.intersects:
            parts.append(f"{prefixes} carrying {tags}")
        else:
            parts += [prefixes] if self.prefixes else []
            parts += [tags] if self.tags else []
        return "; ".join(parts) or "nothing"

    def explain(self) -> str:
        """How the selectors combine, in a sentence for summaries and messages."""
        ways = []
        if self.names:
            ways.append("it is named")
        if self.intersects:
            ways.append("its name starts with a prefix and it carries every tag")
        else:
            if self.prefixes:
                ways.append("its name starts with a prefix")
            if self.tags:
                ways.append("it carries every tag")
        if not ways:
            return "No alarm is selected."
        text = "An alarm is watched when " + " or ".join(ways)
        if self.prefixes and self.tags:
            text += f" (alarm-selection: {self.combine})"
        if (self.prefixes or self.tags) and not self.include_target_tracking:
            text += "; TargetTracking-* alarms only when named"
        return text + "."
