"""The job summary of an alarm bake (pure: result in, markdown out)."""

from __future__ import annotations

from slipway.alarms.bake import BakeResult
from slipway.alarms.model import AlarmSelector
from slipway.gha.inputs import format_duration
from slipway.gha.summary import Summary

STATE_ICON = {"OK": "🟢", "ALARM": "🔴", "INSUFFICIENT_DATA": "⚪"}


def _state(state: str) -> str:
    return f"{STATE_ICON.get(state, '')} {state}".strip()


def _breach_line(result: BakeResult, bake_seconds: float) -> str:
    """The first breach: which alarm, when (clock time and how far into the bake), why."""
    first = result.breaches[0]
    into = format_duration(max(0, round((first.at - result.started_at).total_seconds())))
    when = f"at {first.at:%H:%M:%S} UTC, {into} into the bake of {format_duration(bake_seconds)}"
    if first.pre_existing:
        when = "already when the bake started" if first.at == result.started_at else when
    # A flip between two polls: say it recovered, and that only the history showed it.
    later = [c for c in result.changes if c.alarm == first.alarm and c.at > first.at]
    if later and later[0].new != first.state:
        when += f", {later[0].new} again at {later[0].at:%H:%M:%S}"
    if any(
        c.alarm == first.alarm and c.at == first.at and c.source == "history"
        for c in result.changes
    ):
        when += " (from the alarm history)"
    return f"**{first.alarm}** went {first.state} {when}: {first.reason}"


def _how_seen(result: BakeResult) -> str:
    if result.history_unavailable:
        return (
            f"⚠️ The alarm history could not be read ({result.history_unavailable}): only the "
            "states at each poll were seen, so a state that came and went between two polls "
            "may be missing."
        )
    return "States read at every poll; changes between two polls read from the alarm history."


def render_summary(result: BakeResult, selector: AlarmSelector, bake_seconds: float) -> Summary:
    elapsed = format_duration(round((result.finished_at - result.started_at).total_seconds()))
    summary = Summary()
    if result.breaches:
        summary.heading("❌ CloudWatch alarm bake: breached")
        summary.paragraph(_breach_line(result, bake_seconds))
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
                ["time (UTC)", "alarm", "from", "to", "seen by", "reason"],
                [
                    [f"{c.at:%H:%M:%S}", c.alarm, c.old, c.new, c.source, c.reason]
                    for c in result.changes
                ],
            )
            .render(),
        )
    summary.paragraph(
        f"Selected by {selector.describe()}; watched for {elapsed}. {selector.explain()} "
        + _how_seen(result)
    )
    return summary


def render_no_alarms(selector: AlarmSelector, allowed: bool) -> Summary:
    """No alarm matched: a configuration to fix, not a breach."""
    verdict = "allowed by allow-no-alarms" if allowed else "the step fails"
    return (
        Summary()
        .heading("⚠️ CloudWatch alarm bake: no alarm matched")
        .paragraph(
            f"Nothing was watched: no alarm matched {selector.describe()} ({verdict}). "
            f"{selector.explain()} Check the names, prefixes and tags against the alarms in "
            "this account and region; the result is `no-alarms`, not `breached`."
        )
    )
