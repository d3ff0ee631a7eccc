from datetime import UTC, datetime, timedelta

from slipway.alarms import Alarm, BakePolicy, BakeTracker
from slipway.alarms.history import HistoryEntry

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def snap(**states: str) -> dict[str, Alarm]:
    return {
        name.replace("_", "-"): Alarm(name.replace("_", "-"), "metric", state, f"why {state}")
        for name, state in states.items()
    }


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_quiet_bake_is_ok_with_no_changes() -> None:
    tracker = BakeTracker(BakePolicy(), snap(a="OK", b="OK"), T0)
    assert tracker.observe(snap(a="OK", b="OK"), at(10)) == []
    result = tracker.finish(at(60))
    assert result.verdict == "ok"
    assert result.breaches == []
    assert result.changes == []


def test_alarm_entering_alarm_breaches_with_time_and_reason() -> None:
    tracker = BakeTracker(BakePolicy(), snap(a="OK", b="OK"), T0)
    tracker.observe(snap(a="OK", b="OK"), at(10))
    changes = tracker.observe(snap(a="OK", b="ALARM"), at(20))
    assert [(c.alarm, c.old, c.new) for c in changes] == [("b", "OK", "ALARM")]
    assert tracker.breached
    result = tracker.finish(at(20))
    assert result.verdict == "breached"
    assert [b.to_json() for b in result.breaches] == [
        {
            "name": "b",
            "state": "ALARM",
            "reason": "why ALARM",
            "time": "2026-01-01T12:00:20+00:00",
            "pre_existing": False,
        }
    ]


def test_insufficient_data_is_tolerated_unless_asked() -> None:
    lenient = BakeTracker(BakePolicy(), snap(a="OK"), T0)
    lenient.observe(snap(a="INSUFFICIENT_DATA"), at(10))
    assert lenient.finish(at(60)).verdict == "ok"
    strict = BakeTracker(BakePolicy(fail_on_insufficient_data=True), snap(a="OK"), T0)
    strict.observe(snap(a="INSUFFICIENT_DATA"), at(10))
    assert strict.finish(at(10)).breaches[0].state == "INSUFFICIENT_DATA"


def test_pre_existing_alarm_fails_at_once_by_default() -> None:
    tracker = BakeTracker(BakePolicy(), snap(a="ALARM", b="OK"), T0)
    assert tracker.breached
    result = tracker.finish(T0)
    assert result.pre_existing == ["a"]
    assert [(b.alarm, b.pre_existing, b.at) for b in result.breaches] == [("a", True, T0)]


def test_pre_existing_alarm_ignored_when_it_recovers() -> None:
    tracker = BakeTracker(BakePolicy(pre_existing="ignore"), snap(a="ALARM", b="OK"), T0)
    assert not tracker.breached
    tracker.observe(snap(a="OK", b="OK"), at(30))
    result = tracker.finish(at(60))
    assert result.verdict == "ok"
    assert result.pre_existing == ["a"]
    assert [(c.alarm, c.new) for c in result.changes] == [("a", "OK")]


def test_pre_existing_alarm_ignored_fails_when_it_stays_in_alarm() -> None:
    tracker = BakeTracker(BakePolicy(pre_existing="ignore"), snap(a="ALARM"), T0)
    tracker.observe(snap(a="ALARM"), at(30))
    assert not tracker.breached
    result = tracker.finish(at(60))
    assert result.verdict == "breached"
    breach = result.breaches[0]
    assert (breach.alarm, breach.pre_existing, breach.at) == ("a", True, at(60))
    assert breach.reason == "still ALARM at the end of the bake: why ALARM"


def test_pre_existing_alarm_that_recovers_then_relapses_breaches() -> None:
    tracker = BakeTracker(BakePolicy(pre_existing="ignore"), snap(a="ALARM"), T0)
    tracker.observe(snap(a="OK"), at(10))
    tracker.observe(snap(a="ALARM"), at(20))
    assert tracker.breached
    assert tracker.finish(at(20)).breaches[0].pre_existing is False


def test_vanished_alarm_is_reported_not_breached() -> None:
    tracker = BakeTracker(BakePolicy(pre_existing="ignore"), snap(a="OK", b="ALARM"), T0)
    tracker.observe(snap(a="OK"), at(10))
    tracker.observe(snap(a="OK"), at(20))
    result = tracker.finish(at(30))
    assert result.vanished == ["b"]
    assert result.verdict == "ok"


def test_final_states_reflect_the_last_observation() -> None:
    tracker = BakeTracker(BakePolicy(), snap(a="OK"), T0)
    tracker.observe(snap(a="INSUFFICIENT_DATA"), at(10))
    result = tracker.finish(at(20))
    assert result.initial["a"].state == "OK"
    assert result.final["a"].state == "INSUFFICIENT_DATA"


# --- With the alarm history: changes between two polls -------------------------------


def entry(alarm: str, seconds: float, old: str, new: str) -> HistoryEntry:
    return HistoryEntry(alarm, at(seconds), old, new, f"{alarm} {new}")


