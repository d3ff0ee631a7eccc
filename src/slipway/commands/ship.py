"""`slipway ship`: build and push → deploy → alarm bake → rollback on breach, for one
service, in one process. Each stage is the single-purpose action's own code."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ParamSpec, TypeVar

from slipway.alarms.bake import BakeResult
from slipway.alarms.model import AlarmSelector
from slipway.aws.config import AwsSettings
from slipway.commands import ecr_build_push, ecr_publish, ecs_bake, ecs_deploy
from slipway.commands.common import stage_env
from slipway.commands.cw_alarms_check import BakeSettings, parse_bake_settings, parse_selector
from slipway.commands.ship_flow import (
    ShipOutcome,
    StageError,
    Stages,
    outputs,
    render_summary,
    run_ship,
)
from slipway.commands.ship_spec import SPEC
from slipway.ecs.deploy import DeployOutcome, DeployRequest, Rollback
from slipway.ecs.images import ANY_CONTAINER, CONTAINER_NAME
from slipway.ecs.taskdef import ContainerChanges, container_changes, parse_container_values
from slipway.gha.inputs import InputError, Inputs
from slipway.gha.runner import Runner
from slipway.gha.summary import Summary

__all__ = ["SPEC", "Request", "parse", "run"]

_P = ParamSpec("_P")
_T = TypeVar("_T")


@dataclass(frozen=True)
class Request:
    publish: ecr_build_push.Request
    cluster: str
    service: str
    container: str | None  # None: the task definition's only container
    changes: Mapping[str, ContainerChanges]
    migration_command: tuple[str, ...]
    migration_timeout_s: float
    timeout_s: float
    rollback: Rollback
    selector: AlarmSelector
    bake: BakeSettings
    repeat_ecs_bake: bool = False

    @property
    def aws(self) -> AwsSettings:
        assert self.publish.aws is not None  # ship always pushes, so they are always read
        return self.publish.aws

    @property
    def target(self) -> str:
        return f"{self.cluster}/{self.service}"

    def deploy_request(self, image: str, platforms: tuple[str, ...] = ()) -> DeployRequest:
        return DeployRequest(
            cluster=self.cluster,
            service=self.service,
            images={self.container or ANY_CONTAINER: image},
            changes=self.changes,
            base_definition=None,
            timeout_s=self.timeout_s,
            rollback=self.rollback,
            migration_command=self.migration_command,
            migration_container=self.container,
            migration_timeout_s=self.migration_timeout_s,
            platforms=platforms,
        )

    def rollback_request(self, task_definition: str) -> DeployRequest:
        """Back to a registered revision as it is; a failed rollback is not rolled back."""
        return DeployRequest(
            cluster=self.cluster,
            service=self.service,
            images={},
            changes={},
            base_definition=None,
            revision=task_definition,
            timeout_s=self.timeout_s,
            rollback="none",
        )


def parse(inputs: Inputs, env: Mapping[str, str]) -> Request:
    """Every input validated, before any AWS call or docker command. The build inputs go
    through ecr-build-push's own parser, so they are checked exactly as there."""
    stage = stage_env(env, SPEC, ecr_build_push.SPEC)
    publish = ecr_build_push.parse(Inputs(stage), stage)
    cluster = inputs.string("cluster", required=True) or ""
    service = inputs.string("service", required=True) or ""
    container = inputs.string("container")
    if container is not None and not CONTAINER_NAME.fullmatch(container):
        raise InputError("container", "a container name of letters, digits, '-' or '_'", container)
    environment = parse_container_values(inputs.string("environment") or "", "environment")
    migration = ecs_deploy.parse_migration_command(inputs.string("migration-command"))
    migration_timeout = inputs.duration("migration-timeout", default=600.0, minimum=1)
    timeout = inputs.duration("timeout", default=900.0, minimum=1)
    rollback = inputs.string("rollback", choices=("native", "client", "none"))
    return Request(
        publish=publish,
        cluster=cluster,
        service=service,
        container=container,
        changes=container_changes(environment, {}),
        migration_command=migration,
        migration_timeout_s=migration_timeout,
        timeout_s=timeout,
        rollback="client" if rollback == "client" else "none" if rollback == "none" else "native",
        selector=parse_selector(inputs),
        bake=parse_bake_settings(inputs),
        repeat_ecs_bake=inputs.boolean("repeat-ecs-bake", default=False),
    )


