"""Pure selection of the alarms to watch from what discovery found."""

from __future__ import annotations

from collections.abc import Iterable

from slipway.alarms.model import Alarm, AlarmSelector

TARGET_TRACKING_PREFIX = "TargetTracking-"


def is_target_tracking(name: str) -> bool:
    """Alarms application auto scaling manages for target-tracking policies."""
    return name.startswith(TARGET_TRACKING_PREFIX)


def select_alarms(
    candidates: Iterable[Alarm], selector: AlarmSelector, tagged: Iterable[str] = ()
) -> list[Alarm]:
    """The alarms the selector picks, sorted by name, each once.

    ``candidates`` are the alarms discovery fetched (by name and prefix, plus those found by
    tag); ``tagged`` holds the names of alarms that carry every tag of the selector.
    """
    tagged_names = set(tagged)
    explicit = set(selector.names)
    chosen: dict[str, Alarm] = {}
    for alarm in candidates:
        by_prefix = any(alarm.name.startswith(prefix) for prefix in selector.prefixes)
        by_tags = bool(selector.tags) and alarm.name in tagged_names
        by_both = by_prefix and by_tags if selector.intersects else by_prefix or by_tags
        picked = alarm.name in explicit or by_both
        if not picked:
            continue
        if (
            is_target_tracking(alarm.name)
            and not selector.include_target_tracking
            and alarm.name not in explicit
        ):
            continue
        chosen[alarm.name] = alarm
    return [chosen[name] for name in sorted(chosen)]


def missing_names(selector: AlarmSelector, found: Iterable[Alarm]) -> list[str]:
    """Alarms named explicitly that do not exist: almost always a typo worth reporting."""
    present = {alarm.name for alarm in found}
    return [name for name in selector.names if name not in present]
