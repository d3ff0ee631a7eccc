from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from slipway.ecs.polling import (
    Backoff,
    CallCounter,
    PollSchedule,
    calls_per_minute,
    error_code,
    is_throttling,
)


def test_backs_off_to_the_cap_and_resets_on_change() -> None:
    s = PollSchedule(initial=2, factor=1.5, cap=15, hot=None)
    delays = [s.next_delay(False) for _ in range(8)]
    assert delays == [2, 3, 4.5, 6.75, 10.125, 15, 15, 15]
    assert s.next_delay(True) == 2
    assert s.next_delay(False) == 3


def test_hot_caps_the_delay_without_resetting_the_backoff() -> None:
    s = PollSchedule(initial=2, factor=1.5, cap=15, hot=1)
    assert [s.next_delay(False, hot=True) for _ in range(3)] == [1, 1, 1]
    assert s.next_delay(False) == 6.75


def test_fixed_schedule() -> None:
    s = PollSchedule.fixed(15)
    assert {s.next_delay(c, hot=True) for c in (True, False, True)} == {15}


@pytest.mark.parametrize(
    ("kw", "message"),
    [({"factor": 0.5}, "factor must be >= 1"), ({"cap": 1}, "cap"), ({"initial": 0}, "positive")],
)
def test_invalid_schedules(kw: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PollSchedule(**kw)


def test_backoff_doubles_to_cap() -> None:
    b = Backoff(base=1, cap=5)
    assert [b.next_delay() for _ in range(5)] == [1, 2, 4, 5, 5]
    b.reset()
    assert b.next_delay() == 1


def test_throttling_detection() -> None:
    throttled = ClientError({"Error": {"Code": "ThrottlingException"}}, "DescribeServices")
    denied = ClientError({"Error": {"Code": "AccessDeniedException"}}, "DescribeServices")
    assert is_throttling(throttled)
    assert not is_throttling(denied)
    assert error_code(denied) == "AccessDeniedException"
    assert error_code(ValueError("x")) is None


def test_call_counter_rate_and_peak_window() -> None:
    t = [0.0]
    counter = CallCounter(lambda: t[0])
    for _ in range(90):
        counter.record()
        t[0] += 1.0
    assert counter.total == 90
    assert counter.peak_per_minute == 60
    assert counter.per_minute() == pytest.approx(60.0)
    assert calls_per_minute(4, 30) == 4.0  # a short run counts as a full minute
    assert calls_per_minute(8, 120) == 4.0
