"""`slipway tf-apply-gated`: apply exactly the plan that was reviewed, once approved.

The plan is named by what tf-plan output in this run (``plan-id`` and ``plan-digest``, passed
from step or job outputs, which nothing outside the run can write), never by what the
bucket holds: a plan replaced in the bucket is refused. Refusals come before any change,
each with a machine-readable ``failure_reason``: the plan is missing, is not the one this
run made or was made for something else, was applied already, would destroy what was not
allowed, was not approved; then the engine itself rejects a stale plan or a locked state.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from slipway.aws.config import AwsSettings
from slipway.commands.common import AWS_INPUTS, read_aws_settings
from slipway.commands.terraform_common import (
    TERRAFORM_INPUTS,
    TerraformSettings,
    read_terraform_settings,
)
from slipway.gha.inputs import InputError, Inputs
from slipway.gha.runner import Runner
from slipway.gha.spec import ActionSpec, Input, Output

FailureReason = Literal[
    "plan-missing",
    "plan-mismatch",
    "already-applied",
    "plan-stale",
    "not-approved",
    "destroy-blocked",
    "state-locked",
    "apply-failed",
]

SPEC = ActionSpec(
    command="tf-apply-gated",
    title="slipway tf-apply-gated",
    description=(
        "Apply the stored, reviewed plan for this commit and environment after verifying its "
        "hash, the approval and the destroy guard; stale plans and locked states are refused."
    ),
    icon="shield",
    inputs=(
        *TERRAFORM_INPUTS,
        Input(
            "plan-id",
            "The plan to apply: tf-plan's `plan-id` output from this run.",
            required=True,
        ),
        Input(
            "plan-digest",
            "tf-plan's `plan-digest` output from this run: the plan applied must be exactly "
            "the one it names.",
            required=True,
        ),
        Input(
            "approval",
            "`environment`: verify through the API that this run's deployment to "
            "github-environment was approved by a reviewer; `issue`: open an issue with the plan "
            "and wait for /approve or /deny from approvers; `none`: no approval (unprotected "
            "environments).",
            default="environment",
        ),
        Input(
            "github-environment",
            "GitHub environment whose approval is checked (default: environment).",
        ),
        Input(
            "forbid-self-approval",
            "Refuse an approval by anyone who took part in the change: who triggered or re-ran "
            "the run, and the authors and committers of the pull requests behind the commit.",
            default="true",
        ),
        Input("approvers", "Issue mode: users allowed to approve, comma or newline separated."),
        Input("approver-teams", "Issue mode: teams (org/team-slug) whose members may approve."),
        Input("approval-timeout", "Issue mode: how long to wait for a decision.", default="30m"),
        Input(
            "approval-poll-interval",
            "Issue mode: time between two reads of the issue.",
            default="15s",
        ),
        Input("allow-destroy", "Allow plans that delete or replace resources.", default="false"),
        Input(
            "comment",
            "On the default branch, show the result on the merged pull request.",
            default="true",
        ),
        Input(
            "allow-destroy-addresses",
            "Resource addresses (or patterns such as module.cache.*) that may be deleted or "
            "replaced even when allow-destroy is false.",
        ),
        *AWS_INPUTS,
    ),
    outputs=(
        Output("result", "`applied`, `refused` or `failed`."),
        Output(
            "failure_reason",
            "Why nothing (or not everything) was applied: plan-missing, plan-mismatch, "
            "already-applied, plan-stale, not-approved, destroy-blocked, state-locked or "
            "apply-failed.",
        ),
        Output("lock_info", "JSON of the state lock holder when failure_reason is state-locked."),
        Output("outputs", "Terraform outputs as JSON (sensitive values are masked)."),
        Output("plan-id", "Identifier of the applied plan."),
        Output("approved-by", "Who approved (environment and issue modes)."),
        Output("approved-at", "When the approval was recorded or verified (ISO 8601)."),
    ),
)


@dataclass(frozen=True)
class ApplyRequest:
    tf: TerraformSettings
    plan_id: str
    plan_digest: str
    approval: str
    github_environment: str
    forbid_self_approval: bool
    approvers: frozenset[str]
    approver_teams: frozenset[str]
    approval_timeout: float
    approval_poll: float
    allow_destroy: bool
    allow_destroy_addresses: tuple[str, ...]
    comment: bool
    aws: AwsSettings


def parse(inputs: Inputs, env: Mapping[str, str]) -> ApplyRequest:
    """Every input validated, before anything runs."""
    from slipway.terraform.plan_keys import validate_plan_id, validate_sha256

    tf = read_terraform_settings(inputs, env)
    plan_id = inputs.string("plan-id", required=True) or ""
    digest = inputs.string("plan-digest", required=True) or ""
    # PlanInputError is a ValueError naming the input.
    validate_plan_id(plan_id, tf.environment)
    digest = validate_sha256("plan-digest", digest)
    if plan_id.split("-")[-2] != tf.commit_sha[:12]:
        raise InputError("plan-id", f"a plan of commit {tf.commit_sha[:12]}", plan_id)
    approval = inputs.string("approval", choices=("environment", "issue", "none")) or ""
    approvers = frozenset(inputs.list("approvers"))
    teams = frozenset(inputs.list("approver-teams"))
    for team in teams:
        if team.count("/") != 1 or not all(team.split("/")):
            raise InputError("approver-teams", "org/team-slug entries", team)
    if approval == "issue" and not (approvers or teams):
        raise InputError("approvers", "at least one approver or approver team in issue mode", "")
    if approval != "none" and not tf.github_token:
        raise InputError("github-token", "a token to verify the approval", "")
    timeout = inputs.duration("approval-timeout", minimum=1)
    poll = inputs.duration("approval-poll-interval", minimum=1)
    return ApplyRequest(
        tf=tf,
        plan_id=plan_id,
        plan_digest=digest,
        approval=approval,
        github_environment=inputs.string("github-environment") or tf.environment,
        forbid_self_approval=inputs.boolean("forbid-self-approval", default=True),
        approvers=approvers,
        approver_teams=teams,
        approval_timeout=timeout if timeout is not None else 1800.0,
        approval_poll=poll if poll is not None else 15.0,
        allow_destroy=inputs.boolean("allow-destroy", default=False),
        allow_destroy_addresses=tuple(inputs.list("allow-destroy-addresses", lines_only=True)),
        comment=inputs.boolean("comment", default=True),
        aws=read_aws_settings(inputs, env),
    )


def refuse(runner: Runner, reason: FailureReason, message: str, *, failed: bool = False) -> int:
    runner.set_output("result", "failed" if failed else "refused")
    runner.set_output("failure_reason", reason)
    return runner.fail(f"{reason}: {message}")


def masked_outputs(runner: Runner, outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Terraform outputs for the step output: sensitive ones masked in the log and replaced."""
    result: dict[str, Any] = {}
    for name, item in outputs.items():
        if item.get("sensitive"):
            runner.mask(
                json.dumps(item.get("value"))
                if not isinstance(item.get("value"), str)
                else item["value"]
            )
            result[name] = "(sensitive)"
        else:
            result[name] = item.get("value")
    return result


