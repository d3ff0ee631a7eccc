"""The bake verdict as a pure state machine: fed snapshots of alarm states, it decides.

Keeping the decision free of I/O and clocks lets the tests drive every sequence of states
(pre-existing alarms, recoveries, relapses, vanished alarms) in microseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

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


@dataclass(frozen=True)
class StateChange:
    alarm: str
    old: str
    new: str
    reason: str
    at: datetime


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

    @property
    def verdict(self) -> Literal["ok", "breached"]:
        return "breached" if self.breaches else "ok"


@dataclass
class BakeTracker:
    """Tracks one bake. Create it with the snapshot taken when the bake starts."""

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
        if self.policy.pre_existing == "fail":
            for name in self.pre_existing:
                alarm = self.initial[name]
                self.breaches.append(
                    Breach(name, alarm.state, alarm.reason, self.started_at, pre_existing=True)
                )

    @property
    def breached(self) -> bool:
        return bool(self.breaches)

    def observe(self, snapshot: Mapping[str, Alarm], at: datetime) -> list[StateChange]:
        """Record a new snapshot; returns the state changes it shows."""
        failing = self.policy.failing_states
        seen: list[StateChange] = []
        for name, before in self.current.items():
            after = snapshot.get(name)
            if after is None:
                if name not in self.vanished:
                    self.vanished.append(name)
                continue
            if after.state == before.state:
                continue
            change = StateChange(name, before.state, after.state, after.reason, at)
            seen.append(change)
            if after.state not in failing:
                self._tolerated.discard(name)  # recovered: a relapse now counts
            elif name not in self._tolerated:
                self.breaches.append(Breach(name, after.state, after.reason, at))
        for change in seen:
            self.current[change.alarm] = snapshot[change.alarm]
        self.changes.extend(seen)
        return seen

    def finish(self, at: datetime) -> BakeResult:
        """The verdict; tolerated pre-existing alarms still failing now fail the bake."""
        for name in sorted(self._tolerated):
            alarm = self.current[name]
            if name not in self.vanished and alarm.state in self.policy.failing_states:
                reason = f"still {alarm.state} at the end of the bake: {alarm.reason}"
                self.breaches.append(Breach(name, alarm.state, reason, at, pre_existing=True))
        self._tolerated.clear()
        return BakeResult(
            breaches=list(self.breaches),
            changes=list(self.changes),
            initial=dict(self.initial),
            final=dict(self.current),
            pre_existing=list(self.pre_existing),
            vanished=list(self.vanished),
            started_at=self.started_at,
            finished_at=at,
        )
