"""A deployment's story, stage by stage: pure, fed the service deployment at each poll.

Each entry is something a reviewer wants to see: a new lifecycle stage, traffic moving to
the new revision, a hook's result, a bake starting and how much of it was left when the
deployment ended, the verdict. The watcher logs each entry as it happens; the job summary
shows them as a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slipway.ecs.service_deployment import ServiceDeploymentView, rollback_cause
from slipway.gha.inputs import format_duration


@dataclass(frozen=True)
class Entry:
    at: float  # seconds since the watch started
    status: str
    stage: str | None
    production: float | None
    test: float | None
    note: str = ""

    def line(self) -> str:
        parts = [f"+{format_duration(round(self.at))}", self.stage or self.status]
        if self.production is not None:
            parts.append(f"production {self.production:g}%")
        if self.test is not None and self.production in (None, 0.0):
            parts.append(f"test {self.test:g}%")
        if self.stage and self.status not in ("IN_PROGRESS", "PENDING"):
            parts.append(self.status)
        if self.note:
            parts.append(f"({self.note})")
        return " ".join(parts)

    def row(self) -> list[str]:
        return [
            f"+{format_duration(round(self.at))}",
            self.stage or "",
            self.status,
            "" if self.production is None else f"{self.production:g}%",
            "" if self.test is None else f"{self.test:g}%",
            self.note,
        ]


HEADER = ["time", "lifecycle stage", "status", "production traffic", "test traffic", "note"]


@dataclass
class Timeline:
    entries: list[Entry] = field(default_factory=list)
    _last: ServiceDeploymentView | None = None
    _bake_started: float | None = None
    _weight_since: float = 0.0
    _hooks: dict[str, str] = field(default_factory=dict)

    def observe(self, view: ServiceDeploymentView, at: float) -> list[Entry]:
        """Record one read; returns the new entries (nothing when nothing changed)."""
        last, notes = self._last, []
        settings = view.settings
        if (last is None or view.stage != last.stage) and view.stage == "BAKE_TIME":
            self._bake_started = at
            if settings.bake_minutes is not None:
                notes.append(f"bake {settings.bake_minutes}m")
        if last is None or view.production_weight != last.production_weight:
            self._weight_since = at
            wait = _shift_wait(view)
            if wait:
                notes.append(wait)
        for hook in view.hooks:
            if self._hooks.get(hook.hook_id) != hook.status:
                self._hooks[hook.hook_id] = hook.status
                notes.append(f"{hook.label}: {hook.status}")
        if view.status != (last.status if last else None) and view.status not in (
            "PENDING",
            "IN_PROGRESS",
        ):
            notes.append(self._ending(view, at))
        changed = last is None or (
            view.status,
            view.stage,
            view.production_weight,
            view.test_weight,
        ) != (last.status, last.stage, last.production_weight, last.test_weight)
        self._last = view
        if not changed and not notes:
            return []
        entry = Entry(
            at,
            view.status,
            view.stage,
            view.production_weight,
            view.test_weight,
            "; ".join(n for n in notes if n),
        )
        self.entries.append(entry)
        return [entry]

    def bake_left(self, at: float) -> float | None:
        """Seconds of ECS's bake still to go at ``at`` (None outside the bake)."""
        view = self._last
        if self._bake_started is None or view is None or view.settings.bake_minutes is None:
            return None
        return max(0.0, view.settings.bake_minutes * 60 - (at - self._bake_started))

    def _ending(self, view: ServiceDeploymentView, at: float) -> str:
        if view.status == "SUCCESSFUL":
            return "deployment successful"
        if view.status.startswith("ROLLBACK") or view.status.startswith("STOP"):
            _, why = rollback_cause(view)
            left = self.bake_left(at)
            if left is not None and self._bake_started is not None:
                into = format_duration(round(at - self._bake_started))
                why += f"; {into} into the bake, {format_duration(round(left))} left"
            return why
        return view.status_reason


def _shift_wait(view: ServiceDeploymentView) -> str:
    """What ECS waits for after this much production traffic moved: the canary's or the
    linear step's bake."""
    settings, weight = view.settings, view.production_weight
    if weight is None or view.stage != "PRODUCTION_TRAFFIC_SHIFT" or weight in (0.0, 100.0):
        return ""
    if settings.strategy == "CANARY" and settings.canary_bake_minutes is not None:
        return f"canary bake {settings.canary_bake_minutes}m"
    if settings.strategy == "LINEAR" and settings.step_bake_minutes is not None:
        return f"step bake {settings.step_bake_minutes}m"
    return ""