def test_alarm_and_back_between_two_polls_breaches_at_the_time_it_fired() -> None:
    tracker = BakeTracker(BakePolicy(), snap(a="OK", b="OK"), T0)
    history = [entry("a", 8, "ALARM", "OK"), entry("a", 5, "OK", "ALARM")]  # any order
    changes = tracker.observe(snap(a="OK", b="OK"), at(15), history)
    assert [(c.old, c.new, c.at, c.source) for c in changes] == [
        ("OK", "ALARM", at(5), "history"),
        ("ALARM", "OK", at(8), "history"),
    ]
    assert tracker.breached
    result = tracker.finish(at(15))
    assert [(b.alarm, b.state, b.at, b.reason) for b in result.breaches] == [
        ("a", "ALARM", at(5), "a ALARM")
    ]
    assert result.breaches[0].describe() == "a ALARM at 12:00:05 UTC: a ALARM"
    assert result.final["a"].state == "OK"


def test_the_poll_that_saw_a_change_first_is_the_same_change_the_history_reports() -> None:
    tracker = BakeTracker(BakePolicy(), snap(a="OK"), T0)
    tracker.observe(snap(a="INSUFFICIENT_DATA"), at(15))  # the history had not caught up
    assert (
        tracker.observe(
            snap(a="INSUFFICIENT_DATA"), at(30), [entry("a", 12, "OK", "INSUFFICIENT_DATA")]
        )
        == []
    )
    result = tracker.finish(at(30))
    assert [(c.new, c.at, c.source) for c in result.changes] == [
        ("INSUFFICIENT_DATA", at(12), "poll")
    ]


def test_a_late_history_entry_before_a_polled_change_still_breaches() -> None:
    # The poll at 15 s saw INSUFFICIENT_DATA; the history, one poll later, shows it passed
    # through ALARM first.
    tracker = BakeTracker(BakePolicy(), snap(a="OK"), T0)
    tracker.observe(snap(a="INSUFFICIENT_DATA"), at(15))
    assert not tracker.breached
    late = [entry("a", 9, "OK", "ALARM"), entry("a", 11, "ALARM", "INSUFFICIENT_DATA")]
    tracker.observe(snap(a="INSUFFICIENT_DATA"), at(30), late)
    result = tracker.finish(at(30))
    assert [(b.alarm, b.at) for b in result.breaches] == [("a", at(9))]
    assert [(c.old, c.new, c.at) for c in result.changes] == [
        ("OK", "ALARM", at(9)),
        ("ALARM", "INSUFFICIENT_DATA", at(11)),  # the poll's change, as the history tells it
    ]


def test_a_state_read_older_than_the_history_is_not_a_change() -> None:
    start = {"a": Alarm("a", "metric", "OK", "fine", updated=T0 - timedelta(hours=1))}
    tracker = BakeTracker(BakePolicy(fail_on_insufficient_data=False), start, T0)
    tracker.record_history([entry("a", 4, "OK", "INSUFFICIENT_DATA")])
    stale = {"a": Alarm("a", "metric", "OK", "fine", updated=T0 - timedelta(hours=1))}
    assert tracker.observe(stale, at(15)) == []
    assert tracker.finish(at(15)).final["a"].state == "INSUFFICIENT_DATA"


def test_history_before_the_start_or_already_in_the_first_snapshot_is_ignored() -> None:
    start = {"a": Alarm("a", "metric", "ALARM", "busy", updated=at(2))}
    tracker = BakeTracker(BakePolicy(pre_existing="ignore"), start, T0)
    old = [entry("a", -30, "ALARM", "OK"), entry("a", -20, "OK", "ALARM")]
    assert tracker.record_history([*old, entry("a", 2, "OK", "ALARM")]) == []
    assert not tracker.breached
    assert tracker.record_history([entry("unwatched", 5, "OK", "ALARM")]) == []


def test_pre_existing_alarm_that_recovers_and_relapses_between_polls_breaches() -> None:
    tracker = BakeTracker(BakePolicy(pre_existing="ignore"), snap(a="ALARM"), T0)
    relapse = [entry("a", 3, "ALARM", "OK"), entry("a", 7, "OK", "ALARM")]
    tracker.observe(snap(a="ALARM"), at(15), relapse)  # the poll alone sees ALARM -> ALARM
    result = tracker.finish(at(15))
    assert [(b.at, b.pre_existing) for b in result.breaches] == [(at(7), False)]


def test_an_alarm_breaches_once_however_often_it_fires() -> None:
    tracker = BakeTracker(BakePolicy(), snap(a="OK"), T0)
    flips = [
        entry("a", 1, "OK", "ALARM"),
        entry("a", 2, "ALARM", "OK"),
        entry("a", 3, "OK", "ALARM"),
    ]
    tracker.observe(snap(a="ALARM"), at(15), flips)
    result = tracker.finish(at(15))
    assert [b.at for b in result.breaches] == [at(1)]
    assert len(result.changes) == 3
