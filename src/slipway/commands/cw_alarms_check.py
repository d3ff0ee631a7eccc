"""`slipway cw-alarms-check`: watch CloudWatch alarms for a bake time after a change."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slipway.alarms.bake import BakePolicy, BakeResult, BakeTracker, StateChange
from slipway.alarms.model import COMBINE_CHOICES, Alarm, AlarmSelector
from slipway.aws.config import AwsSettings
from slipway.commands import ecs_bake
from slipway.commands.alarms_summary import render_no_alarms, render_summary
from slipway.commands.common import AWS_INPUTS, read_aws_settings
from slipway.commands.ecs_bake import REPEAT_INPUT
from slipway.gha.inputs import InputError, Inputs, format_duration
from slipway.gha.runner import Runner
from slipway.gha.spec import ActionSpec, Input, Output
from slipway.gha.summary import Summary

if TYPE_CHECKING:
    from slipway.alarms.history_reader import HistoryReader

NO_ALARMS = "no-alarms"

SPEC = ActionSpec(
    command="cw-alarms-check",
    title="slipway cw-alarms-check",
    description=(
        "Watch CloudWatch alarms for a bake time and fail as soon as one enters ALARM; "
        "select alarms by name, prefix or tags."
    ),
    icon="activity",
    inputs=(
        Input("alarm-names", "Alarm names to watch, separated by commas or newlines."),
        Input("alarm-name-prefixes", "Watch every alarm whose name starts with one of these."),
        Input(
            "alarm-tags",
            "Watch every alarm carrying all of these tags, as key=value pairs separated by "
            "commas or newlines.",
        ),
        Input(
            "alarm-selection",
            "How alarm-name-prefixes and alarm-tags combine when both are given: `union` "
            "watches an alarm matching either; `intersection` only an alarm whose name has one "
            "of the prefixes and that carries every tag. Alarms in alarm-names are always "
            "watched.",
            default="union",
        ),
        Input(
            "include-target-tracking",
            "Also watch the TargetTracking-* alarms application auto scaling creates (they "
            "flip by design, so they are left out unless named).",
            default="false",
        ),
        Input("bake-time", "How long to watch, e.g. 90s, 5m, 1h30m.", default="5m"),
        Input(
            "poll-interval",
            "Time between two reads of the alarm states and history. A state that comes and "
            "goes between two reads is still caught, from the alarm history.",
            default="15s",
        ),
        Input(
            "fail-on-insufficient-data",
            "Treat INSUFFICIENT_DATA like ALARM.",
            default="false",
        ),
        Input(
            "pre-existing-alarms",
            "Alarms already failing when the bake starts: `fail` fails at once; `ignore` "
            "reports them and fails only if they are still failing at the end (or relapse).",
            default="fail",
        ),
        Input(
            "allow-no-alarms",
            "Succeed when no alarm matches (otherwise that is an error).",
            default="false",
        ),
        Input(
            "ecs-cluster",
            "With ecs-service: the cluster of the ECS service just deployed. Alarms ECS itself "
            "baked in its deployment are not baked again (see repeat-ecs-bake).",
        ),
        Input("ecs-service", "With ecs-cluster: the ECS service just deployed."),
        REPEAT_INPUT,
        *AWS_INPUTS,
    ),
    outputs=(
        Output(
            "result",
            "`ok`, `breached` (an alarm fired: roll back on this one), `no-alarms` (no alarm "
            "matched the selection: a configuration error, the step fails unless "
            "allow-no-alarms), or `ecs-baked` (ECS baked every selected alarm in its own "
            "deployment: nothing left to bake).",
        ),
        Output(
            "breached",
            "JSON list of the alarms that breached: name, state, reason, time, pre_existing.",
        ),
        Output("watched", "JSON list of the names of the alarms watched."),
    ),
)


@dataclass(frozen=True)
class Request:
    selector: AlarmSelector
    policy: BakePolicy
    bake_seconds: float
    poll_seconds: float
    allow_no_alarms: bool
    aws: AwsSettings
    # The service just deployed, whose ECS bake may have covered some alarms.
    service: tuple[str, str] | None = None
    repeat_ecs_bake: bool = False


def parse_selector(inputs: Inputs) -> AlarmSelector:
    """The alarm-names, alarm-name-prefixes, alarm-tags, alarm-selection and
    include-target-tracking inputs."""
    combine = inputs.string("alarm-selection", choices=COMBINE_CHOICES)
    return AlarmSelector(
        names=tuple(inputs.list("alarm-names")),
        prefixes=tuple(inputs.list("alarm-name-prefixes")),
        tags=inputs.mapping("alarm-tags"),
        include_target_tracking=inputs.boolean("include-target-tracking", default=False),
        combine="intersection" if combine == "intersection" else "union",
    )


@dataclass(frozen=True)
class BakeSettings:
    """How long and how to bake: the inputs cw-alarms-check and ship share."""

    policy: BakePolicy
    bake_seconds: float
    poll_seconds: float
    allow_no_alarms: bool


def parse_bake_settings(inputs: Inputs) -> BakeSettings:
    bake = inputs.duration("bake-time", minimum=0)
    poll = inputs.duration("poll-interval", minimum=1)
    pre_existing = inputs.string("pre-existing-alarms", choices=("fail", "ignore"))
    policy = BakePolicy(
        fail_on_insufficient_data=inputs.boolean("fail-on-insufficient-data", default=False),
        pre_existing="ignore" if pre_existing == "ignore" else "fail",
    )
    return BakeSettings(
        policy=policy,
        bake_seconds=bake if bake is not None else 300.0,
        poll_seconds=poll if poll is not None else 15.0,
        allow_no_alarms=inputs.boolean("allow-no-alarms", default=False),
    )


def parse(inputs: Inputs, env: Mapping[str, str]) -> Request:
    """Every input validated, before anything talks to AWS."""
    selector = parse_selector(inputs)
    if selector.is_empty:
        raise InputError(
            "alarm-names", "at least one of alarm-names, alarm-name-prefixes or alarm-tags", ""
        )
    settings = parse_bake_settings(inputs)
    cluster, service = inputs.string("ecs-cluster"), inputs.string("ecs-service")
    if bool(cluster) != bool(service):
        missing, given = (
            ("ecs-service", "ecs-cluster") if cluster else ("ecs-cluster", "ecs-service")
        )
        raise InputError(missing, f"a value too, as {given} is set (both or neither)", "")
    return Request(
        selector=selector,
        policy=settings.policy,
        bake_seconds=settings.bake_seconds,
        poll_seconds=settings.poll_seconds,
        allow_no_alarms=settings.allow_no_alarms,
        aws=read_aws_settings(inputs, env),
        service=(cluster, service) if cluster and service else None,
        repeat_ecs_bake=inputs.boolean("repeat-ecs-bake", default=False),
    )


def discover_alarms(runner: Runner, session: Any, selector: AlarmSelector) -> list[Alarm]:
    """The alarms the selector picks, logged with their state; named alarms that do not
    exist are warned about. Shared by cw-alarms-check and ship."""
    from slipway.alarms.discovery import discover
    from slipway.alarms.selection import missing_names

    cloudwatch = session.client("cloudwatch")
    with runner.group(f"Discover alarms ({selector.describe()})"):
        alarms = discover(cloudwatch, session.client("resourcegroupstaggingapi"), selector)
        for alarm in alarms:
            runner.info(f"{alarm.name} [{alarm.kind}]: {alarm.state}")
    for name in missing_names(selector, alarms):
        runner.warning(f"alarm '{name}' named in alarm-names does not exist")
    return alarms


def bake_alarms(
    runner: Runner,
    session: Any,
    initial: Sequence[Alarm],
    policy: BakePolicy,
    *,
    bake_seconds: float,
    poll_seconds: float,
    started_at: datetime | None = None,
) -> BakeResult:
    """Watch the alarms for ``bake_seconds`` from their ``initial`` states (alarms already
    failing there count as pre-existing); stops at the first breach. Every poll reads the
    alarm history since ``started_at`` (default: now; pass the time taken before reading
    ``initial``) and the states. Shared by cw-alarms-check and ship."""
    from slipway.alarms.discovery import describe_by_names
    from slipway.alarms.history_reader import HistoryReader
    from slipway.alarms.watcher import run_bake, utc_now

    cloudwatch = session.client("cloudwatch")
    snapshot = {alarm.name: alarm for alarm in initial}
    started = started_at or utc_now()
    tracker = BakeTracker(policy, snapshot, started)
    for name in tracker.pre_existing:
        alarm = tracker.initial[name]
        runner.warning(f"alarm '{name}' was already {alarm.state} when the bake started")

    def log_change(change: StateChange) -> None:
        seen = " (alarm history)" if change.source == "history" else ""
        runner.info(f"{change.at:%H:%M:%S} {change.alarm}: {change.old} -> {change.new}{seen}")

    reader = HistoryReader(cloudwatch, list(snapshot), started)
    bake = format_duration(bake_seconds)
    with runner.group(f"Bake: watching {len(snapshot)} alarm(s) for {bake}"):
        unavailable = _first_history_read(runner, reader, tracker, log_change)
        result = run_bake(
            lambda: describe_by_names(cloudwatch, list(snapshot)),
            tracker,
            bake_seconds=bake_seconds,
            poll_seconds=poll_seconds,
            history=None if unavailable else reader.read,
            on_change=log_change,
        )
    for name in result.vanished:
        runner.warning(f"alarm '{name}' was deleted during the bake")
    return replace(result, history_unavailable=unavailable)


def _first_history_read(
    runner: Runner,
    reader: HistoryReader,
    tracker: BakeTracker,
    on_change: Callable[[StateChange], None],
) -> str:
    """Read the history once before the first poll: what changed since the start counts,
    and a role that may not read it is found now. Returns why it is unavailable, or ""."""
    from botocore.exceptions import ClientError

    from slipway.alarms.history_reader import is_denied

    try:
        entries = reader.read()
    except ClientError as error:
        if not is_denied(error):
            raise
        reason = f"cloudwatch:DescribeAlarmHistory was denied ({error})"
        runner.warning(
            f"the alarm history cannot be read: {reason}; a state that comes and goes between "
            "two polls can be missed (grant the permission to the role)"
        )
        return reason
    for change in tracker.record_history(entries):
        on_change(change)
    return ""


def _not_baked_by_ecs(
    runner: Runner, session: Any, request: Request, alarms: list[Alarm]
) -> list[Alarm]:
    """The alarms left to bake once those ECS baked in the service's deployment are out."""
    if request.service is None:
        return alarms
    if request.repeat_ecs_bake:
        runner.info("repeat-ecs-bake: baking every alarm, whatever ECS baked")
        return alarms
    bake = ecs_bake.latest_bake(session.client("ecs"), *request.service)
    done, _ = ecs_bake.covered(bake, [alarm.name for alarm in alarms])
    if bake is None or not done:
        return alarms
    runner.notice(f"{bake.describe()}: not baking again {', '.join(done)}")
    return [alarm for alarm in alarms if alarm.name not in done]