def run(runner: Runner) -> int:
    from slipway.commands.tf_plan import work_dir

    try:
        request = parse(runner.inputs, runner.env)
    except ValueError as error:
        return runner.fail(str(error))
    tf = request.tf
    runner.set_output("failure_reason", "")

    out = work_dir(runner.env, tf)
    try:
        code = apply_plan(runner, request, out)
    finally:
        # The downloaded plan can hold secrets in clear: it does not outlive the step.
        shutil.rmtree(out, ignore_errors=True)
    if request.comment and runner.outputs.get("plan-id"):
        report_result(runner, request)
    return code


def report_result(runner: Runner, request: ApplyRequest) -> None:
    """On the default branch, the result goes on the merged pull request, beside the plan
    that was approved (best effort: the apply's own result stands either way)."""
    from slipway.commands.plan_review import render_apply_result
    from slipway.commands.terraform_common import backend_settings
    from slipway.commands.terraform_flow import github_session, run_page, run_source
    from slipway.github.client import GitHubApiError, GitHubConfigError
    from slipway.github.pulls import merged_pull_request, pulls_for_commit
    from slipway.github.sticky import upsert_sticky_comment
    from slipway.terraform.plan_keys import backend_fingerprint

    tf = request.tf
    if run_source(runner.env) != "default-branch":
        return
    try:
        gh, context = github_session(runner, tf)
        pull = merged_pull_request(pulls_for_commit(gh, context, tf.commit_sha), tf.commit_sha)
        if pull is None:
            return
        backend = backend_fingerprint(*backend_settings(tf))
        key = f"{tf.directory}|{tf.workspace or tf.environment}|{backend}|result"
        body = render_apply_result(
            tf.environment, tf.commit_sha, runner.outputs, run_page(runner.env)
        )
        result = upsert_sticky_comment(
            gh, context, pull.number, key, body, only_if_changes=False, has_changes=True
        )
        runner.info(f"result comment {result.action}" + (f": {result.url}" if result.url else ""))
    except (GitHubApiError, GitHubConfigError) as error:
        runner.warning(f"the result was not posted on the pull request: {error}")