def _check_containers(request: Request, definition: Mapping[str, Any]) -> None:
    """The container and environment inputs name containers the service's task definition
    has: found now rather than after a build."""
    from slipway.ecs.taskdef import container_names, render

    names = container_names(definition)
    listed = ", ".join(names)
    if request.container is not None and request.container not in names:
        raise InputError(
            "container", f"a container of the task definition ({listed})", request.container
        )
    if request.container is None and len(names) != 1:
        raise InputError(
            "container", f"one of the task definition's {len(names)} containers ({listed})", ""
        )
    render(definition, {}, request.changes)  # unknown containers in environment raise


def _selector_with(selector: AlarmSelector, deployment_alarms: Sequence[str]) -> AlarmSelector:
    """The alarms ECS itself watches during the service's deployments are worth baking on
    too; they are added as named alarms."""
    extra = tuple(name for name in deployment_alarms if name not in selector.names)
    return AlarmSelector(
        names=selector.names + extra,
        prefixes=selector.prefixes,
        tags=selector.tags,
        include_target_tracking=selector.include_target_tracking,
    )


def _aws_errors_as_failures(stage: Callable[_P, _T]) -> Callable[_P, _T]:
    """AWS errors end a stage with one line (the flow decides what that means) instead of
    a traceback."""

    @functools.wraps(stage)
    def guarded(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        from botocore.exceptions import BotoCoreError, ClientError

        from slipway.aws.session import AwsAuthError

        try:
            return stage(*args, **kwargs)
        except (BotoCoreError, ClientError, AwsAuthError) as error:
            raise StageError(str(error)) from error

    return guarded


def _left_to_bake(
    runner: Runner, request: Request, outcome: DeployOutcome, names: Sequence[str]
) -> tuple[list[str], str]:
    """The alarms to bake once those ECS baked in the deployment are out (unless
    repeat-ecs-bake), and a note naming them."""
    if request.repeat_ecs_bake:
        return list(names), ""
    view = outcome.watch.service_deployment if outcome.watch else None
    baked = ecs_bake.from_view(view)
    done, remaining = ecs_bake.covered(baked, names)
    if baked is None or not done:
        return remaining, ""
    note = f"{baked.describe()}: not baking again {', '.join(done)}"
    runner.notice(note)
    return remaining, note


def live_stages(runner: Runner, session: Any, request: Request) -> Stages:
    """The real stages: the ECS, ECR, Docker and CloudWatch calls of the single actions."""
    from slipway.alarms.discovery import describe_by_names
    from slipway.alarms.watcher import utc_now
    from slipway.commands.cw_alarms_check import bake_alarms, discover_alarms
    from slipway.ecs.deploy import run_deploy
    from slipway.ecs.platforms import check_platforms
    from slipway.ecs.service import describe_service, describe_task_definition
    from slipway.ecs.taskdef import to_register_input

    ecs = ecs_deploy.ecs_client(session)
    clock = ecs_deploy.deploy_clock()
    bake = request.bake
    built_for: list[str] = []  # the published image's platforms, checked at the deploy

    def preflight() -> list[str]:
        with runner.group(f"Preflight {request.target}"):
            snapshot = describe_service(ecs, request.cluster, request.service)
            runner.info(f"{request.target} runs {snapshot.task_definition}")
            definition = describe_task_definition(ecs, snapshot.task_definition)
            _check_containers(request, definition)
            # Platforms asked for that the service cannot run: found before a build.
            check_platforms(to_register_input(definition), request.publish.build.platforms)
        if bake.bake_seconds <= 0:
            runner.info("bake-time is 0: no bake")
            return []
        if snapshot.deployment_alarms:
            runner.info("deployment alarms: " + ", ".join(snapshot.deployment_alarms))
        selector = _selector_with(request.selector, snapshot.deployment_alarms)
        alarms = discover_alarms(runner, session, selector) if not selector.is_empty else []
        if alarms:
            return [alarm.name for alarm in alarms]
        message = (
            f"no alarm matched {selector.describe()}"
            if not selector.is_empty
            else f"no alarm to watch: {request.target} has no deployment alarms and none of "
            "alarm-names, alarm-name-prefixes or alarm-tags is given"
        )
        if not bake.allow_no_alarms:
            raise LookupError(message + " (set allow-no-alarms to ship without a bake)")
        runner.notice(message + ": shipping without a bake (allow-no-alarms)")
        return []

    def publish() -> ecr_publish.Result:
        result = ecr_publish.publish(runner, request.publish, session, session.client("ecr"))
        built_for[:] = result.platforms
        return result

    def deploy(image: str) -> DeployOutcome:
        with runner.group(f"Deploy {image} to {request.target}"):
            deploy_request = request.deploy_request(image, tuple(built_for))
            return run_deploy(ecs, deploy_request, runner, clock)

    def bake_stage(names: Sequence[str]) -> BakeResult:
        started_at = utc_now()  # before the starting states: later changes are in the history
        initial = describe_by_names(session.client("cloudwatch"), names)
        return bake_alarms(
            runner,
            session,
            list(initial.values()),
            bake.policy,
            bake_seconds=bake.bake_seconds,
            poll_seconds=bake.poll_seconds,
            started_at=started_at,
        )

    def rollback(task_definition: str) -> DeployOutcome:
        runner.warning(f"rolling back {request.target} to {task_definition}")
        with runner.group(f"Roll back to {task_definition}"):
            return run_deploy(ecs, request.rollback_request(task_definition), runner, clock)

    guarded = _aws_errors_as_failures
    return Stages(
        guarded(preflight),
        guarded(publish),
        guarded(deploy),
        guarded(bake_stage),
        guarded(rollback),
        functools.partial(_left_to_bake, runner, request),
    )


def _sections(request: Request, outcome: ShipOutcome) -> list[Summary]:
    from slipway.commands.alarms_summary import render_summary as bake_summary

    sections = []
    if outcome.published is not None:
        sections.append(ecr_publish.render_summary(outcome.published))
    if outcome.deploy is not None:
        sections.append(ecs_deploy.render_summary(request.deploy_request(""), outcome.deploy))
    if outcome.bake is not None:
        # Only the service's deployment alarms were selected: name them.
        selector = request.selector
        if selector.is_empty:
            selector = AlarmSelector(names=tuple(outcome.watched))
        sections.append(bake_summary(outcome.bake, selector, request.bake.bake_seconds))
    if outcome.rollback is not None and outcome.deploy is not None:
        sections.append(
            ecs_deploy.render_summary(
                request.rollback_request(outcome.deploy.previous_arn),
                outcome.rollback,
                title="Rollback",
            )
        )
    return sections


def run(runner: Runner) -> int:
    from slipway.aws.session import make_session

    try:
        request = parse(runner.inputs, runner.env)
        request = replace(request, publish=ecr_build_push.resolve_builder(runner, request.publish))
    except ValueError as error:  # InputError and AwsConfigError: one line naming the input
        return runner.fail(str(error))
    session = make_session(request.aws, runner.env, on_secret=runner.mask)
    outcome = run_ship(live_stages(runner, session, request))
    for name, value in outputs(outcome).items():
        runner.set_output(name, value)
    runner.write_summary(render_summary(request.target, outcome, _sections(request, outcome)))
    if outcome.ok:
        runner.info(f"shipped {outcome.published.image if outcome.published else ''}")
        return 0
    return runner.fail(outcome.message or outcome.result)
