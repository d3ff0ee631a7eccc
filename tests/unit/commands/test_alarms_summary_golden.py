"""The alarm bake's job summary, compared with reviewed golden files.

Set SLIPWAY_UPDATE_GOLDEN=1 to rewrite them after an intended change, then review the diff.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from slipway.alarms import Alarm, AlarmSelector, BakePolicy, BakeTracker
from slipway.alarms.history import HistoryEntry
from slipway.commands.alarms_summary import render_no_alarms, render_summary

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "golden"
T0 = datetime(2026, 5, 4, 13, 30, tzinfo=UTC)


def alarms(**states: str) -> dict[str, Alarm]:
    return {
        name.replace("_", "-"): Alarm(
            name.replace("_", "-"),
            "composite" if "health" in name else "metric",
            state,
            f"Threshold Crossed: {name} {state}",
        )
        for name, state in states.items()
    }


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SLIPWAY_UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed: review, then SLIPWAY_UPDATE_GOLDEN=1"


def test_breached_bake_summary() -> None:
    tracker = BakeTracker(BakePolicy(), alarms(web_5xx="OK", web_latency="OK", web_health="OK"), T0)
    tracker.observe(
        alarms(web_5xx="OK", web_latency="INSUFFICIENT_DATA", web_health="OK"),
        T0 + timedelta(seconds=30),
    )
    tracker.observe(
        alarms(web_5xx="ALARM", web_latency="OK", web_health="OK"), T0 + timedelta(seconds=95)
    )
    result = tracker.finish(T0 + timedelta(seconds=95))
    selector = AlarmSelector(prefixes=("web-",), tags={"Service": "web"})
    check_golden("alarms_breached.md", render_summary(result, selector, 600).render())


def test_ok_bake_summary_with_tolerated_pre_existing_alarm() -> None:
    tracker = BakeTracker(
        BakePolicy(pre_existing="ignore"), alarms(db_cpu="ALARM", web_5xx="OK"), T0
    )
    tracker.observe(alarms(db_cpu="OK", web_5xx="OK"), T0 + timedelta(seconds=40))
    result = tracker.finish(T0 + timedelta(seconds=300))
    summary = render_summary(result, AlarmSelector(names=("db-cpu", "web-5xx")), 300).render()
    check_golden("alarms_ok.md", summary)


def test_transient_breach_seen_in_the_history_summary() -> None:
    # ALARM at +5 s and OK at +8 s: the poll at +15 s reads OK, the history has both.
    tracker = BakeTracker(BakePolicy(), alarms(web_5xx="OK", web_latency="OK"), T0)
    history = [
        HistoryEntry("web-5xx", T0 + timedelta(seconds=5), "OK", "ALARM", "5xx above 1%"),
        HistoryEntry("web-5xx", T0 + timedelta(seconds=8), "ALARM", "OK", "5xx back to 0%"),
    ]
    tracker.observe(alarms(web_5xx="OK", web_latency="OK"), T0 + timedelta(seconds=15), history)
    result = tracker.finish(T0 + timedelta(seconds=15))
    selector = AlarmSelector(prefixes=("web-",), tags={"Service": "web"}, combine="intersection")
    check_golden("alarms_transient.md", render_summary(result, selector, 300).render())


def test_no_alarm_matched_summary() -> None:
    selector = AlarmSelector(prefixes=("web-prod-",), tags={"Service": "web"})
    check_golden("alarms_none.md", render_no_alarms(selector, allowed=False).render())


@pytest.mark.parametrize(
    "name", ["alarms_breached.md", "alarms_ok.md", "alarms_transient.md", "alarms_none.md"]
)
def test_golden_files_are_plain_markdown_without_secrets_or_local_paths(name: str) -> None:
    text = (GOLDEN / name).read_text()
    assert "/work/" not in text and "/tmp/" not in text
    assert text.startswith("## ")
