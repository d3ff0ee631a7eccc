"""The bake verdict as a pure state machine: fed snapshots of alarm states and the alarm
history between them, it decides.

Keeping the decision free of I/O and clocks lets the tests drive every sequence of states
(pre-existing alarms, recoveries, relapses, vanished alarms, flips between two polls) in
microseconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from slipway.alarms.history import HistoryEntry
from slipway.alarms.model import Alarm

PreExisting = Literal["fail", "ignore"]


@dataclass(frozen=True)
class BakePolicy:
    fail_on_insufficient_data: bool = False
    # "fail": an alarm already failing when the bake starts fails it at once.
    # "ignore": it is reported, and fails the bake only if it is still failing at the end
    # (or relapses after recovering).
    pre_existing: PreExisting = "fail"

    @property
    def failing_states(self) -> frozenset[str]:
        if self.fail_on_insufficient_data:
            return frozenset({"ALARM", "INSUFFICIENT_DATA"})
        return frozenset({"ALARM"})


ChangeSource = Literal["poll", "history"]


@dataclass(frozen=True)
class StateChange:
    """A change of one alarm's state. ``source`` says how it was seen: ``poll`` when a read
    of the states showed it, ``history`` when only the alarm history did (it came and went
    between two polls, or the history told its exact time first)."""

    alarm: str
    old: str
    new: str
    reason: str
    at: datetime
    source: ChangeSource = "poll"


@dataclass(frozen=True)
class Breach:
    alarm: str
    state: str
    reason: str
    at: datetime
    pre_existing: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.alarm,
            "state": self.state,
            "reason": self.reason,
            "time": self.at.isoformat(),
            "pre_existing": self.pre_existing,
        }

    def describe(self) -> str:
        """One line naming the alarm, its state, when it got there and why."""
        return f"{self.alarm} {self.state} at {self.at:%H:%M:%S} UTC: {self.reason}"


@dataclass
class BakeResult:
    breaches: list[Breach]
    changes: list[StateChange]
    initial: dict[str, Alarm]
    final: dict[str, Alarm]
    pre_existing: list[str]
    vanished: list[str]
    started_at: datetime
    finished_at: datetime
    # Why the alarm history could not be read ("" when it was read at every poll).
    history_unavailable: str = ""

    @property
    def verdict(self) -> Literal["ok", "breached"]:
        return "breached" if self.breaches else "ok"


@dataclass
class BakeTracker:
    """Tracks one bake. Create it with the snapshot taken when the bake starts.

    Each poll brings the alarm history since the bake began (state updates, each once) and a
    snapshot of the current states. The history is applied first, in time order, so a
    transition the snapshot cannot show (ALARM and back to OK between two polls) still
    breaches; then the snapshot, for a change the history does not show yet. When the
    history later reports that change, it is the same change (its exact time replaces the
    poll's), not a second one.
    """

    policy: BakePolicy
    initial: Mapping[str, Alarm]
    started_at: datetime
    breaches: list[Breach] = field(default_factory=list)
    changes: list[StateChange] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        failing = self.policy.failing_states
        self.current: dict[str, Alarm] = dict(self.initial)
        self.pre_existing = sorted(n for n, a in self.initial.items() if a.state in failing)
        # Pre-existing alarms being ignored until they recover or the bake ends.
        self._tolerated = set(self.pre_existing) if self.policy.pre_existing == "ignore" else set()
        # Changes seen by a poll that the history has not reported yet, by alarm.
        self._unconfirmed: dict[str, StateChange] = {}
        if self.policy.pre_existing == "fail":
            for name in self.pre_existing:
                alarm = self.initial[name]
                self.breaches.append(
                    Breach(name, alarm.state, alarm.reason, self.started_at, pre_existing=True)
                )

    @property
    def breached(self) -> bool:
        return bool(self.breaches)

    def observe(
        self,
        snapshot: Mapping[str, Alarm],
        at: datetime,
        history: Sequence[HistoryEntry] = (),
    ) -> list[StateChange]:
        """Record a poll: the history entries it read, then the states; returns the new
        state changes."""
        seen = self.record_history(history)
        for name, before in list(self.current.items()):
            after = snapshot.get(name)
            if after is None:
                if name not in self.vanished:
                    self.vanished.append(name)
                continue
            if after.state == before.state or _older(after, before):
                continue  # no change, or a read older than what the history already said
            change = StateChange(name, before.state, after.state, after.reason, after.updated or at)
            self._apply(change, after)
            self._unconfirmed[name] = change
            seen.append(change)
        return seen

    def record_history(self, history: Sequence[HistoryEntry]) -> list[StateChange]:
        """Record history entries alone (no state read); returns the new state changes."""
        seen: list[StateChange] = []
        for entry in sorted(history, key=lambda e: e.at):
            change = self._from_history(entry)
            if change is not None:
                seen.append(change)
        return seen

    def _from_history(self, entry: HistoryEntry) -> StateChange | None:
        name = entry.alarm
        start = self.initial.get(name)
        if start is None or entry.at < self.started_at:
            return None
        if start.updated is not None and entry.at <= start.updated:
            return None  # already in the starting snapshot
        change = StateChange(name, entry.old, entry.new, entry.reason, entry.at, "history")
        before = self.current[name]
        now = replace(before, state=entry.new, reason=entry.reason, updated=entry.at)
        pending = self._unconfirmed.get(name)
        if pending is not None and pending.new == entry.new:
            del self._unconfirmed[name]
            self._confirm(pending, change)
            if before.state != entry.new:  # earlier entries of this read moved it meanwhile
                self.current[name] = now
            return None
        self._apply(change, now)
        return change

    def _apply(self, change: StateChange, now: Alarm) -> None:
        self.current[change.alarm] = now
        self.changes.append(change)
        if change.new not in self.policy.failing_states:
            self._tolerated.discard(change.alarm)  # recovered: a relapse now counts
        elif change.alarm not in self._tolerated and not any(
            b.alarm == change.alarm for b in self.breaches
        ):
            self.breaches.append(Breach(change.alarm, change.new, change.reason, change.at))

    def _confirm(self, pending: StateChange, exact: StateChange) -> None:
        """The history reports a change a poll saw first: keep one, with the history's time
        and previous state (the poll may have missed a state in between)."""
        self.changes[self.changes.index(pending)] = replace(pending, old=exact.old, at=exact.at)
        for i, breach in enumerate(self.breaches):
            if breach.alarm == pending.alarm and breach.at == pending.at:
                self.breaches[i] = replace(breach, at=exact.at)

    def finish(self, at: datetime) -> BakeResult:
        """The verdict; tolerated pre-existing alarms still failing now fail the bake."""
        for name in sorted(self._tolerated):
            alarm = self.current[name]
            if name not in self.vanished and alarm.state in self.policy.failing_states:
                reason = f"still {alarm.state} at the end of the bake: {alarm.reason}"
                self.breaches.append(Breach(name, alarm.state, reason, at, pre_existing=True))
        self._tolerated.clear()
        return BakeResult(
            breaches=sorted(self.breaches, key=lambda b: b.at),
            changes=sorted(self.changes, key=lambda c: c.at),
            initial=dict(self.initial),
            final=dict(self.current),
            pre_existing=list(self.pre_existing),
            vanished=list(self.vanished),
            started_at=self.started_at,
            finished_at=at,
        )


def _older(read: Alarm, known: Alarm) -> bool:
    """A state read whose last update precedes the one already known (from the history)."""
    return read.updated is not None and known.updated is not None and read.updated < known.updated
