"""Steps tf-plan and tf-apply-gated share: prepare the engine (session, version check,
init, workspace) and report the engine's diagnostics as annotations."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slipway.aws.config import AwsSettings
from slipway.aws.engine_credentials import engine_credentials_environment
from slipway.commands.terraform_common import TerraformSettings
from slipway.gha.runner import Runner

if TYPE_CHECKING:  # the heavy modules stay lazy at run time
    from slipway.aws.session import AwsSession
    from slipway.terraform.engine import Engine, EngineVersion


def engine_environment(
    env: Mapping[str, str], session: Any, settings: AwsSettings
) -> dict[str, str]:
    """The engine's environment: the job's, and when a role is assumed a profile whose
    credential process assumes it again whenever the engine's credentials expire, so the
    backend and the providers act in this environment's account for as long as they run."""
    # Action inputs (the GitHub token among them) are for slipway, not for the engine and
    # its providers.
    result = {k: v for k, v in env.items() if not k.startswith("INPUT_")}
    if settings.role_to_assume:
        result = engine_credentials_environment(result, engine_profile(env, settings))
    result["AWS_REGION"] = session.region
    return result


def engine_profile(env: Mapping[str, str], settings: AwsSettings) -> Path:
    """The engine's AWS config file, in a private directory removed when the step ends (it
    holds no secret: the role, and how to assume it)."""
    import atexit
    import shutil
    import sys
    import tempfile

    from slipway.aws.engine_credentials import credential_process_command, profile_config

    base = Path(env.get("RUNNER_TEMP") or tempfile.gettempdir()) / "slipway" / "aws"
    base.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="engine-", dir=base))
    atexit.register(shutil.rmtree, directory, True)
    config = directory / "config"
    command = credential_process_command(sys.executable, settings, env)
    config.write_text(profile_config(command, settings.region))
    return config


