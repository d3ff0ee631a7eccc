"""One deployment from start to verdict (I/O over an ECS client): render, diff, migrate,
register, update, watch, explain, roll back, clean up. No GitHub specifics: progress goes to
the ``Reporter`` the caller passes."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
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
from slipway.ecs.taskdef import TASK_DEFINITION_INPUT, ContainerChanges, render, to_register_input
from slipway.ecs.watcher import WatchResult, watch_deployment
from slipway.gha.inputs import InputError

Result = Literal["deployed", "dry-run", "failed", "rolled-back", "timeout", "migration-failed"]
Rollback = Literal["native", "client", "none"]


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


@dataclass
class DeployOutcome:
    result: Result
    previous_arn: str
    changes: list[Change]
    new_arn: str | None = None
    deployment_id: str | None = None
    watch: WatchResult | None = None
    rollback_watch: WatchResult | None = None
    explanation: str = ""
    explanation_markdown: str = ""
    deregistered: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result in ("deployed", "dry-run")


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
    target: str,
    reporter: Reporter,
    clock: Clock,
) -> WatchResult:
    def on_event(event: ServiceEvent) -> None:
        reporter.info(f"{event.created_at:%H:%M:%S} {event.message}")

    return watch_deployment(
        ecs,
        snapshot.cluster,
        snapshot.name,
        deployment_id,
        previous,
        target,
        timeout_s=request.timeout_s,
        wait_for=request.wait_for,
        on_event=on_event,
        clock=clock.monotonic,
        sleep=clock.sleep,
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
    outcome, new_definition = _new_revision(ecs, request, snapshot, reporter)
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

    response = ecs.update_service(
        cluster=snapshot.cluster,
        service=snapshot.name,
        taskDefinition=outcome.new_arn,
        forceNewDeployment=request.force_new_deployment,
    )
    started = our_deployment_id(response.get("service", {}), outcome.new_arn)
    outcome.deployment_id = _locate_deployment(ecs, snapshot, outcome.new_arn, started)
    reporter.info(f"deployment {outcome.deployment_id or '(id not reported)'} started")

    watch = _watch(
        ecs,
        request,
        snapshot,
        deployment_id=outcome.deployment_id,
        previous=snapshot.task_definition,
        target=outcome.new_arn,
        reporter=reporter,
        clock=clock,
    )
    outcome.watch = watch
    if watch.ok:
        if request.keep_revisions > 0:
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
    )
    outcome.explanation = diagnosis.text()
    outcome.explanation_markdown = diagnosis.markdown()
    if watch.outcome == "rolled_back":
        outcome.result = "rolled-back"
        return outcome
    outcome.result = "timeout" if watch.outcome == "timeout" else "failed"
    if request.rollback == "client" and watch.outcome in ("failed", "timeout"):
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
