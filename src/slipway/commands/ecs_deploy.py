"""`slipway ecs-deploy`: deploy new images to an ECS service and wait for ECS's verdict."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from slipway.commands.common import read_aws_settings
from slipway.commands.ecs_deploy_spec import SPEC
from slipway.ecs.deploy import Clock, DeployOutcome, DeployRequest
from slipway.ecs.images import parse_image_map
from slipway.ecs.service_deployment_calls import ContinueAction
from slipway.ecs.taskdef import (
    container_changes,
    load_task_definition_file,
    parse_container_values,
    registered_revision,
)
from slipway.gha.inputs import InputError, Inputs
from slipway.gha.runner import Runner
from slipway.gha.summary import Summary
from slipway.images.buildx import parse_platforms

__all__ = ["SPEC", "parse", "parse_migration_command", "render_summary", "run"]


def parse_migration_command(text: str | None) -> tuple[str, ...]:
    """The migration-command input: a JSON array of strings or a shell-style command line."""
    if not text:
        return ()
    if text.lstrip().startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError("migration-command", "a JSON array of strings", text) from error
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            raise InputError("migration-command", "a non-empty JSON array of strings", text)
        return tuple(value)
    try:
        return tuple(shlex.split(text))
    except ValueError as error:
        raise InputError(
            "migration-command", "a command line with balanced quotes", text
        ) from error


def _refuse_changes_to_a_revision(inputs: Inputs) -> None:
    """A registered revision is deployed exactly as it is: changing it would need a new
    registration, which is what a file or the service's current definition is for."""
    for name in ("images", "environment", "secrets"):
        if value := inputs.string(name):
            raise InputError(
                name,
                "nothing when task-definition names a registered revision (it is deployed "
                "as it is)",
                value if name != "secrets" else "…",
            )


def parse_wait_for_input(text: str) -> str:
    from slipway.ecs.service_deployment import PAUSABLE, STAGES, parse_wait_for

    try:
        return parse_wait_for(text)
    except ValueError:
        raise InputError(
            "wait-for",
            "completed, steady-state, paused or a lifecycle stage ("
            + ", ".join(STAGES)
            + "; pause hooks can wait at "
            + ", ".join(PAUSABLE)
            + ")",
            text,
        ) from None


_SERVICE_DEPLOYMENT_ARN = re.compile(
    r"arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service-deployment/[^/\s]+/[^/\s]+/[^/\s]+"
)


def _parse_continue(inputs: Inputs, deploys_something: bool) -> tuple[str, ContinueAction] | None:
    """continue-deployment (a paused service deployment's ARN) and continue-action; a
    continue deploys nothing, so every input that would is refused with it."""
    arn = inputs.string("continue-deployment")
    action = inputs.string("continue-action", choices=("continue", "rollback"))
    if not arn:
        return None
    if not _SERVICE_DEPLOYMENT_ARN.fullmatch(arn):
        raise InputError(
            "continue-deployment",
            "a service deployment ARN (arn:aws:ecs:<region>:<account>:service-deployment/"
            "<cluster>/<service>/<id>, the service-deployment-arn output of a paused deploy)",
            arn,
        )
    for name in ("images", "environment", "secrets", "task-definition"):
        if value := inputs.string(name):
            raise InputError(
                name, "nothing with continue-deployment (a continue deploys nothing new)", value
            )
    if deploys_something or inputs.boolean("force-new-deployment", default=False):
        raise InputError("force-new-deployment", "false with continue-deployment", "true")
    return arn, "ROLLBACK" if action == "rollback" else "CONTINUE"


