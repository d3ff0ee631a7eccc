"""One module per action: read inputs, call the domain, write outputs and the summary."""

# Command name -> module. Imported lazily so `slipway <command>` loads only what it runs.
COMMANDS: dict[str, str] = {
    "cw-alarms-check": "slipway.commands.cw_alarms_check",
    "tf-plan": "slipway.commands.tf_plan",
    "tf-apply-gated": "slipway.commands.tf_apply_gated",
    "ecs-deploy": "slipway.commands.ecs_deploy",
    "ecr-build-push": "slipway.commands.ecr_build_push",
    "ship": "slipway.commands.ship",
}

# Commands that are not actions: other programs run them (their modules define main(argv)).
INTERNAL_COMMANDS: dict[str, str] = {
    "aws-credentials": "slipway.commands.aws_credentials",
}

# The command whose action is the repository's root action.yml (`uses: <owner>/<repo>@v1`);
# its reference lives in docs/<command>.md instead of actions/<command>/README.md.
ROOT_ACTION = "ship"
