"""Inputs every AWS-facing action shares, and turning them into session settings."""

from __future__ import annotations

from collections.abc import Mapping

from slipway.aws.config import AwsSettings, resolve_region, session_name, validate_role_arn
from slipway.gha.inputs import Inputs, env_name
from slipway.gha.spec import ActionSpec, DeclaredEnv, Input

AWS_INPUTS: tuple[Input, ...] = (
    Input("aws-region", "AWS region. Defaults to AWS_REGION or AWS_DEFAULT_REGION."),
    Input(
        "role-to-assume",
        "ARN of an IAM role to assume for this environment's account. With `id-token: write` "
        "permission the role is assumed through GitHub OIDC (no stored keys); otherwise with "
        "the credentials already in the environment.",
    ),
    Input("role-external-id", "External id to pass when assuming the role."),
    Input(
        "role-session-name",
        "Session name for the assumed role. Defaults to slipway-<repository>-<run id>-<attempt>.",
    ),
    Input("role-duration-seconds", "Lifetime of the assumed-role credentials.", default="3600"),
    Input(
        "web-identity",
        "How to assume the role: `auto` uses GitHub OIDC when the token endpoint is available, "
        "`true` requires it, `false` uses the environment's credentials.",
        default="auto",
    ),
)


def read_aws_settings(inputs: Inputs, env: Mapping[str, str]) -> AwsSettings:
    """Validated AWS settings; raises before any AWS call on bad input."""
    region = resolve_region(inputs.string("aws-region"), env)
    role = inputs.string("role-to-assume")
    if role:
        validate_role_arn(role, "role-to-assume")
    web_identity = inputs.string("web-identity", choices=("auto", "true", "false"))
    duration = inputs.integer("role-duration-seconds", minimum=900, maximum=43200)
    return AwsSettings(
        region=region,
        role_to_assume=role or None,
        role_external_id=inputs.string("role-external-id") or None,
        role_session_name=session_name(env, inputs.string("role-session-name") or None),
        role_duration_seconds=duration if duration is not None else 3600,
        web_identity=None if web_identity == "auto" else web_identity == "true",
    )


def stage_env(env: Mapping[str, str], own: ActionSpec, stage: ActionSpec) -> DeclaredEnv:
    """The environment another action's parser sees when a combined action runs it as a
    stage: the inputs both declare (same names, same meaning) carry this action's values,
    the stage's other inputs keep their declared defaults, and no other ``INPUT_*`` leaks
    in. Lets a combined action reuse a stage's parser, errors naming the same inputs."""
    shared = {i.name for i in own.inputs} & {i.name for i in stage.inputs}
    plain = {key: env[key] for key in env if not key.startswith("INPUT_")}
    plain.update({env_name(name): env.get(env_name(name)) or "" for name in shared})
    return DeclaredEnv(stage, plain)
