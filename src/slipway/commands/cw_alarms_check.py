"""`slipway cw-alarms-check`: watch CloudWatch alarms for a bake time after a change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slipway.alarms.bake import BakePolicy, BakeResult, BakeTracker, StateChange
from slipway.alarms.model import Alarm, AlarmSelector
from slipway.aws.config import AwsSettings
from slipway.commands.alarms_summary import render_summary
from slipway.commands.common import AWS_INPUTS, read_aws_settings
from slipway.gha.inputs import InputError, Inputs, format_duration
from slipway.gha.runner import Runner
from slipway.gha.spec import ActionSpec, Input, Output

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
            "include-target-tracking",
            "Also watch the TargetTracking-* alarms application auto scaling creates (they "
            "flip by design, so they are left out unless named).",
            default="false",
        ),
        Input("bake-time", "How long to watch, e.g. 90s, 5m, 1h30m.", default="5m"),
        Input("poll-interval", "Time between two reads of the alarm states.", default="15s"),
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
        *AWS_INPUTS,
    ),
    outputs=(
        Output("result", "`ok` or `breached`."),
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


def parse_selector(inputs: Inputs) -> AlarmSelector:
    """The alarm-names, alarm-name-prefixes, alarm-tags and include-target-tracking inputs."""
    return AlarmSelector(
        names=tuple(inputs.list("alarm-names")),
        prefixes=tuple(inputs.list("alarm-name-prefixes")),
        tags=inputs.mapping("alarm-tags"),
        include_target_tracking=inputs.boolean("include-target-tracking", default=False),
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
    return Request(
        selector=selector,
        policy=settings.policy,
        bake_seconds=settings.bake_seconds,
        poll_seconds=settings.poll_seconds,
        allow_no_alarms=settings.allow_no_alarms,
        aws=read_aws_settings(inputs, env),
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
) -> BakeResult:
    """Watch the alarms for ``bake_seconds`` from their ``initial`` states (alarms already
    failing there count as pre-existing); stops at the first breach. Shared by
    cw-alarms-check and ship."""
    from slipway.alarms.discovery import describe_by_names
    from slipway.alarms.watcher import run_bake, utc_now

    cloudwatch = session.client("cloudwatch")
    snapshot = {alarm.name: alarm for alarm in initial}
    tracker = BakeTracker(policy, snapshot, utc_now())
    for name in tracker.pre_existing:
        alarm = tracker.initial[name]
        runner.warning(f"alarm '{name}' was already {alarm.state} when the bake started")

    def log_change(change: StateChange) -> None:
        runner.info(f"{change.at:%H:%M:%S} {change.alarm}: {change.old} -> {change.new}")

    bake = format_duration(bake_seconds)
    with runner.group(f"Bake: watching {len(snapshot)} alarm(s) for {bake}"):
        result = run_bake(
            lambda: describe_by_names(cloudwatch, list(snapshot)),
            tracker,
            bake_seconds=bake_seconds,
            poll_seconds=poll_seconds,
            on_change=log_change,
        )
    for name in result.vanished:
        runner.warning(f"alarm '{name}' was deleted during the bake")
    return result


def breach_details(result: BakeResult) -> str:
    return "; ".join(f"{b.alarm} {b.state}: {b.reason}" for b in result.breaches)


def run(runner: Runner) -> int:
    # Imported here: the pure parts above stay importable without boto3.
    from slipway.aws.session import make_session

    try:
        request = parse(runner.inputs, runner.env)
    except ValueError as error:  # InputError and AwsConfigError: one line naming the input
        return runner.fail(str(error))

    session = make_session(request.aws, runner.env, on_secret=runner.mask)
    alarms = discover_alarms(runner, session, request.selector)
    watched = [alarm.name for alarm in alarms]
    runner.set_output("watched", watched)
    if not alarms:
        message = f"no alarm matched {request.selector.describe()}"
        runner.set_output("result", "ok" if request.allow_no_alarms else "breached")
        runner.set_output("breached", [])
        if request.allow_no_alarms:
            runner.notice(message + " (allowed by allow-no-alarms)")
            return 0
        return runner.fail(message + " (set allow-no-alarms to accept this)")

    result = bake_alarms(
        runner,
        session,
        alarms,
        request.policy,
        bake_seconds=request.bake_seconds,
        poll_seconds=request.poll_seconds,
    )
    runner.set_output("result", result.verdict)
    runner.set_output("breached", [breach.to_json() for breach in result.breaches])
    runner.write_summary(render_summary(result, request.selector, request.bake_seconds))
    if result.breaches:
        return runner.fail(f"bake failed: {breach_details(result)}")
    bake = format_duration(request.bake_seconds)
    runner.info(f"bake passed: {len(alarms)} alarm(s) stayed healthy for {bake}")
    return 0