def parse(inputs: Inputs, env: Mapping[str, str]) -> tuple[DeployRequest, Any]:
    """(request, AWS settings): every input validated before any AWS call."""
    cluster = inputs.string("cluster", required=True) or ""
    service = inputs.string("service", required=True) or ""
    images = parse_image_map(inputs.string("images") or "")
    environment = parse_container_values(inputs.string("environment") or "", "environment")
    secrets = parse_container_values(inputs.string("secrets") or "", "secrets")
    exclusive = inputs.boolean("exclusive", default=False)
    base = None
    revision = None
    if text := inputs.string("task-definition"):
        revision = registered_revision(text)
        if revision is None:
            base = load_task_definition_file(Path(env.get("GITHUB_WORKSPACE") or ".") / text)
    if revision is not None:
        _refuse_changes_to_a_revision(inputs)
    force = inputs.boolean("force-new-deployment", default=False)
    resume = _parse_continue(inputs, bool(revision) or base is not None)
    if not (images or environment or secrets or force or base is not None or revision or resume):
        raise InputError(
            "images",
            "images, environment, secrets, task-definition or "
            "force-new-deployment: something to deploy",
            "",
        )
    wait_for = parse_wait_for_input(inputs.string("wait-for") or "completed")
    rollback = inputs.string("rollback", choices=("native", "client", "none"))
    timeout = inputs.duration("timeout", minimum=1)
    migration_timeout = inputs.duration("migration-timeout", minimum=1)
    keep = inputs.integer("keep-revisions", minimum=0)
    request = DeployRequest(
        cluster=cluster,
        service=service,
        images=images,
        changes=container_changes(
            environment, secrets, exclusive_environment=exclusive, exclusive_secrets=exclusive
        ),
        base_definition=base,
        revision=revision,
        dry_run=inputs.boolean("dry-run", default=False),
        force_new_deployment=force,
        wait_for=wait_for,
        timeout_s=timeout if timeout is not None else 900.0,
        rollback="client" if rollback == "client" else "none" if rollback == "none" else "native",
        migration_command=parse_migration_command(inputs.string("migration-command")),
        migration_container=inputs.string("migration-container") or None,
        migration_timeout_s=migration_timeout if migration_timeout is not None else 600.0,
        keep_revisions=keep or 0,
        platforms=parse_platforms(inputs.list("platforms")),
        continue_deployment=resume[0] if resume else None,
        continue_action=resume[1] if resume else "CONTINUE",
    )
    return request, read_aws_settings(inputs, env)


def ecs_client(session: Any) -> Any:
    """The ECS client a deploy uses (a seam for the scenario tests: moto's ECS never moves
    a deployment forward)."""
    return session.client("ecs")


def deploy_clock() -> Clock:
    """Real time; the scenario tests substitute the double's virtual clock."""
    return Clock()


def render_summary(
    request: DeployRequest, outcome: DeployOutcome, title: str = "ECS deploy"
) -> Summary:
    from slipway.commands.ecs_deploy_summary import progress_rows, render_timeline
    from slipway.ecs.diff import render_diff_markdown

    icon = "✅" if outcome.ok else "❌"
    summary = Summary().heading(
        f"{icon} {title} {request.cluster}/{request.service}: {outcome.result}"
    )
    rows = [["previous task definition", f"`{outcome.previous_arn}`"]]
    if outcome.new_arn:
        rows.append(["new task definition", f"`{outcome.new_arn}`"])
    if outcome.deployment_id:
        rows.append(["deployment", f"`{outcome.deployment_id}`"])
    if outcome.watch:
        rows.append(
            [
                "watch",
                f"{outcome.watch.outcome} after {outcome.watch.elapsed:.0f}s, "
                f"{outcome.watch.polls} polls",
            ]
        )
    rows += progress_rows(outcome)
    summary.table(["", ""], rows)
    timeline = render_timeline(outcome)
    if len(timeline):
        summary.raw(timeline.render())
    summary.heading("Task definition changes", level=3)
    summary.raw(render_diff_markdown(outcome.changes))
    if outcome.explanation_markdown:
        summary.heading("Why it failed", level=3).raw(outcome.explanation_markdown)
    elif outcome.explanation:
        summary.paragraph(outcome.explanation)
    return summary


def run(runner: Runner) -> int:
    from slipway.aws.session import make_session
    from slipway.ecs.deploy import run_deploy

    try:
        request, aws = parse(runner.inputs, runner.env)
    except ValueError as error:
        return runner.fail(str(error))
    session = make_session(aws, runner.env, on_secret=runner.mask)
    try:
        with runner.group(f"Deploy {request.cluster}/{request.service}"):
            outcome = run_deploy(ecs_client(session), request, runner, deploy_clock())
    except (ValueError, LookupError) as error:  # unknown container, missing service
        return runner.fail(str(error))
    runner.set_output("previous-task-definition-arn", outcome.previous_arn)
    runner.set_output("task-definition-arn", outcome.new_arn or "")
    runner.set_output("deployment-id", outcome.deployment_id or "")
    runner.set_output("result", outcome.result)
    view = outcome.watch.service_deployment if outcome.watch else None
    runner.set_output("service-deployment-arn", outcome.service_deployment_arn or "")
    runner.set_output("lifecycle-stage", (view.stage or "") if view else "")
    runner.set_output("hook-id", outcome.hook_id)
    runner.set_output("rollback-cause", outcome.watch.cause if outcome.watch else "")
    runner.set_output(
        "diff",
        [{"path": c.path, "kind": c.kind, "old": c.old, "new": c.new} for c in outcome.changes],
    )
    runner.write_summary(render_summary(request, outcome))
    if outcome.ok:
        runner.info(f"{outcome.result}: {outcome.new_arn or outcome.previous_arn}")
        return 0
    for line in outcome.explanation.splitlines():
        runner.info(line)
    return runner.fail(
        f"deploy {outcome.result}: "
        + (outcome.explanation.splitlines()[0] if outcome.explanation else "")
    )
