from datetime import UTC, datetime, timedelta

from slipway.alarms import Alarm, BakePolicy, BakeTracker

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def snap(**states: str) -> dict[str, Alarm]:
    return {
        name.replace("_", "-"): Alarm(name.replace("_", "-"), "metric", state, f"why {state}")
        for name, state in states.items()
    }


def at(seconds: int) -> datetime:
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
