"""CloudWatch alarms: which alarms to watch, and the bake that watches them."""

from slipway.alarms.bake import BakePolicy, BakeResult, BakeTracker, Breach, StateChange
from slipway.alarms.model import Alarm, AlarmSelector
from slipway.alarms.selection import is_target_tracking, select_alarms

__all__ = [
    "Alarm",
    "AlarmSelector",
    "BakePolicy",
    "BakeResult",
    "BakeTracker",
    "Breach",
    "StateChange",
    "is_target_tracking",
    "select_alarms",
]
