"""The ecs-deploy action's inputs and outputs, declared once."""

from __future__ import annotations

from slipway.commands.common import AWS_INPUTS
from slipway.gha.spec import ActionSpec, Input, Output

SPEC = ActionSpec(
    command="ecs-deploy",
    title="slipway ecs-deploy",
    description=(
        "Render a new ECS task definition with new images, show the diff, register it, update "
        "the service and wait until ECS says the deployment COMPLETED; explain and roll back "
        "failures."
    ),
    icon="upload-cloud",
    inputs=(
        Input("cluster", "ECS cluster name or ARN.", required=True),
        Input("service", "ECS service name or ARN.", required=True),
        Input(
            "images",
            "Container images: name=image, separated by commas or newlines "
            "(web=<uri>@sha256:…,worker=<uri>@sha256:…). A single image without a name is "
            "allowed when the task definition has one container.",
        ),
        Input(
            "platforms",
            "Platforms the images were built for (ecr-build-push's platforms output, e.g. "
            "linux/amd64,linux/arm64): the deploy stops before registering anything when the "
            "task definition's cpuArchitecture is not among them.",
        ),
        Input(
            "task-definition",
            "Task definition JSON file to start from (default: the service's current one), or "
            "a registered revision (its ARN, or family:revision) to deploy exactly as it is: "
            "nothing is registered, and images, environment and secrets must be empty. "
            "Roll back with the previous-task-definition-arn output of an earlier deploy.",
        ),
        Input(
            "environment",
            "Environment variables per container, one per line: container.NAME=value.",
        ),
        Input(
            "secrets",
            "Secrets per container, one per line: container.NAME=arn:aws:secretsmanager:… or "
            "an SSM parameter ARN.",
        ),
        Input(
            "exclusive",
            "Replace each named container's environment and secrets with exactly the given "
            "ones instead of adding to them.",
            default="false",
        ),
        Input("dry-run", "Stop after showing the diff.", default="false"),
        Input("force-new-deployment", "Start new tasks even if nothing changed.", default="false"),
        Input(
            "wait-for",
            "`completed`: ECS says the deployment is done (its service deployment "
            "SUCCESSFUL: for BLUE_GREEN, LINEAR and CANARY after ECS's bake; else the "
            "rolloutState COMPLETED); `steady-state`: also no other deployment left and running "
            "= desired; `paused`: until a pause hook holds the deployment (result `paused`, "
            "resume it with continue-deployment); or a lifecycle stage such as "
            "POST_TEST_TRAFFIC_SHIFT or BAKE_TIME: until the deployment reaches it (result "
            "`stage-reached`; ECS carries on).",
            default="completed",
        ),
        Input("timeout", "How long to wait for the deployment.", default="15m"),
        Input(
            "rollback",
            "`native`: rely on ECS (circuit breaker, deployment alarms, lifecycle hooks); "
            "`client`: on failure or timeout stop the deployment with a rollback "
            "(StopServiceDeployment) while ECS still runs it, else redeploy the previous task "
            "definition, and wait for it; `none`.",
            default="native",
        ),
        Input(
            "continue-deployment",
            "Resume a deployment a pause hook holds: its service deployment ARN (the "
            "service-deployment-arn output of a deploy with wait-for: paused). Nothing new is "
            "deployed; the deployment is followed to its verdict as wait-for says.",
        ),
        Input(
            "continue-action",
            "With continue-deployment: `continue` to the next lifecycle stage, or `rollback` "
            "to the previous service revision (result `rolled-back`, not a failure).",
            default="continue",
        ),
        Input(
            "migration-command",
            "Run the new task definition once with this command before deploying (JSON array "
            "or a shell-style string); the deploy goes ahead only if it exits 0.",
        ),
        Input(
            "migration-container",
            "Container that runs migration-command (default: the first container in images).",
        ),
        Input("migration-timeout", "How long the migration task may take.", default="10m"),
        Input(
            "keep-revisions",
            "After a successful deploy, deregister older revisions of the family beyond this "
            "many (0 keeps everything).",
            default="0",
        ),
        *AWS_INPUTS,
    ),
    outputs=(
        Output("task-definition-arn", "ARN of the task definition registered and deployed."),
        Output("previous-task-definition-arn", "ARN the service ran before."),
        Output("deployment-id", "ID of the ECS deployment started."),
        Output(
            "result",
            "`deployed`, `dry-run`, `paused`, `stage-reached`, `failed`, `rolled-back`, "
            "`stopped`, `timeout` or `migration-failed`.",
        ),
        Output(
            "service-deployment-arn",
            "ARN of the service deployment (empty where ECS reports none).",
        ),
        Output("lifecycle-stage", "The deployment's lifecycle stage when the watch ended."),
        Output("hook-id", "The pause hook holding the deployment (result `paused`)."),
        Output(
            "rollback-cause",
            "Why ECS rolled back or stopped the deployment: `alarm`, `circuit-breaker`, "
            "`hook`, `requested` or `unknown` (empty otherwise).",
        ),
        Output("diff", "JSON list of the task definition changes (path, kind, old, new)."),
    ),
)
