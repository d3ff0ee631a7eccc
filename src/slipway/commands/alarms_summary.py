"""The job summary of an alarm bake (pure: result in, markdown out)."""

from __future__ import annotations

from slipway.alarms.bake import BakeResult
from slipway.alarms.model import AlarmSelector
from slipway.gha.inputs import format_duration
from slipway.gha.summary import Summary

STATE_ICON = {"OK": "🟢", "ALARM": "🔴", "INSUFFICIENT_DATA": "⚪"}


def _state(state: str) -> str:
    return f"{STATE_ICON.get(state, '')} {state}".strip()


def render_summary(result: BakeResult, selector: AlarmSelector, bake_seconds: float) -> Summary:
    elapsed = format_duration(round((result.finished_at - result.started_at).total_seconds()))
    summary = Summary()
    if result.breaches:
        first = result.breaches[0]
        summary.heading("❌ CloudWatch alarm bake: breached")
        summary.paragraph(
            f"**{first.alarm}** went {first.state} after {elapsed} of "
            f"{format_duration(bake_seconds)}: {first.reason}"
        )
    else:
        summary.heading("✅ CloudWatch alarm bake: ok")
        bake = format_duration(bake_seconds)
        text = f"{len(result.initial)} alarm(s) watched for {bake}; none breached."
        if result.pre_existing:
            text += f" Already failing at the start, tolerated: {', '.join(result.pre_existing)}."
        summary.paragraph(text)
    changes_by_alarm: dict[str, int] = {}
    for change in result.changes:
        changes_by_alarm[change.alarm] = changes_by_alarm.get(change.alarm, 0) + 1
    breached = {b.alarm for b in result.breaches}
    rows = []
    for name in sorted(result.initial):
        start, end = result.initial[name], result.final[name]
        notes = []
        if name in result.pre_existing:
            notes.append("pre-existing")
        if name in breached:
            notes.append("**breached**")
        if name in result.vanished:
            notes.append("deleted")
        rows.append(
            [
                name,
                start.kind,
                _state(start.state),
                _state(end.state),
                str(changes_by_alarm.get(name, 0)),
                ", ".join(notes),
            ]
        )
    summary.table(["alarm", "type", "at start", "at end", "changes", "notes"], rows)
    if result.changes:
        summary.details(
            f"State changes during the bake ({len(result.changes)})",
            Summary()
            .table(
                ["time (UTC)", "alarm", "from", "to", "reason"],
                [[f"{c.at:%H:%M:%S}", c.alarm, c.old, c.new, c.reason] for c in result.changes],
            )
            .render(),
        )
    summary.paragraph(f"Selected by {selector.describe()}; watched for {elapsed}.")
    return summary
