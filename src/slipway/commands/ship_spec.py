"""The ship action's inputs and outputs, declared once. Every input has the name, meaning
and default it has in the single-purpose action it comes from."""

from __future__ import annotations

from slipway.commands.common import AWS_INPUTS
from slipway.commands.cw_alarms_check import SPEC as ALARMS_SPEC
from slipway.commands.ecr_build_push_spec import SPEC as BUILD_SPEC
from slipway.commands.ecs_bake import REPEAT_INPUT
from slipway.commands.ecs_deploy_spec import SPEC as DEPLOY_SPEC
from slipway.gha.spec import ActionSpec, Input, Output

# Taken as they are from the stage's own action (same text, same default).
_BUILD = (
    "repository",
    "registry",
    "registry-account-id",
    "create-repository",
    "context",
    "dockerfile",
    "target",
    "build-args",
    "secrets",
    "network",
    "tags",
    "push-retries",
    "builder",
    "platforms",
    "provenance",
    "sbom",
    "login-registries",
)
_ALARMS = (
    "alarm-names",
    "alarm-name-prefixes",
    "alarm-tags",
    "alarm-selection",
    "include-target-tracking",
    "poll-interval",
    "fail-on-insufficient-data",
    "pre-existing-alarms",
)

RESULTS = (
    "shipped",
    "rolled-back",
    "rollback-failed",
    "build-failed",
    "migration-failed",
    "failed",
    "timeout",
)

SPEC = ActionSpec(
    command="ship",
    title="slipway ship",
    description=(
        "Build and push an image, deploy it to one ECS service and wait for ECS's verdict, "
        "watch CloudWatch alarms for a bake time, and redeploy the previous task definition "
        "when one breaches: one step, one process."
    ),
    icon="anchor",
    inputs=(
        *(BUILD_SPEC.input(name) for name in _BUILD),
        DEPLOY_SPEC.input("cluster"),
        DEPLOY_SPEC.input("service"),
        Input(
            "container",
            "Container of the task definition that runs the new image (default: its only "
            "container); migration-command runs in it too.",
        ),
        DEPLOY_SPEC.input("environment"),
        DEPLOY_SPEC.input("migration-command"),
        DEPLOY_SPEC.input("migration-timeout"),
        Input(
            "timeout",
            "How long to wait for the deployment, and for the rollback's.",
            default="15m",
        ),
        Input(
            "rollback",
            "When the deployment itself fails: `native` relies on the deployment circuit "
            "breaker; `client` redeploys the previous task definition on failure or timeout; "
            "`none`. A breach during the bake always redeploys the previous task definition.",
            default="native",
        ),
        *(ALARMS_SPEC.input(name) for name in _ALARMS[:5]),
        Input(
            "bake-time",
            "How long to watch the alarms after the deployment completed (0s: no bake). The "
            "service's deployment alarms are watched too.",
            default="5m",
        ),
        *(ALARMS_SPEC.input(name) for name in _ALARMS[5:]),
        Input(
            "allow-no-alarms",
            "Ship without a bake when no alarm matches (otherwise the step fails before "
            "building anything).",
            default="false",
        ),
        REPEAT_INPUT,
        *AWS_INPUTS,
    ),
    outputs=(
        Output("image", "The image by digest: <registry>/<repository>@sha256:…"),
        Output("digest", "The image manifest digest."),
        Output("built", "`true` when built and pushed, `false` when the commit's image existed."),
        Output("task-definition-arn", "ARN of the task definition registered and deployed."),
        Output(
            "previous-task-definition-arn",
            "ARN the service ran before (and runs again after a rollback).",
        ),
        Output("result", "`" + "`, `".join(RESULTS[:-1]) + f"` or `{RESULTS[-1]}`."),
        Output(
            "breached",
            "JSON list of the alarms that breached during the bake: name, state, reason, "
            "time, pre_existing.",
        ),
        Output("watched", "JSON list of the names of the alarms watched."),
    ),
)
