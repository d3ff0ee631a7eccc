"""The demo trips an alarm when a run's log says a bake began (scripts/localrun/demo_flow.py):
once, on the first matching line, with the stage's reason; and puts it back afterwards."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
from localrun.demo_flow import AlarmOnLine


class RecordingCloudWatch:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def set_alarm_state(self, **call: Any) -> None:
        self.calls.append(call)


def test_the_alarm_fires_once_on_the_first_matching_line_then_resets() -> None:
    cloudwatch = RecordingCloudWatch()
    trigger = AlarmOnLine(cloudwatch, "web-5xx", "Bake: watching", "demo: 5xx")
    trigger("[deploy] deploying")
    assert not trigger.fired.is_set() and cloudwatch.calls == []
    trigger("[deploy] Bake: watching 2 alarms for 20s")
    trigger("[deploy] Bake: watching again")
    assert trigger.fired.is_set()
    assert cloudwatch.calls == [
        {"AlarmName": "web-5xx", "StateValue": "ALARM", "StateReason": "demo: 5xx"}
    ]
    trigger.reset()
    assert cloudwatch.calls[-1] == {
        "AlarmName": "web-5xx",
        "StateValue": "OK",
        "StateReason": "demo: reset",
    }
