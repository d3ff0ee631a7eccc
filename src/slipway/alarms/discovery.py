"""Find alarms in CloudWatch (I/O): by name, by prefix, and by tag."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from slipway.alarms.model import Alarm, AlarmSelector
from slipway.alarms.selection import select_alarms

ALARM_TYPES = ["MetricAlarm", "CompositeAlarm"]
NAMES_PER_CALL = 100  # DescribeAlarms accepts at most 100 names


def _pages(cloudwatch: Any, **params: Any) -> Iterator[Alarm]:
    for page in cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmTypes=ALARM_TYPES, **params
    ):
        for item in page.get("MetricAlarms", []):
            yield Alarm.from_api(item, "metric")
        for item in page.get("CompositeAlarms", []):
            yield Alarm.from_api(item, "composite")


def describe_by_names(cloudwatch: Any, names: Iterable[str]) -> dict[str, Alarm]:
    """Current state of the named alarms; names that do not exist are absent."""
    wanted = sorted(set(names))
    found: dict[str, Alarm] = {}
    for start in range(0, len(wanted), NAMES_PER_CALL):
        for alarm in _pages(cloudwatch, AlarmNames=wanted[start : start + NAMES_PER_CALL]):
            if alarm.name in wanted:  # some implementations ignore filters they don't know
                found[alarm.name] = alarm
    return found


def tagged_alarm_names(tagging: Any, tags: Mapping[str, str]) -> set[str]:
    """Names of the alarms carrying every given tag (Resource Groups Tagging API)."""
    filters = [{"Key": key, "Values": [value]} for key, value in tags.items()]
    names: set[str] = set()
    paginator = tagging.get_paginator("get_resources")
    for page in paginator.paginate(TagFilters=filters, ResourceTypeFilters=["cloudwatch:alarm"]):
        for mapping in page.get("ResourceTagMappingList", []):
            # arn:aws:cloudwatch:<region>:<account>:alarm:<name> (names may contain ':')
            names.add(str(mapping["ResourceARN"]).split(":alarm:", 1)[1])
    return names


def discover(cloudwatch: Any, tagging: Any, selector: AlarmSelector) -> list[Alarm]:
    """The alarms the selector picks, with their current state."""
    candidates: dict[str, Alarm] = {}
    if selector.names:
        candidates.update(describe_by_names(cloudwatch, selector.names))
    for prefix in selector.prefixes:
        candidates.update((a.name, a) for a in _pages(cloudwatch, AlarmNamePrefix=prefix))
    tagged: set[str] = set()
    if selector.tags:
        tagged = tagged_alarm_names(tagging, selector.tags)
        # Intersecting with prefixes: a tagged alarm the prefixes did not find is not wanted.
        unknown: set[str] = set() if selector.intersects else tagged - candidates.keys()
        candidates.update(describe_by_names(cloudwatch, unknown))
    return select_alarms(candidates.values(), selector, tagged)
