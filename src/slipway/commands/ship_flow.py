"""The order of a ship and its verdict: preflight → build and push → deploy → bake →
rollback on breach. The stages are passed in (the command gives the real ones, tests give
their own), so the decisions here run without AWS or Docker."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slipway.alarms.bake import BakeResult
from slipway.commands.ecr_publish import PublishError
from slipway.commands.ecr_publish import Result as Published
from slipway.ecs.deploy import DeployOutcome
from slipway.gha.inputs import format_duration
from slipway.gha.summary import Summary

# The deploy results that are also ship results as they are.
_DEPLOY_FAILURES = frozenset({"failed", "timeout", "rolled-back", "migration-failed"})


class StageError(RuntimeError):
    """A stage could not do its work (AWS refused or could not be reached); one line."""


@dataclass(frozen=True)
class Stages:
    # Read-only checks before anything changes; returns the names of the alarms to watch.
    # Raises ValueError (an input that does not fit the service) or LookupError.
    preflight: Callable[[], Sequence[str]]
    publish: Callable[[], Published]  # raises PublishError
    deploy: Callable[[str], DeployOutcome]  # the image to deploy
    bake: Callable[[Sequence[str]], BakeResult]  # the alarms to watch
    rollback: Callable[[str], DeployOutcome]  # the task definition to go back to
    # The alarms still to bake after the deploy (ECS's own bake may have covered some: see
    # commands/ecs_bake.py), and a note on those left out.
    left_to_bake: Callable[[DeployOutcome, Sequence[str]], tuple[list[str], str]] = (
        lambda deploy, names: (list(names), "")
    )


@dataclass(frozen=True)
class StageRecord:
    name: str
    ok: bool
    verdict: str
    seconds: float


@dataclass
class ShipOutcome:
    result: str = "failed"
    message: str = ""  # one line for the step's error when it failed
    stages: list[StageRecord] = field(default_factory=list)
    watched: list[str] = field(default_factory=list)
    published: Published | None = None
    deploy: DeployOutcome | None = None
    bake: BakeResult | None = None
    rollback: DeployOutcome | None = None

    @property
    def ok(self) -> bool:
        return self.result == "shipped"


class _Timer:
    def __init__(self, outcome: ShipOutcome, monotonic: Callable[[], float]) -> None:
        self.outcome = outcome
        self.monotonic = monotonic
        self.started = monotonic()

    def record(self, name: str, ok: bool, verdict: str) -> None:
        now = self.monotonic()
        self.outcome.stages.append(StageRecord(name, ok, verdict, now - self.started))
        self.started = now


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def run_ship(stages: Stages, monotonic: Callable[[], float] = time.monotonic) -> ShipOutcome:
    outcome = ShipOutcome()
    timer = _Timer(outcome, monotonic)
    try:
        outcome.watched = list(stages.preflight())
    except (ValueError, LookupError, StageError) as error:
        timer.record("preflight", False, str(error))
        outcome.message = str(error)
        return outcome
    timer.record("preflight", True, f"{len(outcome.watched)} alarm(s) to watch")

    try:
        outcome.published = published = stages.publish()
    except (PublishError, StageError) as error:
        timer.record("build and push", False, str(error))
        outcome.result, outcome.message = "build-failed", str(error)
        return outcome
    timer.record("build and push", True, "built and pushed" if published.built else "existed")

    try:
        outcome.deploy = deploy = stages.deploy(published.image)
    except (ValueError, LookupError, StageError) as error:
        timer.record("deploy", False, str(error))
        outcome.message = f"deploy: {error}"
        return outcome
    timer.record("deploy", deploy.ok, deploy.result)
    if not deploy.ok:
        outcome.result = deploy.result if deploy.result in _DEPLOY_FAILURES else "failed"
        outcome.message = f"deploy {deploy.result}: {_first_line(deploy.explanation)}".rstrip(": ")
        return outcome

    to_bake, note = stages.left_to_bake(deploy, outcome.watched) if outcome.watched else ([], "")
    if not to_bake:
        if outcome.watched:  # ECS baked them all in its own deployment
            timer.record("bake", True, note or "baked by ECS")
        outcome.result = "shipped"
        return outcome
    try:
        outcome.bake = bake = stages.bake(to_bake)
    except StageError as error:
        # Not a breach: nothing says the new revision is bad, so it is not rolled back.
        timer.record("bake", False, str(error))
        outcome.message = (
            f"bake: the alarms could not be watched ({error}); the service stays on "
            f"{deploy.new_arn}"
        )
        return outcome
    timer.record("bake", not bake.breaches, bake.verdict)
    if not bake.breaches:
        outcome.result = "shipped"
        return outcome

    return _roll_back(stages, outcome, timer, deploy, bake)


def _roll_back(
    stages: Stages, outcome: ShipOutcome, timer: _Timer, deploy: DeployOutcome, bake: BakeResult
) -> ShipOutcome:
    """A breach during the bake: back to the previous task definition."""
    breaches = "; ".join(breach.describe() for breach in bake.breaches)
    previous = deploy.previous_arn
    try:
        outcome.rollback = back = stages.rollback(previous)
    except (ValueError, LookupError, StageError) as error:
        timer.record("rollback", False, str(error))
        outcome.result = "rollback-failed"
        outcome.message = f"bake failed: {breaches}; the rollback to {previous} failed: {error}"
        return outcome
    timer.record("rollback", back.ok, back.result)
    if back.ok:
        outcome.result = "rolled-back"
        outcome.message = f"bake failed: {breaches}; rolled back to {previous}"
    else:
        outcome.result = "rollback-failed"
        outcome.message = (
            f"bake failed: {breaches}; the rollback to {previous} ended {back.result}: "
            f"{_first_line(back.explanation)}"
        )
    return outcome


def outputs(outcome: ShipOutcome) -> dict[str, Any]:
    """The step's outputs; every one is set, empty when its stage did not run."""
    published, deploy, bake = outcome.published, outcome.deploy, outcome.bake
    return {
        "image": published.image if published else "",
        "digest": published.digest if published else "",
        "built": ("true" if published.built else "false") if published else "",
        "task-definition-arn": (deploy.new_arn or "") if deploy else "",
        "previous-task-definition-arn": deploy.previous_arn if deploy else "",
        "result": outcome.result,
        "breached": [b.to_json() for b in bake.breaches] if bake else [],
        "watched": outcome.watched,
    }


def render_summary(target: str, outcome: ShipOutcome, sections: Sequence[Summary]) -> Summary:
    """A verdict, one row per stage with its time, then each stage's own section."""
    icon = "✅" if outcome.ok else "❌"
    summary = Summary().heading(f"{icon} ship {target}: {outcome.result}", level=1)
    if outcome.message:
        summary.paragraph(outcome.message)
    rows = [
        [
            stage.name,
            ("✅ " if stage.ok else "❌ ") + stage.verdict,
            format_duration(round(stage.seconds)),
        ]
        for stage in outcome.stages
    ]
    total = sum(stage.seconds for stage in outcome.stages)
    rows.append(["**total**", "", format_duration(round(total))])
    summary.table(["stage", "result", "time"], rows)
    for section in sections:
        summary.raw(section.render())
    return summary
