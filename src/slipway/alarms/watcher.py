"""The bake loop: poll alarm states until the bake time is up or something breaches."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from slipway.alarms.bake import BakeResult, BakeTracker, StateChange
from slipway.alarms.history import HistoryEntry
from slipway.alarms.model import Alarm


def utc_now() -> datetime:
    return datetime.now(UTC)


def run_bake(
    fetch: Callable[[], Mapping[str, Alarm]],
    tracker: BakeTracker,
    *,
    bake_seconds: float,
    poll_seconds: float,
    history: Callable[[], Sequence[HistoryEntry]] | None = None,
    on_change: Callable[[StateChange], None] = lambda change: None,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = utc_now,
) -> BakeResult:
    """Watch until ``bake_seconds`` have passed; stop at the first breach.

    The last poll happens at the deadline itself, so a breach in the final interval is not
    missed. Each poll reads the ``history`` first (state updates since the bake began: an
    alarm that fired and recovered between two polls is only there), then the states.
    """
    deadline = monotonic() + bake_seconds
    while not tracker.breached:
        remaining = deadline - monotonic()
        if remaining <= 0:
            break
        sleep(min(poll_seconds, remaining))
        entries = history() if history is not None else ()
        for change in tracker.observe(fetch(), now(), entries):
            on_change(change)
    return tracker.finish(now())
