from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from slipway.alarms import Alarm, BakePolicy, BakeResult, BakeTracker, StateChange
from slipway.alarms.history import HistoryEntry
from slipway.alarms.watcher import run_bake

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class FakeClock:
    """Virtual time: sleep advances it, so a 5-minute bake runs in microseconds."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds

    def now(self) -> datetime:
        return T0 + timedelta(seconds=self.t)


def scripted(
    clock: FakeClock, timeline: list[tuple[float, str]]
) -> Callable[[], Mapping[str, Alarm]]:
    """States of alarm 'a' over virtual time: the last entry at or before now."""

    def fetch() -> Mapping[str, Alarm]:
        state = [s for t, s in timeline if t <= clock.t][-1]
        return {"a": Alarm("a", "metric", state, f"reason {state}")}

    return fetch


def bake(
    clock: FakeClock, timeline: list[tuple[float, str]], **kw: float
) -> tuple[BakeResult, list[StateChange]]:
    tracker = BakeTracker(BakePolicy(), {"a": Alarm("a", "metric", "OK")}, clock.now())
    seen: list[StateChange] = []
    result = run_bake(
        scripted(clock, timeline),
        tracker,
        bake_seconds=kw.get("bake", 60),
        poll_seconds=kw.get("poll", 15),
        on_change=seen.append,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
        now=clock.now,
    )
    return result, seen


def test_healthy_bake_polls_until_the_deadline_and_passes() -> None:
    clock = FakeClock()
    result, seen = bake(clock, [(0, "OK")], bake=60, poll=15)
    assert result.verdict == "ok"
    assert clock.sleeps == [15, 15, 15, 15]
    assert clock.t == 60
    assert seen == []


def test_breach_stops_the_bake_at_the_first_poll_that_sees_it() -> None:
    clock = FakeClock()
    result, seen = bake(clock, [(0, "OK"), (20, "ALARM")], bake=300, poll=15)
    assert result.verdict == "breached"
    assert clock.t == 30  # polls at 15 (OK) and 30 (ALARM); no more
    assert [(c.old, c.new, c.at) for c in seen] == [("OK", "ALARM", T0 + timedelta(seconds=30))]
    assert result.finished_at == T0 + timedelta(seconds=30)


def test_last_poll_happens_exactly_at_the_deadline() -> None:
    clock = FakeClock()
    result, _ = bake(clock, [(0, "OK"), (50, "ALARM")], bake=50, poll=15)
    assert clock.sleeps == [15, 15, 15, 5]
    assert result.verdict == "breached"


def test_zero_bake_time_makes_no_poll() -> None:
    clock = FakeClock()
    result, _ = bake(clock, [(0, "ALARM")], bake=0, poll=15)
    assert clock.sleeps == []
    assert result.verdict == "ok"


def test_alarm_between_two_polls_fails_the_bake_at_the_next_poll_with_the_time_it_fired() -> None:
    # ALARM at +5 s, OK at +8 s, polls every 15 s: the states read at +15 s are OK again;
    # the history read at the same poll holds both changes.
    clock = FakeClock()
    timeline = [(0.0, "OK"), (5.0, "ALARM"), (8.0, "OK")]
    history_reads: list[float] = []

    def history() -> list[HistoryEntry]:
        history_reads.append(clock.t)
        return [
            HistoryEntry("a", T0 + timedelta(seconds=t), old, new, f"reason {new}")
            for (_, old), (t, new) in pairwise(timeline)
            if t <= clock.t
        ]

    tracker = BakeTracker(BakePolicy(), {"a": Alarm("a", "metric", "OK")}, clock.now())
    seen: list[StateChange] = []
    result = run_bake(
        scripted(clock, timeline),
        tracker,
        bake_seconds=300,
        poll_seconds=15,
        history=history,
        on_change=seen.append,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
        now=clock.now,
    )
    assert result.verdict == "breached"
    assert clock.t == 15  # the first poll after the flip: detection lag 10 s
    assert history_reads == [15]
    assert [(b.alarm, b.state, b.at) for b in result.breaches] == [
        ("a", "ALARM", T0 + timedelta(seconds=5))
    ]
    assert [(c.new, c.source) for c in seen] == [("ALARM", "history"), ("OK", "history")]


def test_without_history_the_same_flip_is_invisible_to_the_polls() -> None:
    # What the bake did before it read the history: the reason it reads it.
    clock = FakeClock()
    result, _ = bake(clock, [(0, "OK"), (5, "ALARM"), (8, "OK")], bake=30, poll=15)
    assert result.verdict == "ok"