def load_reviewed_plan(
    runner: Runner, request: ApplyRequest, store: Any, out: Path
) -> tuple[Any, Any, Any, Any] | int:
    """(stored plan, its model, where it is, the run binding), or the exit code of a refusal:
    missing, not this run's plan, applied already, or unreadable."""
    from slipway.commands.terraform_flow import run_binding
    from slipway.terraform.plan import PlanFormatError, load_plan
    from slipway.terraform.plan_integrity import (
        PlanAppliedError,
        PlanMismatchError,
        PlanMissingError,
    )
    from slipway.terraform.plan_keys import PlanRef
    from slipway.terraform.render import one_line_counts

    tf = request.tf
    binding = run_binding(runner.env, tf)
    ref = PlanRef(
        tf.repository, tf.environment, binding.source, tf.directory, tf.commit_sha, request.plan_id
    )
    try:
        stored = store.load(ref, request.plan_digest, binding, out)
        store.check_not_applied(ref)
    except PlanMissingError as error:
        return refuse(runner, "plan-missing", str(error))
    except PlanMismatchError as error:
        return refuse(runner, "plan-mismatch", str(error))
    except PlanAppliedError as error:
        return refuse(runner, "already-applied", str(error))
    runner.set_output("plan-id", stored.metadata.plan_id)
    try:
        plan = load_plan(stored.plan_json)
    except PlanFormatError as error:
        return refuse(runner, "plan-mismatch", str(error))
    runner.info(f"plan {stored.metadata.plan_id}: {one_line_counts(plan)}")
    return stored, plan, ref, binding


def apply_plan(runner: Runner, request: ApplyRequest, out: Path) -> int:
    from slipway.aws.session import make_session
    from slipway.commands.terraform_flow import check_approval, prepare_engine, report_diagnostics
    from slipway.terraform.guard import check_destroy
    from slipway.terraform.plan_store import PlanStore
    from slipway.terraform.render import render_comment

    tf = request.tf
    session = make_session(request.aws, runner.env, on_secret=runner.mask)
    store = PlanStore(session.client("s3"), tf.bucket, tf.prefix, kms_key_id=tf.kms_key)
    loaded = load_reviewed_plan(runner, request, store, out)
    if isinstance(loaded, int):
        return loaded
    stored, plan, ref, binding = loaded

    verdict = check_destroy(
        plan, allow_destroy=request.allow_destroy, allowed=request.allow_destroy_addresses
    )
    for change in verdict.allowed:
        runner.warning(f"{change.address} will be {change.action}d (allowed)")
    if not verdict.ok:
        return refuse(runner, "destroy-blocked", verdict.message())

    from slipway.github.client import GitHubApiError, GitHubConfigError

    try:
        decision = check_approval(
            runner, request, render_comment(plan, title=f"{tf.directory} · {tf.environment}")
        )
    except (GitHubApiError, GitHubConfigError) as error:
        # An approval that cannot be verified is no approval.
        return refuse(runner, "not-approved", f"cannot verify the approval: {error}")
    if not decision.approved:
        return refuse(runner, "not-approved", decision.reason)
    runner.set_output("approved-by", decision.approver or "")
    runner.set_output("approved-at", decision.at or datetime.now(UTC).isoformat())

    planned_with = (stored.metadata.engine, stored.metadata.engine_version)
    # Fresh credentials for the engine: the approval may have taken a while (issue mode
    # waits up to approval-timeout), and the apply then gets the role's full duration.
    prepared = prepare_engine(runner, tf, request.aws, make_session, planned_with)
    if isinstance(prepared, int):
        runner.set_output("result", "failed")
        runner.set_output("failure_reason", "apply-failed")
        return prepared
    engine, _, version = prepared
    with runner.group(f"{version.name} apply {stored.metadata.plan_id}"):
        result = engine.apply(stored.plan_file, lock_timeout=tf.lock_timeout)
    report_diagnostics(runner, result.diagnostics, tf.workdir, version.name)
    if result.lock is not None:
        runner.set_output("lock_info", dataclasses.asdict(result.lock))
        return refuse(runner, "state-locked", f"the state is locked: {result.lock.describe()}")
    if result.stale:
        return refuse(
            runner,
            "plan-stale",
            "the state changed since this plan was made; plan again and review",
        )
    if result.exit_code != 0:
        return refuse(runner, "apply-failed", f"apply exited {result.exit_code}", failed=True)

    store.mark_applied(
        ref,
        {
            "plan_id": ref.plan_id,
            "applied_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "run_id": binding.run_id,
            "run_attempt": int(runner.env.get("GITHUB_RUN_ATTEMPT") or 1),
            "approved_by": decision.approver or "",
        },
    )
    runner.set_output("outputs", masked_outputs(runner, engine.outputs()))
    runner.set_output("result", "applied")
    runner.info(f"applied {stored.metadata.plan_id}")
    return 0
