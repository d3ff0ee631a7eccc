"""The progress part of ecs-deploy's job summary: the strategy, the service deployment's
verdict and its timeline stage by stage. Pure: built from a DeployOutcome."""

from __future__ import annotations

from dataclasses import replace

from slipway.ecs.deploy import DeployOutcome
from slipway.ecs.timeline import HEADER
from slipway.gha.summary import Summary


def progress_rows(outcome: DeployOutcome) -> list[list[str]]:
    """Rows for the summary's table: strategy, service deployment, verdict, pause hook."""
    rows: list[list[str]] = []
    if outcome.settings is not None:
        rows.append(["strategy", outcome.settings.describe()])
    if outcome.service_deployment_arn:
        rows.append(["service deployment", f"`{outcome.service_deployment_arn}`"])
    watch = outcome.watch
    if watch is None:
        return rows
    cause = watch.cause
    if cause:
        rows.append(["rolled back or stopped by", cause])
    if outcome.hook_id:
        rows.append(["pause hook", f"`{outcome.hook_id}` (continue with continue-deployment)"])
    if outcome.rollback_watch is not None:
        back = outcome.rollback_watch
        rows.append(["rollback", f"{back.outcome} after {back.elapsed:.0f}s: {back.reason}"])
    return rows


def render_timeline(outcome: DeployOutcome) -> Summary:
    """The service deployment stage by stage (empty when ECS reported no service
    deployment)."""
    summary = Summary()
    entries = list(outcome.watch.timeline) if outcome.watch else []
    if outcome.rollback_watch is not None:
        # The rollback's watch starts its clock again: shown after the deployment's.
        offset = outcome.watch.elapsed if outcome.watch else 0.0
        entries += [replace(e, at=e.at + offset) for e in outcome.rollback_watch.timeline]
    if not entries:
        return summary
    summary.heading("Deployment timeline", level=3)
    summary.table(HEADER, [entry.row() for entry in entries])
    return summary
