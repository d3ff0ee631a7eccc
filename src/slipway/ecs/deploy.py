"""One deployment from start to verdict (I/O over an ECS client): render, diff, migrate,
register, update, watch, explain, roll back, clean up. No GitHub specifics: progress goes to
the ``Reporter`` the caller passes."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from slipway.ecs.deployment import (
    DeploymentNotFoundError,
    ServiceEvent,
    WaitFor,
    find_deployment_id,
)
from slipway.ecs.diagnose import collect_diagnosis
from slipway.ecs.diff import Change, diff_task_definitions
from slipway.ecs.one_off import run_one_off
from slipway.ecs.platforms import check_platforms
from slipway.ecs.polling import error_code
from slipway.ecs.service import (
    ServiceSnapshot,
    deregister_old_revisions,
    describe_service,
    describe_task_definition,
    our_deployment_id,
    register_task_definition,
)
from slipway.ecs.service_deployment import STAGES, Settings
from slipway.ecs.service_deployment_calls import (
    ContinueAction,
    continue_paused,
    current_arn,
    stop_with_rollback,
)
from slipway.ecs.taskdef import TASK_DEFINITION_INPUT, ContainerChanges, render, to_register_input
from slipway.ecs.timeline import Entry
from slipway.ecs.watcher import WatchResult, watch_deployment
from slipway.gha.inputs import InputError

Result = Literal[
    "deployed",
    "dry-run",
    "failed",
    "rolled-back",
    "stopped",
    "timeout",
    "migration-failed",
    "paused",
    "stage-reached",
]
Rollback = Literal["native", "client", "none"]
# Watch outcomes and the results they give (the rest fail).
_RESULTS: dict[str, Result] = {
    "completed": "deployed",
    "paused": "paused",
    "stage_reached": "stage-reached",
    "rolled_back": "rolled-back",
    "stopped": "stopped",
    "timeout": "timeout",
}


class Reporter(Protocol):
    def info(self, message: str) -> None: ...
    def warning(self, message: str) -> None: ...


@dataclass(frozen=True)
class DeployRequest:
    cluster: str
    service: str
    images: Mapping[str, str]
    changes: Mapping[str, ContainerChanges]
    base_definition: Mapping[str, Any] | None  # from a file; None: the service's current one
    # A registered revision (ARN or family:revision) to deploy as it is: nothing is
    # rendered or registered. How a rollback redeploys the previous task definition.
    revision: str | None = None
    dry_run: bool = False
    force_new_deployment: bool = False
    wait_for: WaitFor = "completed"
    timeout_s: float = 900.0
    rollback: Rollback = "native"
    migration_command: Sequence[str] = ()
    migration_container: str | None = None
    migration_timeout_s: float = 600.0
    keep_revisions: int = 0
    # The platforms of the images deployed (ecr-build-push's output); the task definition's
    # CPU architecture must be one of them. Empty: not checked.
    platforms: tuple[str, ...] = ()
    # A paused service deployment (its ARN) to resume instead of deploying anything.
    continue_deployment: str | None = None
    continue_action: ContinueAction = "CONTINUE"


@dataclass
class DeployOutcome:
    result: Result
    previous_arn: str
    changes: list[Change]
    new_arn: str | None = None
    deployment_id: str | None = None
    service_deployment_arn: str | None = None
    settings: Settings | None = None
    watch: WatchResult | None = None
    rollback_watch: WatchResult | None = None
    explanation: str = ""
    explanation_markdown: str = ""
    deregistered: list[str] = field(default_factory=list)
    # The rollback was asked for (ContinueServiceDeployment with ROLLBACK): not a failure.
    rollback_requested: bool = False

    @property
    def ok(self) -> bool:
        if self.result == "rolled-back":
            return self.rollback_requested
        return self.result in ("deployed", "dry-run", "paused", "stage-reached")

    @property
    def hook_id(self) -> str:
        """The pause hook holding the deployment (result ``paused``), for a continue."""
        view = self.watch.service_deployment if self.watch else None
        hook = view.awaiting if view else None
        return hook.hook_id if hook else ""


@dataclass(frozen=True)
class Clock:
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def _locate_deployment(ecs: Any, snapshot: ServiceSnapshot, arn: str, started: str | None) -> str:
    if started:
        return started
    payload = ecs.describe_services(cluster=snapshot.cluster, services=[snapshot.name])
    try:
        return find_deployment_id(payload["services"][0], arn)
    except (DeploymentNotFoundError, IndexError, KeyError):
        return ""


def _watch(
    ecs: Any,
    request: DeployRequest,
    snapshot: ServiceSnapshot,
    *,
    deployment_id: str,
    previous: str | None,
    target: str | None,
    reporter: Reporter,
    clock: Clock,
    service_deployment_arn: str | None = None,
    wait_for: WaitFor | None = None,
    follow_rollback: bool = False,
) -> WatchResult:
    def on_event(event: ServiceEvent) -> None:
        reporter.info(f"{event.created_at:%H:%M:%S} {event.message}")

    def on_entry(entry: Entry) -> None:
        reporter.info(f"stage: {entry.line()}")

    return watch_deployment(
        ecs,
        snapshot.cluster,
        snapshot.name,
        deployment_id,
        previous,
        target,
        service_deployment_arn=service_deployment_arn,
        follow_rollback=follow_rollback,
        timeout_s=request.timeout_s,
        wait_for=request.wait_for if wait_for is None else wait_for,
        on_event=on_event,
        on_entry=on_entry,
        on_warning=reporter.warning,
        clock=clock.monotonic,
        sleep=clock.sleep,
    )


def check_wait_for(request: DeployRequest, snapshot: ServiceSnapshot) -> None:
    """A wait-for that stops early must fit the service: a lifecycle stage needs a strategy
    that has stages, ``paused`` a pause hook to pause at. Checked before anything changes."""
    wait_for = request.wait_for
    if wait_for in STAGES and not snapshot.settings.shifts_traffic:
        raise InputError(
            "wait-for",
            "completed or steady-state for a ROLLING service (lifecycle stages belong to "
            "BLUE_GREEN, LINEAR and CANARY deployments)",
            wait_for,
        )
    if wait_for == "paused" and not snapshot.pause_stages:
        raise InputError(
            "wait-for",
            "paused only for a service with a pause hook in its deployment configuration "
            "(it has none)",
            wait_for,
        )


def _registered(ecs: Any, revision: str) -> tuple[str, dict[str, Any]]:
    """(full ARN, definition) of a registered revision; an unknown one is an input error,
    found before anything changes."""
    try:
        described = describe_task_definition(ecs, revision)
    except Exception as error:
        if error_code(error) in ("ClientException", "InvalidParameterException"):
            raise InputError(
                TASK_DEFINITION_INPUT, "a registered task definition revision", revision
            ) from error
        raise
    definition = to_register_input(described)
    definition.pop("tags", None)
    return str(described["taskDefinition"]["taskDefinitionArn"]), definition


def _new_revision(
    ecs: Any, request: DeployRequest, snapshot: ServiceSnapshot, reporter: Reporter
) -> tuple[DeployOutcome, dict[str, Any]]:
    """The revision to deploy, with the diff from the service's current one: the registered
    revision asked for, or a new one rendered and registered (nothing in a dry run)."""
    if request.revision is not None:
        current = to_register_input(describe_task_definition(ecs, snapshot.task_definition))
        current.pop("tags", None)
        target_arn, definition = _registered(ecs, request.revision)
        check_platforms(definition, request.platforms)
        outcome = DeployOutcome(
            "deployed", snapshot.task_definition, diff_task_definitions(current, definition)
        )
        if request.dry_run:
            outcome.result = "dry-run"
        else:
            outcome.new_arn = target_arn
            reporter.info(f"deploying the registered revision {target_arn}")
        return outcome, definition
    if request.base_definition is not None:
        base = to_register_input(request.base_definition)
    else:
        base = to_register_input(describe_task_definition(ecs, snapshot.task_definition))
    tags = base.pop("tags", [])
    definition = render(base, request.images, request.changes)
    check_platforms(definition, request.platforms)
    outcome = DeployOutcome(
        "deployed", snapshot.task_definition, diff_task_definitions(base, definition)
    )
    if request.dry_run:
        outcome.result = "dry-run"
    else:
        outcome.new_arn = register_task_definition(ecs, definition, tags)
        reporter.info(f"registered {outcome.new_arn}")
    return outcome, definition


def run_deploy(
    ecs: Any, request: DeployRequest, reporter: Reporter, clock: Clock | None = None
) -> DeployOutcome:
    """Deploy and wait for the verdict. Input problems (unknown containers) raise
    InputError before anything is registered."""
    clock = clock or Clock()
    snapshot = describe_service(ecs, request.cluster, request.service)
    if request.continue_deployment:
        return run_continue(ecs, request, snapshot, reporter, clock)
    check_wait_for(request, snapshot)
    outcome, new_definition = _new_revision(ecs, request, snapshot, reporter)
    outcome.settings = snapshot.settings
    if outcome.result == "dry-run" or outcome.new_arn is None:
        return outcome

    if request.migration_command:
        container = request.migration_container or new_definition["containerDefinitions"][0]["name"]
        reporter.info(
            f"running the migration in {container}: {' '.join(request.migration_command)}"
        )
        migration = run_one_off(
            ecs,
            snapshot.cluster,
            outcome.new_arn,
            container,
            request.migration_command,
            service=snapshot.name,
            timeout_s=request.migration_timeout_s,
            clock=clock.monotonic,
            sleep=clock.sleep,
        )
        if not migration.ok:
            outcome.result = "migration-failed"
            outcome.explanation = f"migration failed: {migration.reason}"
            return outcome
        reporter.info(f"migration succeeded: {migration.reason}")

    updated_at = datetime.now(UTC)
    response = ecs.update_service(
        cluster=snapshot.cluster,
        service=snapshot.name,
        taskDefinition=outcome.new_arn,
        forceNewDeployment=request.force_new_deployment,
    )
    started = our_deployment_id(response.get("service", {}), outcome.new_arn)
    outcome.deployment_id = _locate_deployment(ecs, snapshot, outcome.new_arn, started)
    outcome.service_deployment_arn = current_arn(
        ecs, snapshot.cluster, snapshot.name, response, updated_at
    )
    reporter.info(
        f"deployment {outcome.deployment_id or '(id not reported)'} started "
        f"({snapshot.settings.describe()}"
        + (
            f"; service deployment {outcome.service_deployment_arn})"
            if outcome.service_deployment_arn
            else ")"
        )
    )

    watch = _watch(
        ecs,
        request,
        snapshot,
        deployment_id=outcome.deployment_id,
        previous=snapshot.task_definition,
        target=outcome.new_arn,
        reporter=reporter,
        clock=clock,
        service_deployment_arn=outcome.service_deployment_arn,
    )
    outcome.watch = watch
    outcome.result = _RESULTS.get(watch.outcome, "failed")
    if watch.ok:
        if watch.outcome == "completed" and request.keep_revisions > 0:
            family = str(new_definition["family"])
            outcome.deregistered = deregister_old_revisions(
                ecs, family, request.keep_revisions, [outcome.new_arn, snapshot.task_definition]
            )
        return outcome

    diagnosis = collect_diagnosis(
        ecs,
        snapshot.cluster,
        snapshot.name,
        watch.state,
        task_definition=outcome.new_arn,
        service_payload=watch.service,
        outcome=watch.outcome,
        reason=watch.reason,
    )
    outcome.explanation = diagnosis.text()
    outcome.explanation_markdown = diagnosis.markdown()
    if watch.outcome in ("rolled_back", "stopped"):
        return outcome
    if request.rollback == "client" and watch.outcome in ("failed", "timeout"):
        if _stop_with_rollback(ecs, request, snapshot, outcome, reporter, clock):
            return outcome
        reporter.warning(f"rolling back to {snapshot.task_definition}")
        back = ecs.update_service(
            cluster=snapshot.cluster, service=snapshot.name, taskDefinition=snapshot.task_definition
        )
        back_id = _locate_deployment(
            ecs,
            snapshot,
            snapshot.task_definition,
            our_deployment_id(back.get("service", {}), snapshot.task_definition),
        )
        outcome.rollback_watch = _watch(
            ecs,
            request,
            snapshot,
            deployment_id=back_id,
            previous=outcome.new_arn,
            target=snapshot.task_definition,
            reporter=reporter,
            clock=clock,
        )
        if outcome.rollback_watch.ok:
            outcome.result = "rolled-back"
    return outcome


def _stop_with_rollback(  # noqa: PLR0917 (the deploy's own state, passed on)
    ecs: Any,
    request: DeployRequest,
    snapshot: ServiceSnapshot,
    outcome: DeployOutcome,
    reporter: Reporter,
    clock: Clock,
) -> bool:
    """``rollback: client`` while ECS still runs the deployment: StopServiceDeployment with
    the ROLLBACK stop type, and wait until ECS has rolled it back. False when the service
    deployment is not known or no longer running (the caller redeploys the previous task
    definition instead)."""
    watch = outcome.watch
    view = watch.service_deployment if watch else None
    if view is None or view.status not in ("PENDING", "IN_PROGRESS"):
        return False
    reporter.warning(
        f"stopping service deployment {view.short_id} with a rollback (StopServiceDeployment)"
    )
    stop_with_rollback(ecs, view.arn)
    outcome.rollback_watch = _watch(
        ecs,
        request,
        snapshot,
        deployment_id=outcome.deployment_id or "",
        previous=outcome.new_arn,
        target=snapshot.task_definition,
        reporter=reporter,
        clock=clock,
        service_deployment_arn=view.arn,
        wait_for="completed",
        follow_rollback=True,
    )
    if outcome.rollback_watch.ok:
        outcome.result = "rolled-back"
    return True


def run_continue(
    ecs: Any, request: DeployRequest, snapshot: ServiceSnapshot, reporter: Reporter, clock: Clock
) -> DeployOutcome:
    """Resume a deployment held by a pause hook (ContinueServiceDeployment, CONTINUE or
    ROLLBACK) and follow it to its verdict, or to the next stop ``wait_for`` names."""
    arn = request.continue_deployment or ""
    action = request.continue_action
    view = continue_paused(ecs, arn, action)
    reporter.info(f"{action} service deployment {view.short_id} (paused at {view.stage or '?'})")
    deployments = snapshot_deployments(ecs, snapshot)
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), {})
    others = [d for d in deployments if d.get("status") != "PRIMARY"]
    outcome = DeployOutcome(
        "deployed",
        str(others[0].get("taskDefinition", "")) if others else "",
        [],
        new_arn=str(primary.get("taskDefinition") or snapshot.task_definition),
        deployment_id=str(primary.get("id") or ""),
        service_deployment_arn=arn,
        settings=view.settings,
        rollback_requested=action == "ROLLBACK",
    )
    watch = _watch(
        ecs,
        request,
        snapshot,
        deployment_id=outcome.deployment_id or "",
        previous=None,
        target=outcome.new_arn,
        reporter=reporter,
        clock=clock,
        service_deployment_arn=arn,
        follow_rollback=action == "ROLLBACK",
    )
    outcome.watch = watch
    outcome.result = _RESULTS.get(watch.outcome, "failed")
    if action == "ROLLBACK" and watch.outcome == "completed":
        outcome.result = "rolled-back"
    if not outcome.ok:
        outcome.explanation = f"Deployment {view.short_id} {watch.outcome}: {watch.reason}"
    return outcome


def snapshot_deployments(ecs: Any, snapshot: ServiceSnapshot) -> list[Mapping[str, Any]]:
    """The service's deployments (describe_services), for a continue that started none."""
    response = ecs.describe_services(cluster=snapshot.cluster, services=[snapshot.name])
    services = response.get("services") or [{}]
    return list(services[0].get("deployments") or [])
