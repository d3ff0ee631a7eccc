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
from slipway.commands.terraform_common import (
    TERRAFORM_INPUTS,
    TerraformSettings,
    backend_settings,
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
    from slipway.commands.terraform_flow import run_source
    from slipway.terraform.plan_integrity import PlanMetadata
    from slipway.terraform.plan_keys import backend_fingerprint, file_sha256, utc_timestamp

    return PlanMetadata(
        repository=tf.repository,
        environment=tf.environment,
        directory=tf.directory,
        commit_sha=tf.commit_sha,
        source=run_source(env),
        engine="tofu" if version.name == "tofu" else "terraform",
        engine_version=version.version,
        plan_sha256=file_sha256(planfile),
        created_at=utc_timestamp(),
        counts=plan.counts,
        has_changes=plan.has_changes,
        run_id=env.get("GITHUB_RUN_ID", ""),
        run_attempt=int(env.get("GITHUB_RUN_ATTEMPT") or 1),
        event=env.get("GITHUB_EVENT_NAME", ""),
        ref=env.get("GITHUB_REF", ""),
        backend=backend_fingerprint(*backend_settings(tf)),
        workspace=tf.workspace or "default",
    )


def run(runner: Runner) -> int:
    from slipway.aws.session import make_session
    from slipway.commands.terraform_flow import (
        post_plan_comment,
        prepare_engine,
        pull_request_number,
        report_diagnostics,
        run_page,
        sync_drift,
    )
    from slipway.terraform.plan import load_plan
    from slipway.terraform.plan_store import PlanStore
    from slipway.terraform.render import one_line_counts, render_comment, render_summary

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
    plan = load_plan(json_path)
    metadata = plan_metadata(runner.env, tf, version, planfile, plan)
    store = PlanStore(session.client("s3"), tf.bucket, tf.prefix, kms_key_id=tf.kms_key)
    saved = store.save(metadata, planfile, json_path, text_path)
    # The binary plan can hold secrets in clear and is in the store now: not left on disk.
    planfile.unlink(missing_ok=True)
    uri = saved.uri
    runner.info(f"plan stored: {uri} ({metadata.plan_id})")

    title = f"`{tf.directory}` · {tf.environment}" + (
        f" · workspace {tf.workspace}" if tf.workspace else ""
    )
    full_text = text_path.read_text()
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
    runner.write_summary(
        render_summary(plan, title=title, full_plan_text=full_text, details_url=None)
        + f"\n\nStored as `{metadata.plan_id}` at `{uri}`.\n"
    )
    runner.info(one_line_counts(plan))

    comment = render_comment(
        plan, title=title, full_plan_text=full_text, details_url=run_page(runner.env)
    )
    if request.mode == "drift":
        sync_drift(runner, tf, plan.has_changes, comment)
        return 0
    pr_number = pull_request_number(runner.env)
    if request.comment and pr_number is not None:
        key = f"{tf.directory}|{tf.workspace or tf.environment}|{metadata.backend}"
        post_plan_comment(
            runner,
            tf,
            pr_number,
            key,
            comment,
            only_if_changes=request.comment_on_changes_only,
            has_changes=plan.has_changes,
        )
    return 0