def report_diagnostics(
    runner: Runner, diagnostics: Iterable[Any], workdir: Path, engine: str = "terraform"
) -> None:
    """Engine diagnostics as annotations on the files and lines they point at."""
    workspace = Path(runner.env.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    for diag in diagnostics:
        file = None
        if diag.filename:
            path = (workdir / diag.filename).resolve()
            file = str(path.relative_to(workspace)) if path.is_relative_to(workspace) else str(path)
        message = diag.summary + (f": {diag.detail}" if diag.detail else "")
        annotate = runner.error if diag.severity == "error" else runner.warning
        annotate(
            message,
            file=file,
            line=diag.line,
            end_line=diag.end_line,
            col=diag.column,
            title=f"{engine} {diag.severity}",
        )


def install_settings(runner: Runner, tf: TerraformSettings) -> Any:
    """Where and how engines are installed on this runner."""
    import platform

    from slipway.terraform.engine_install import InstallSettings, default_tool_cache
    from slipway.terraform.engine_releases import platform_names

    os_name, arch = platform_names(platform.system(), platform.machine())
    return InstallSettings(
        tool_cache=default_tool_cache(runner.env),
        os_name=os_name,
        arch=arch,
        mirror=tf.release.mirror,
        signing_key=tf.release.signing_key,
        fingerprint=tf.release.fingerprint,
    )


def engine_binary(
    runner: Runner, tf: TerraformSettings, planned_with: tuple[str, str] | None = None
) -> tuple[Path, EngineVersion]:
    """The engine executable for this run: the explicit ``binary``, or the chosen engine from
    the tool cache (installed and verified first when missing). ``planned_with`` (engine,
    version) forces the engine a saved plan was made with. Raises ValueError."""
    from dataclasses import replace

    from slipway.terraform.engine import EngineVersion, engine_version
    from slipway.terraform.engine_install import install_engine
    from slipway.terraform.engine_releases import ReleaseError

    if tf.binary is not None:
        version = engine_version(tf.binary, runner.env)
        if planned_with and tuple(version) != planned_with:
            raise ReleaseError(
                f"input 'binary': the plan was made with {' '.join(planned_with)}, "
                f"{tf.binary} is {version.name} {version.version}"
            )
        return tf.binary, version
    choice = tf.engine
    assert choice is not None
    if planned_with is not None:
        engine, version_text = planned_with
        if choice.engine != engine or (choice.exact and choice.exact != version_text):
            asked = f"{choice.engine} {choice.exact or ''}".strip()
            raise ReleaseError(
                f"the plan was made with {engine} {version_text}; {choice.reason} asks for {asked}"
            )
        choice = replace(choice, exact=version_text, reason="the stored plan")
    installed = install_engine(choice, install_settings(runner, tf), runner.info)
    how = (
        "from the tool cache"
        if installed.cached
        else f"installed in {installed.seconds:.1f} s, signature by {installed.signed_by}"
    )
    runner.info(
        f"{installed.engine} {installed.version} ({choice.reason}; {how}): {installed.binary}"
    )
    return installed.binary, EngineVersion(installed.engine, installed.version)


def prepare_engine(
    runner: Runner,
    tf: TerraformSettings,
    aws: AwsSettings,
    make_session: Callable[..., AwsSession],
    planned_with: tuple[str, str] | None = None,
) -> tuple[Engine, AwsSession, EngineVersion] | int:
    """Engine ready to plan or apply (initialised, workspace selected), or an exit code."""
    from slipway.terraform.engine import Engine, EngineError
    from slipway.terraform.versions import check_engine_version, required_versions

    try:
        binary, version = engine_binary(runner, tf, planned_with)
    except (ValueError, EngineError) as error:
        return runner.fail(str(error))
    suffixes = (".tf", ".tofu") if version.name == "tofu" else (".tf",)
    problem = check_engine_version(
        version.version, required_versions(tf.workdir, suffixes), version.name
    )
    if problem:
        return runner.fail(problem)
    session = make_session(aws, runner.env, on_secret=runner.mask)
    engine = Engine(
        binary,
        tf.workdir,
        engine_environment(runner.env, session, aws),
        runner.info,
        version=version,
    )
    with runner.group(f"{version.name} init ({tf.environment})"):
        result = engine.init(tf.backend_config)
    report_diagnostics(runner, result.diagnostics, tf.workdir, version.name)
    if result.exit_code != 0:
        return runner.fail(f"{version.name} init failed (exit {result.exit_code})")
    if tf.workspace:
        result = engine.select_workspace(tf.workspace)
        if result.exit_code != 0:
            return runner.fail(f"cannot select workspace '{tf.workspace}'")
    return engine, session, version


def github_session(runner: Runner, tf: TerraformSettings) -> tuple[Any, Any]:
    """(client, context) for the API; raises GitHubConfigError when no token is available."""
    from slipway.github.client import GitHubContext, connect

    context = GitHubContext.from_env(runner.env, tf.github_token)
    runner.mask(context.token)
    # PyGithub spaces out writes to respect GitHub's secondary rate limits; a plain-HTTP API
    # is a local test double, where the pause would only slow the tests.
    return connect(context, throttle=context.api_url.startswith("https://")), context


def run_page(env: Mapping[str, str]) -> str | None:
    """Link to this run's page, for comments that point at the full plan."""
    server, repo, run = (
        env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None


def event_payload(env: Mapping[str, str]) -> dict[str, Any]:
    """The triggering event's payload (empty outside a run, or when unreadable)."""
    import json

    path = env.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return {}
    try:
        payload = json.loads(Path(path).read_text())
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def run_source(env: Mapping[str, str]) -> Any:
    """``default-branch`` when this run is on the repository's default branch (as the event
    names it), else ``pull-requests``: plans of any other ref are never applied there."""
    from slipway.terraform.plan_keys import plan_source

    repository = event_payload(env).get("repository")
    default = repository.get("default_branch") if isinstance(repository, dict) else None
    return plan_source(env.get("GITHUB_REF", ""), default if isinstance(default, str) else None)


def run_binding(env: Mapping[str, str], tf: TerraformSettings) -> Any:
    """What a plan of this run is bound to (slipway.terraform.plan_integrity.RunBinding):
    tf-plan records it, tf-apply-gated requires it."""
    from slipway.commands.terraform_common import backend_settings
    from slipway.terraform.plan_integrity import RunBinding
    from slipway.terraform.plan_keys import backend_fingerprint

    return RunBinding(
        repository=tf.repository,
        environment=tf.environment,
        directory=tf.directory,
        commit_sha=tf.commit_sha,
        source=run_source(env),
        run_id=env.get("GITHUB_RUN_ID", ""),
        run_attempt=int(env.get("GITHUB_RUN_ATTEMPT") or 1),
        event=env.get("GITHUB_EVENT_NAME", ""),
        ref=env.get("GITHUB_REF", ""),
        backend=backend_fingerprint(*backend_settings(tf)),
        workspace=tf.workspace or "default",
    )


def pull_request_number(env: Mapping[str, str]) -> int | None:
    from slipway.github.client import pr_number_from_payload

    path = env.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return None
    import json

    return pr_number_from_payload(
        json.loads(Path(path).read_text()), env.get("GITHUB_EVENT_NAME", "")
    )


def post_plan_comment(
    runner: Runner,
    tf: TerraformSettings,
    pr_number: int,
    key: str,
    body: str,
    *,
    only_if_changes: bool,
    has_changes: bool,
) -> None:
    from slipway.github.sticky import upsert_sticky_comment

    gh, context = github_session(runner, tf)
    result = upsert_sticky_comment(
        gh, context, pr_number, key, body, only_if_changes=only_if_changes, has_changes=has_changes
    )
    for warning in result.warnings:
        runner.warning(warning)
    runner.info(f"plan comment {result.action}" + (f": {result.url}" if result.url else ""))
    if result.url:
        runner.set_output("comment-url", result.url)


def sync_drift(runner: Runner, tf: TerraformSettings, has_drift: bool, body: str) -> None:
    from slipway.github.drift import sync_drift_issue

    gh, context = github_session(runner, tf)
    result = sync_drift_issue(gh, context, tf.environment, has_drift=has_drift, body=body)
    runner.info(
        f"drift issue for {tf.environment}: {result.action}"
        + (f" #{result.number}" if result.number else "")
    )
    if result.number is not None and result.action != "closed":
        runner.set_output("drift-issue", result.number)
    if has_drift:
        runner.warning(
            f"{tf.environment} has drifted from its configuration"
            + (f": {result.url}" if result.url else "")
        )


def people_of_the_change(runner: Runner, gh: Any, context: Any, commit_sha: str) -> dict[str, str]:
    """Everyone whose approval would be a self-approval, and why: who triggered the run (and
    re-ran it), and the authors and committers of the pull requests behind the commit."""
    from slipway.github.pulls import pull_request_people, pulls_for_commit

    run = f"run {context.run_id}" if context.run_id is not None else "this run"
    people: dict[str, str] = {}
    for login, why in (
        (runner.env.get("GITHUB_ACTOR", ""), f"triggered {run}"),
        (runner.env.get("GITHUB_TRIGGERING_ACTOR", ""), f"started this attempt of {run}"),
    ):
        if login:
            people.setdefault(login.casefold(), why)
    for pull in pulls_for_commit(gh, context, commit_sha):
        for login in sorted(pull_request_people(gh, context, pull)):
            people.setdefault(
                login.casefold(), f"authored or committed pull request #{pull.number}"
            )
    return people


def check_approval(runner: Runner, request: Any, summary: str) -> Any:
    """The approval decision for an apply, per the request's mode. With
    ``forbid-self-approval``, nobody who took part in the change approves it."""
    from slipway.github.approvals import (
        ApprovalDecision,
        request_issue_approval,
        verify_environment_approval,
    )

    if request.approval == "none":
        return ApprovalDecision(
            approved=True, approver=None, at=None, comment=None, reason="approval: none"
        )
    gh, context = github_session(runner, request.tf)
    own = (
        people_of_the_change(runner, gh, context, request.tf.commit_sha)
        if request.forbid_self_approval
        else {}
    )
    if request.approval == "environment":
        decision = verify_environment_approval(
            gh,
            context,
            request.github_environment,
            forbid_self_approval=request.forbid_self_approval,
            self_logins=own,
        )
    else:
        sha = request.tf.commit_sha[:7]
        with runner.group(f"Waiting for /approve or /deny on an issue ({request.tf.environment})"):
            decision = request_issue_approval(
                gh,
                context,
                title=f"slipway: approve apply of {request.tf.environment} at {sha}",
                body=summary,
                allowed_users=set(request.approvers),
                allowed_teams=set(request.approver_teams),
                timeout_s=request.approval_timeout,
                poll_s=request.approval_poll,
                forbid_self_approval=request.forbid_self_approval,
                self_logins=own,
            )
    if decision.approved:
        runner.info(f"approved by {decision.approver} at {decision.at}")
    return decision
