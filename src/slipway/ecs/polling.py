"""How often to ask ECS: an adaptive poll schedule, a throttling backoff and a call counter.

All pure: the schedule is fed "did anything change?" and "is the deployment close to an
end?" and answers how long to sleep. The loops that use it own the clock.

The schedule polls fast right after something changed (a new service event, a new rollout
state, new counts), backs off geometrically to a cap while nothing happens, and polls at
``hot`` (never slower) while the deployment looks close to its end: the new tasks are all
running (ECS is draining the old ones and will mark the deployment COMPLETED), or tasks
have failed (the circuit breaker may trip at any moment). With the defaults the watcher
notices a COMPLETED or FAILED rollout about a second after ECS records it, while never
making more than 60 ``describe_services`` calls per minute.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

DEFAULT_INITIAL = 2.0
DEFAULT_FACTOR = 1.5
DEFAULT_CAP = 15.0
DEFAULT_HOT = 2.0


@dataclass
class PollSchedule:
    """Delays between polls. ``next_delay`` is called once after every poll."""

    initial: float = DEFAULT_INITIAL
    factor: float = DEFAULT_FACTOR
    cap: float = DEFAULT_CAP
    # Delay used while the end looks near (``hot=True``); ``None`` disables the fast lane.
    hot: float | None = DEFAULT_HOT
    _current: float | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.cap <= 0:
            raise ValueError("poll delays must be positive")
        if self.factor < 1:
            raise ValueError(f"backoff factor must be >= 1, got {self.factor}")
        if self.cap < self.initial:
            raise ValueError(f"cap ({self.cap}) must be >= initial ({self.initial})")
        if self.hot is not None and self.hot <= 0:
            raise ValueError("hot delay must be positive")

    @classmethod
    def fixed(cls, seconds: float) -> PollSchedule:
        """A constant interval (what a plain ``sleep(15)`` loop does), for comparison."""
        return cls(initial=seconds, factor=1.0, cap=seconds, hot=None)

    def next_delay(self, changed: bool, *, hot: bool = False) -> float:
        """Seconds to wait before the next poll.

        ``changed``: the last poll showed something new (resets to ``initial``).
        ``hot``: the deployment looks close to done or to failing (caps at ``hot``).
        """
        if changed or self._current is None:
            self._current = self.initial
        else:
            self._current = min(self.cap, self._current * self.factor)
        if hot and self.hot is not None:
            return min(self._current, self.hot)
        return self._current

    def reset(self) -> None:
        self._current = None


@dataclass
class Backoff:
    """Exponential backoff for throttled calls: ``base``, 2x``base``, ... up to ``cap``."""

    base: float = 1.0
    cap: float = 15.0
    attempts: int = 0

    def next_delay(self) -> float:
        delay = min(self.cap, self.base * (2.0**self.attempts))
        self.attempts += 1
        return delay

    def reset(self) -> None:
        self.attempts = 0


THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
    }
)


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError`` (duck-typed: no botocore import)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    error = response.get("Error")
    if not isinstance(error, dict):
        return None
    code = error.get("Code")
    return code if isinstance(code, str) else None


def error_summary(exc: BaseException) -> str | None:
    """``Code: message`` of a botocore ``ClientError`` (duck-typed), else None."""
    code = error_code(exc)
    if code is None:
        return None
    message = exc.response["Error"].get("Message")  # type: ignore[attr-defined]
    return f"{code}: {message or exc}"


def is_throttling(exc: BaseException) -> bool:
    return error_code(exc) in THROTTLING_CODES


@dataclass
class CallCounter:
    """Counts API calls against a clock: overall rate and the busiest 60-second window."""

    clock: Callable[[], float]
    started: float | None = None
    times: deque[float] = field(default_factory=deque)
    total: int = 0
    peak_per_minute: int = 0

    def record(self) -> None:
        now = self.clock()
        if self.started is None:
            self.started = now
        self.total += 1
        self.times.append(now)
        while self.times and self.times[0] <= now - 60.0:
            self.times.popleft()
        self.peak_per_minute = max(self.peak_per_minute, len(self.times))

    def per_minute(self, elapsed: float | None = None) -> float:
        """Average calls per minute over ``elapsed`` seconds (default: since the first call)."""
        if elapsed is None:
            elapsed = self.clock() - (self.started if self.started is not None else 0.0)
        return calls_per_minute(self.total, elapsed)


def calls_per_minute(calls: int, elapsed: float) -> float:
    """``calls`` over ``elapsed`` seconds as a per-minute rate (a run under a minute counts as
    one minute, so a short watch is not reported as a burst)."""
    return calls * 60.0 / max(elapsed, 60.0)