def render_ecs_baked(names: Sequence[str]) -> Summary:
    summary = Summary().heading("✅ CloudWatch alarm bake: baked by ECS")
    summary.paragraph(
        f"ECS watched all {len(names)} selected alarm(s) through its own bake of the "
        "service's deployment (deployment alarms with rollback) and the deployment ended "
        "SUCCESSFUL: nothing left to bake. Set repeat-ecs-bake to bake them again."
    )
    summary.bullets(f"`{name}`" for name in names)
    return summary


def breach_details(result: BakeResult) -> str:
    return "; ".join(breach.describe() for breach in result.breaches)


def run(runner: Runner) -> int:
    # Imported here: the pure parts above stay importable without boto3.
    from slipway.alarms.watcher import utc_now
    from slipway.aws.session import make_session

    try:
        request = parse(runner.inputs, runner.env)
    except ValueError as error:  # InputError and AwsConfigError: one line naming the input
        return runner.fail(str(error))

    session = make_session(request.aws, runner.env, on_secret=runner.mask)
    # Taken before the starting states are read: a change after it is in the history.
    started_at = utc_now()
    alarms = discover_alarms(runner, session, request.selector)
    watched = [alarm.name for alarm in alarms]
    if not alarms:
        runner.set_output("watched", watched)
        # Its own result: a selection that matches nothing is a configuration error, and a
        # rollback keyed on `breached` must not undo a healthy deployment for it.
        message = f"no alarm matched {request.selector.describe()}"
        runner.set_output("result", NO_ALARMS)
        runner.set_output("breached", [])
        runner.write_summary(render_no_alarms(request.selector, request.allow_no_alarms))
        if request.allow_no_alarms:
            runner.notice(message + " (allowed by allow-no-alarms)")
            return 0
        return runner.fail(message + " (set allow-no-alarms to accept this)")

    alarms = _not_baked_by_ecs(runner, session, request, alarms)
    if not alarms:
        runner.set_output("result", ecs_bake.RESULT)
        runner.set_output("breached", [])
        runner.set_output("watched", [])
        runner.write_summary(render_ecs_baked(watched))
        return 0
    runner.set_output("watched", [alarm.name for alarm in alarms])
    result = bake_alarms(
        runner,
        session,
        alarms,
        request.policy,
        bake_seconds=request.bake_seconds,
        poll_seconds=request.poll_seconds,
        started_at=started_at,
    )
    runner.set_output("result", result.verdict)
    runner.set_output("breached", [breach.to_json() for breach in result.breaches])
    runner.write_summary(render_summary(result, request.selector, request.bake_seconds))
    if result.breaches:
        return runner.fail(f"bake failed: {breach_details(result)}")
    bake = format_duration(request.bake_seconds)
    runner.info(f"bake passed: {len(alarms)} alarm(s) stayed healthy for {bake}")
    return 0
