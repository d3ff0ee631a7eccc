"""`slipway tf-plan`: plan, store the reviewed plan, and show it where reviewers look."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slipway.aws.config import AwsSettings
from slipway.commands.common import AWS_INPUTS, read_aws_settings
from slipway.commands.plan_review import ON_PLAN_CHANGE
from slipway.commands.terraform_common import (
    TERRAFORM_INPUTS,
    TerraformSettings,
    read_terraform_settings,
)
from slipway.gha.inputs import InputError, Inputs
from slipway.gha.runner import Runner
from slipway.gha.spec import ActionSpec, Input, Output

SPEC = ActionSpec(
    command="tf-plan",
    title="slipway tf-plan",
    description=(
        "Terraform/OpenTofu plan for one environment: stored in S3 bound to the commit and a "
        "hash, summarised in a sticky PR comment and the job summary; drift mode for schedules."
    ),
    icon="file-text",
    inputs=(
        *TERRAFORM_INPUTS,
        Input("var-files", "Variable files, one per line, relative to working-directory."),
        Input(
            "variables",
            "Variables as key=value, one per line (passed through a temporary var file, never "
            "on the command line).",
        ),
        Input("destroy", "Plan to destroy everything (plan -destroy).", default="false"),
        Input(
            "mode",
            "`plan` (pull requests: sticky comment) or `drift` (schedules: one issue per "
            "environment opened while the plan has changes, closed when it has none).",
            default="plan",
        ),
        Input("comment", "Post the plan on the pull request.", default="true"),
        Input(
            "comment-on-changes-only",
            "Only comment when the plan has changes (an existing comment is still updated).",
            default="false",
        ),
        Input(
            "on-plan-change",
            "On the default branch, when the plan differs from the one last shown on the merged "
            "pull request for this environment: `warn` goes on; `require-approval` goes on only "
            "if an approval of this plan follows (`approval` is not `none`); `fail` stops.",
            default="require-approval",
        ),
        Input(
            "approval",
            "The approval the apply of this plan will need (`environment`, `issue` or `none`); "
            "read by on-plan-change.",
            default="none",
        ),
        *AWS_INPUTS,
    ),
    outputs=(
        Output("changes", "`true` when the plan has changes."),
        Output("add", "Resources to add."),
        Output("change", "Resources to change in place."),
        Output("destroy", "Resources to destroy."),
        Output("replace", "Resources to replace."),
        Output("counts", "All counts as JSON (add, change, destroy, replace, import, move, …)."),
        Output("plan-id", "Identifier of the stored plan: <environment>-<sha12>-<hash12>."),
        Output(
            "plan-digest",
            "SHA-256 of the stored plan's metadata, which pins every file of the plan: give "
            "it with plan-id to tf-apply-gated, which applies that plan and nothing else.",
        ),
        Output(
            "plan-source",
            "`default-branch` for a plan made on the default branch, `pull-requests` for any "
            "other ref; only default-branch plans are applied on the default branch.",
        ),
        Output("plan-uri", "S3 location of the stored plan."),
        Output("json-plan-path", "Local path of the plan as JSON (terraform show -json)."),
        Output("text-plan-path", "Local path of the human-readable plan."),
        Output("comment-url", "URL of the pull-request comment, when one was written."),
        Output(
            "plan-changed",
            "Default branch: `true` when the plan differs from the one reviewed on the merged "
            "pull request, `false` when it is the same, empty when nothing could be compared.",
        ),
        Output("reviewed-plan-id", "Default branch: the plan shown on the merged pull request."),
        Output("pull-request", "Default branch: the number of the merged pull request."),
        Output("drift-issue", "Number of the drift issue (drift mode), when there is one."),
    ),
)


@dataclass(frozen=True)
class PlanRequest:
    tf: TerraformSettings
    var_files: tuple[Path, ...]
    variables: Mapping[str, str]
    destroy: bool
    mode: str
    comment: bool
    comment_on_changes_only: bool
    on_plan_change: str
    approval: str
    aws: AwsSettings


def parse(inputs: Inputs, env: Mapping[str, str]) -> PlanRequest:
    """Every input validated, before anything runs."""
    tf = read_terraform_settings(inputs, env)
    var_files = []
    for name in inputs.list("var-files", lines_only=True):
        path = (tf.workdir / name).resolve()
        if not path.is_file():
            raise InputError("var-files", "existing files relative to working-directory", name)
        var_files.append(path)
    mode = inputs.string("mode", choices=("plan", "drift")) or "plan"
    return PlanRequest(
        tf=tf,
        var_files=tuple(var_files),
        variables=inputs.mapping("variables", lines_only=True),
        destroy=inputs.boolean("destroy", default=False),
        mode=mode,
        comment=inputs.boolean("comment", default=True),
        comment_on_changes_only=inputs.boolean("comment-on-changes-only", default=False),
        on_plan_change=inputs.string("on-plan-change", choices=ON_PLAN_CHANGE)
        or "require-approval",
        approval=inputs.string("approval", choices=("environment", "issue", "none")) or "none",
        aws=read_aws_settings(inputs, env),
    )


def work_dir(env: Mapping[str, str], settings: TerraformSettings) -> Path:
    base = Path(env.get("RUNNER_TEMP") or tempfile.gettempdir()) / "slipway" / "tf"
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{settings.environment}-", dir=base))


def plan_metadata(
    env: Mapping[str, str], tf: TerraformSettings, version: Any, planfile: Path, plan: Any
) -> Any:
    """What binds this plan to this run (see slipway.terraform.plan_integrity)."""
    from slipway.commands.terraform_flow import run_binding
    from slipway.terraform.plan_integrity import PlanMetadata
    from slipway.terraform.plan_keys import file_sha256, utc_timestamp

    return PlanMetadata.for_run(
        run_binding(env, tf),
        engine="tofu" if version.name == "tofu" else "terraform",
        engine_version=version.version,
        plan_sha256=file_sha256(planfile),
        created_at=utc_timestamp(),
        counts=plan.counts,
        has_changes=plan.has_changes,
    )


def run(runner: Runner) -> int:
    from slipway.aws.session import make_session
    from slipway.commands.terraform_flow import prepare_engine, report_diagnostics
    from slipway.terraform.plan import PlanFormatError, load_plan
    from slipway.terraform.plan_store import PlanStore
    from slipway.terraform.render import one_line_counts

    try:
        request = parse(runner.inputs, runner.env)
    except ValueError as error:
        return runner.fail(str(error))
    tf = request.tf
    prepared = prepare_engine(runner, tf, request.aws, make_session)
    if isinstance(prepared, int):
        return prepared
    engine, session, version = prepared

    out = work_dir(runner.env, tf)
    planfile = out / "plan.tfplan"
    with runner.group(f"{version.name} plan ({tf.environment})"):
        result = engine.plan(
            out=planfile,
            var_files=request.var_files,
            variables=request.variables,
            destroy=request.destroy,
            lock_timeout=tf.lock_timeout,
        )
    report_diagnostics(runner, result.diagnostics, tf.workdir, version.name)
    if result.lock is not None:
        return runner.fail(f"the state is locked: {result.lock.describe()}")
    if result.exit_code not in (0, 2):
        return runner.fail(f"{version.name} plan failed (exit {result.exit_code})")

    json_path = engine.show_json(planfile)
    text_path = out / "plan.txt"
    text_path.write_text(engine.show_text(planfile))
    try:
        plan = load_plan(json_path)
    except PlanFormatError as error:
        return runner.fail(str(error))
    metadata = plan_metadata(runner.env, tf, version, planfile, plan)
    store = PlanStore(session.client("s3"), tf.bucket, tf.prefix, kms_key_id=tf.kms_key)
    saved = store.save(metadata, planfile, json_path, text_path)
    # The binary plan can hold secrets in clear and is in the store now: not left on disk.
    planfile.unlink(missing_ok=True)
    uri = saved.uri
    runner.info(f"plan stored: {uri} ({metadata.plan_id})")

    runner.set_output("changes", plan.has_changes)
    counts = plan.counts
    for name in ("add", "change", "destroy", "replace"):
        runner.set_output(name, getattr(counts, name))
    runner.set_output("counts", dataclasses.asdict(counts))
    runner.set_output("plan-id", saved.plan_id)
    runner.set_output("plan-digest", saved.digest)
    runner.set_output("plan-source", metadata.source)
    runner.set_output("plan-uri", uri)
    runner.set_output("json-plan-path", str(json_path))
    runner.set_output("text-plan-path", str(text_path))
    runner.info(one_line_counts(plan))
    return publish(
        runner,
        request,
        store=store,
        saved=saved,
        backend=metadata.backend,
        plan=plan,
        files=(json_path, text_path),
        out=out,
    )


def plan_comment_body(
    plan: Any,
    *,
    key: str,
    title: str,
    full_text: str,
    details_url: str | None,
    preface: str = "",
    marker: str = "",
) -> str:
    """The sticky comment's body: the sticky header (added when it is written), the preface
    and the plan marker are reserved before the plan is fitted, so the plan's tail (the
    closing fence and the link to the full plan) is never the part cut off."""
    from slipway.github.sticky import body_room
    from slipway.terraform.render import render_comment

    room = body_room(key) - len(preface) - len(marker) - 1
    rendered = render_comment(
        plan, title=title, full_plan_text=full_text, details_url=details_url, limit=room
    )
    return preface + rendered + "\n" + marker


def publish(
    runner: Runner,
    request: PlanRequest,
    *,
    store: Any,
    saved: Any,
    backend: str,
    plan: Any,
    files: tuple[Path, Path],
    out: Path,
) -> int:
    """Show the plan where reviewers and approvers look: the job summary, the pull
    request's sticky comment, or (on the default branch) a sticky comment on the merged pull
    request with how the plan compares with the one reviewed there; then apply
    on-plan-change."""
    from slipway.commands.plan_review import (
        plan_change_refusal,
        plan_marker,
        review_against_pull_request,
    )
    from slipway.commands.terraform_flow import (
        post_plan_comment,
        pull_request_number,
        run_page,
        sync_drift,
    )
    from slipway.terraform.render import render_summary

    tf = request.tf
    json_path, text_path = files
    title = f"`{tf.directory}` · {tf.environment}" + (
        f" · workspace {tf.workspace}" if tf.workspace else ""
    )
    full_text = text_path.read_text()
    pr_key = f"{tf.directory}|{tf.workspace or tf.environment}|{backend}"
    review = None
    if saved.ref.source == "default-branch" and request.mode == "plan":
        review = review_against_pull_request(
            runner, tf, store=store, pr_key=pr_key, current_json=json_path, work=out
        )
        runner.set_output("plan-changed", "" if review.changed is None else review.changed)
        runner.set_output("reviewed-plan-id", review.reviewed_plan_id or "")
        runner.set_output("pull-request", review.pull_request or "")
        title += f" at {tf.commit_sha[:7]}"
    preface = review.markdown() + "\n" if review else ""
    runner.write_summary(
        preface
        + render_summary(plan, title=title, full_plan_text=full_text, details_url=None)
        + f"\n\nStored as `{saved.plan_id}` at `{saved.uri}`.\n"
    )
    marker = plan_marker(saved.plan_id, saved.digest, tf.commit_sha, saved.ref.source)
    key = pr_key if review is None else pr_key + "|default-branch"
    comment = plan_comment_body(
        plan,
        key=key,
        title=title,
        full_text=full_text,
        details_url=run_page(runner.env),
        preface=preface,
        marker=marker,
    )
    if request.mode == "drift":
        sync_drift(runner, tf, plan.has_changes, comment)
        return 0
    pr_number = review.pull_request if review is not None else pull_request_number(runner.env)
    if request.comment and pr_number is not None:
        post_plan_comment(
            runner,
            tf,
            pr_number,
            key,
            comment,
            only_if_changes=request.comment_on_changes_only and review is None,
            has_changes=plan.has_changes,
        )
    if review is not None:
        (runner.warning if review.changed else runner.info)(review.note)
        refusal = plan_change_refusal(request.on_plan_change, request.approval, review)
        if refusal:
            return runner.fail(refusal)
    return 0
