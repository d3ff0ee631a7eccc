"""The infrastructure pipeline (.github/workflows/infra.yml and infra-environment.yml) run
by act as a consumer runs it: plans on a pull request, dev → staging → prod applies on the
default branch, and a personal environment created then destroyed; the example callers
(examples/workflows) run too, up to their first check of the environment's settings.

Two emulated AWS accounts: dev and staging in 111111111111, prod in 222222222222. Every job
assumes its environment's role through GitHub OIDC (the test double's token endpoint, then
moto's AssumeRoleWithWebIdentity), so the state lands in the account of the role the
variables name. The workflows reference slipway's actions and nested workflow as
``slipway-platform/slipway/…@v0``; act resolves them from a copy of this repository's files
(what a release tag holds).

act's limitations, and how the test works around them:
- act ignores ``environment:``: its ``vars`` are the same for every job and no job waits for
  reviewers. Each act run therefore covers the environments one set of variables describes
  (dev and staging share an account, prod has its own), with the environments list passed
  as a variable; production's approval is what tf-apply-gated reads from the test double.
- act has no OIDC token endpoint: ACTIONS_ID_TOKEN_REQUEST_URL points at the test double,
  which gives every job of one act run the same token (its subject names the environment the
  run was started for, or the default branch without one). The plan and apply roles trust
  their environments' subjects, as account-bootstrap's do, and also the default branch's:
  the subject act's push runs present (the emulator checks trust policies, as STS does).
- act ends a run at its first failed job: the `always()` jobs after it (infra.yml's report,
  the caller's record) do not run, so a refused stage's outputs are read from act's log.
- act fetches every remote action of a job before the job starts, even one whose `if:` is
  false: the workflows use no third-party action besides actions/checkout (served offline).
- act copies a --local-repository directory for every action it runs (and again for its
  post step): mapping the working tree with its virtual environment costs ~20 s per action,
  hence the copy of the tracked files.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from localrun import act, workspace
from localrun.engines import path_without_engines
from tests.e2e.conftest import ActRun, run_workflow
from tests.fakes.github_api import FakeGitHub
from tests.support import in_account
from tests.unit.aws.fake_oidc import trusting_role

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
RUN_ID = 5151
REPOSITORY = "acme/infra"
SLIPWAY = "slipway-platform/slipway@v0"
DEV_ACCOUNT = "111111111111"
PROD_ACCOUNT = "222222222222"
ACCOUNT_OF = {"dev": DEV_ACCOUNT, "staging": DEV_ACCOUNT, "prod": PROD_ACCOUNT}
PUSH = {"ref": "refs/heads/main", "repository": {"default_branch": "main"}}


def state_bucket(account: str) -> str:
    return f"acme-tfstate-{account}"


@pytest.fixture(scope="module")
def release_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's files without ignored ones (.venv, caches): what the v0 tag holds.
    act copies a local repository for every action it runs, so it must stay small."""
    tree = tmp_path_factory.mktemp("slipway-v0")
    workspace.copy_files(REPO, tree)
    return tree


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(
        tokens={"act-token": "github-actions[bot]"}, repositories=(REPOSITORY,)
    ) as server:
        # As the setup docs ask: production is protected by required reviewers.
        server.protect_environment("prod", reviewers=("lead", "carol"))
        yield server


def github_roles(account: str) -> None:
    """The plan and apply roles of ``account``'s environments, trusting GitHub's OIDC tokens
    of those environments (and of the default branch: see the module's docstring)."""
    iam = in_account("iam", account)
    environments = [e for e, a in ACCOUNT_OF.items() if a == account]
    branch = f"repo:{REPOSITORY}:ref:refs/heads/main"
    for role, suffix in (("terraform-plan", "-plan"), ("terraform-apply", "")):
        subjects = [f"repo:{REPOSITORY}:environment:{e}{suffix}" for e in environments]
        trusting_role(iam, role, [*subjects, branch])


@pytest.fixture
def s3(aws: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Each account's state bucket and OIDC roles, on a clean emulator; the S3 clients by
    account.

    Then the emulator's keys leave the environment (act passes it on to the jobs): every
    AWS call the workflows make must use the role they assume through OIDC."""
    clients = {account: in_account("s3", account) for account in (DEV_ACCOUNT, PROD_ACCOUNT)}
    for account, client in clients.items():
        client.create_bucket(Bucket=state_bucket(account))
        github_roles(account)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    return clients


def write_backends(directory: Path, aws: str) -> Path:
    """The consumer's backends/<env>.s3.tfbackend files: how to reach the emulator's S3
    (bucket, key and region come from the workflow)."""
    directory.mkdir()
    settings = [
        "use_path_style = true",
        "skip_credentials_validation = true",
        "skip_requesting_account_id = true",
        "skip_metadata_api_check = true",
        "skip_region_validation = true",
        f'endpoints = {{ s3 = "{aws}" }}',
    ]
    for environment in ACCOUNT_OF:
        (directory / f"{environment}.s3.tfbackend").write_text("\n".join(settings) + "\n")
    return directory


def variables(account: str, environments: list[str], backend_dir: Path) -> dict[str, str]:
    """What the GitHub environments of ``account`` hold (TEST_* are the caller's inputs)."""
    return {
        "AWS_REGION": "us-east-1",
        "AWS_ACCOUNT_ID": account,
        "TF_PLAN_ROLE_ARN": f"arn:aws:iam::{account}:role/terraform-plan",
        "TF_APPLY_ROLE_ARN": f"arn:aws:iam::{account}:role/terraform-apply",
        "TF_STATE_BUCKET": state_bucket(account),
        "TF_PLAN_STORE_BUCKET": "",
        "TEST_ENVIRONMENTS": json.dumps(environments),
        "TEST_BACKEND_DIR": str(backend_dir),
        "TEST_VARIABLES": "",
    }


@dataclass
class Pipeline:
    """Runs the caller workflows with act against this test's emulator and GitHub double."""

    aws: str
    github: FakeGitHub
    release_tree: Path
    backend_dir: Path
    tmp_path: Path
    engine_env: dict[str, str]

    def run(
        self,
        workflow: str,
        name: str,
        *,
        account: str,
        environments: list[str],
        event: str,
        payload: dict[str, Any] | None = None,
        inputs: dict[str, str] | None = None,
        oidc_environment: str = "",
        unset: tuple[str, ...] = (),
        extra: dict[str, str] | None = None,
    ) -> ActRun:
        directory = self.tmp_path / name
        directory.mkdir()
        env = {
            "AWS_ENDPOINT_URL": self.aws,
            # No AWS keys: every AWS call uses the role assumed through OIDC.
            "AWS_REGION": "us-east-1",
            "GITHUB_API_URL": self.github.url,
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_RUN_ID": str(RUN_ID),
            # As on GitHub's runners: no engine on PATH; every job installs it (verified) from
            # the local release site, and shares providers through the actions/cache stand-in.
            "PATH": path_without_engines(os.environ["PATH"]),
            **self.engine_env,
            "SLIPWAY_ACTIONS_CACHE_DIR": str(self.tmp_path / "actions-cache"),
            "TF_CLI_CONFIG_FILE": "/dev/null",
            **self.github.oidc_env(oidc_environment),
        }
        return run_workflow(
            workflow,
            directory,
            env,
            event=event,
            payload=payload,
            secrets={"GITHUB_TOKEN": "act-token"},
            variables={
                name: value
                for name, value in {
                    **variables(account, environments, self.backend_dir),
                    **(extra or {}),
                }.items()
                if name not in unset
            },
            inputs=inputs,
            local_repositories={SLIPWAY: self.release_tree},
        )


@pytest.fixture
def pipeline(
    *,
    aws: str,
    s3: dict[str, Any],
    github: FakeGitHub,
    release_tree: Path,
    tmp_path: Path,
    engine_env: dict[str, str],
) -> Pipeline:
    backend_dir = write_backends(tmp_path / "backends", aws)
    return Pipeline(aws, github, release_tree, backend_dir, tmp_path, engine_env)


def pipeline_results(run: ActRun) -> dict[str, dict[str, str]]:
    """infra.yml's `results` output, as the caller's record job wrote it."""
    recorded: dict[str, Any] = dict(run.result)
    return dict(recorded["results"])


def step_outputs(log: str, job: str) -> dict[str, str]:
    """The outputs act logged for the steps of ``job`` (single-line values; last one wins)."""
    return {
        name: value for label, name, value in act.step_outputs(log) if label.startswith(f"{job}/")
    }


def keys(client: Any, account: str, prefix: str = "") -> list[str]:
    listing = client.list_objects_v2(Bucket=state_bucket(account), Prefix=prefix)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def state(client: Any, account: str, environment: str) -> dict[str, Any]:
    body = client.get_object(Bucket=state_bucket(account), Key=f"{environment}/terraform.tfstate")
    return dict(json.loads(body["Body"].read()))


def stack(client: Any, account: str, environment: str) -> dict[str, Any]:
    return dict(state(client, account, environment)["outputs"]["stack"]["value"])


def test_pull_request_plans_each_environment_in_its_account_and_applies_nothing(
    pipeline: Pipeline, s3: dict[str, Any], github: FakeGitHub
) -> None:
    pr = github.open_pull_request("Grow the stack")
    payload = {"pull_request": {"number": pr, "head": {"ref": "grow"}}}
    for environment in ("dev", "prod"):
        run = pipeline.run(
            "infra.yml",
            f"plan-{environment}",
            account=ACCOUNT_OF[environment],
            environments=[environment],
            event="pull_request",
            payload=payload,
            oidc_environment=f"{environment}-plan",
        )
        assert run.returncode == 0, run.log
        assert run.result == {"job": "success", "mode": "plan", "results": {}}, run.log
        assert not [line for line in run.log.splitlines() if line.startswith("[apply-")]

    comments = github.comments(pr, REPOSITORY)
    assert len(comments) == 2
    for comment, (environment, replicas) in zip(comments, (("dev", 1), ("prod", 3)), strict=True):
        body = comment["body"]
        assert f"## Terraform plan: `tests/e2e/terraform/infra` · {environment}\n" in body
        assert f"bucket={state_bucket(ACCOUNT_OF[environment])},key={environment}/" in body
        assert "**Plan: 1 to add, 0 to change, 0 to destroy.**" in body
        assert f"+ replicas    = {replicas}" in body
    # Plans are stored in each environment's own account; no state was written anywhere.
    dev_keys = keys(s3[DEV_ACCOUNT], DEV_ACCOUNT)
    prod_keys = keys(s3[PROD_ACCOUNT], PROD_ACCOUNT)
    assert dev_keys and all(k.startswith(f"slipway/plans/{REPOSITORY}/dev/") for k in dev_keys)
    assert prod_keys and all(k.startswith(f"slipway/plans/{REPOSITORY}/prod/") for k in prod_keys)
    tokens = {(t["environment"], t["aud"]) for t in github.oidc_tokens}
    assert tokens == {("dev-plan", "sts.amazonaws.com"), ("prod-plan", "sts.amazonaws.com")}


def test_default_branch_applies_in_order_and_prod_waits_for_a_verified_approval(
    pipeline: Pipeline, s3: dict[str, Any], github: FakeGitHub
) -> None:
    github.set_approvals(RUN_ID, [])  # the run exists; nobody has reviewed it yet

    # dev then staging: one account, one act run, the stages chained in order.
    run = pipeline.run(
        "infra.yml",
        "dev-staging",
        account=DEV_ACCOUNT,
        environments=["dev", "staging"],
        event="push",
        payload=PUSH,
    )
    assert run.returncode == 0, run.log
    assert run.result["mode"] == "apply"
    results = pipeline_results(run)
    assert [results[e]["result"] for e in ("dev", "staging")] == ["applied", "applied"], run.log
    assert results["dev"]["plan-id"].startswith("dev-")
    lines = run.log.splitlines()
    dev_done = max(i for i, line in enumerate(lines) if line.startswith("[apply-1/"))
    staging_start = min(i for i, line in enumerate(lines) if line.startswith("[apply-2/"))
    assert dev_done < staging_start, "staging started before dev finished"

    # prod, without a reviewer's approval: refused, nothing applied.
    prod: dict[str, Any] = {
        "account": PROD_ACCOUNT,
        "environments": ["prod"],
        "event": "push",
        "payload": PUSH,
    }
    run = pipeline.run("infra.yml", "prod-refused", **prod)
    assert run.returncode != 0, run.log
    # act ends the run at the failed job, so the report and record jobs do not run: read
    # the stage's step outputs from act's log instead.
    assert run.result == {}
    refused = step_outputs(run.log, "apply-1")
    assert (refused["result"], refused["failure_reason"]) == ("refused", "not-approved"), run.log
    assert "no approval recorded for environment 'prod' in run 5151" in run.log
    assert not [line for line in run.log.splitlines() if line.startswith("[apply-2/")]
    assert keys(s3[PROD_ACCOUNT], PROD_ACCOUNT, "prod/terraform.tfstate") == []

    # A reviewer approves the run's prod deployment: the same commit is applied.
    github.set_approvals(RUN_ID, [FakeGitHub.review("approved", "lead", ("prod",))])
    run = pipeline.run("infra.yml", "prod-approved", **prod)
    assert run.returncode == 0, run.log
    applied = pipeline_results(run)["prod"]
    assert (applied["result"], applied["approved-by"]) == ("applied", "lead"), run.log

    # Each state lives in its environment's account only.
    assert stack(s3[DEV_ACCOUNT], DEV_ACCOUNT, "dev") == {
        "environment": "dev",
        "name": "dev",
        "replicas": 1,
    }
    assert stack(s3[DEV_ACCOUNT], DEV_ACCOUNT, "staging")["replicas"] == 2
    assert stack(s3[PROD_ACCOUNT], PROD_ACCOUNT, "prod") == {
        "environment": "prod",
        "name": "prod",
        "replicas": 3,
    }
    assert keys(s3[PROD_ACCOUNT], PROD_ACCOUNT, "dev/") == []
    assert keys(s3[PROD_ACCOUNT], PROD_ACCOUNT, "staging/") == []
    assert keys(s3[DEV_ACCOUNT], DEV_ACCOUNT, "prod/") == []


def test_prod_plan_is_shown_with_its_difference_before_the_approval_then_applied_as_shown(
    pipeline: Pipeline, s3: dict[str, Any], github: FakeGitHub
) -> None:
    """A pull request is planned; the commit that lands on main changes prod's plan; prod's
    plan is shown on the merged pull request with that difference before anyone approves;
    the reviewer approves after reading it; exactly that plan is applied, and the pull
    request shows the result."""
    sha = workspace.git(REPO, "rev-parse", "HEAD")
    pr = github.open_pull_request("Grow the stack", login="alice")
    github.add_pull_commits(pr, [(sha, "alice", "alice")])
    prod: dict[str, Any] = {"account": PROD_ACCOUNT, "environments": ["prod"]}
    run = pipeline.run(
        "infra.yml",
        "pull-request",
        event="pull_request",
        payload={"pull_request": {"number": pr, "head": {"ref": "grow"}}},
        oidc_environment="prod-plan",
        **prod,
    )
    assert run.returncode == 0, run.log
    [reviewed] = github.comments(pr, REPOSITORY)
    assert "+ replicas    = 3" in reviewed["body"]

    # Merged; what landed on main raises prod's replicas. The reviewer reads the plan shown
    # for prod, then approves: the review exists only once that comment does.
    github.merge_pull_request(pr, sha)
    shown_marker = f"prod at {sha[:7]}"
    github.approve_when_commented(
        RUN_ID, FakeGitHub.review("approved", "lead", ("prod",)), shown_marker
    )
    run = pipeline.run(
        "infra.yml",
        "merged",
        event="push",
        payload=PUSH,
        extra={"TEST_VARIABLES": "replicas=4"},
        **prod,
    )
    assert run.returncode == 0, run.log
    result = pipeline_results(run)["prod"]
    assert (result["result"], result["approved-by"], result["plan-changed"]) == (
        "applied",
        "lead",
        "true",
    ), run.log

    # The plan job showed the plan, with its difference, on the merged pull request...
    comments = github.comments(pr, REPOSITORY)
    [shown] = [
        c["body"]
        for c in comments
        if f"· {shown_marker}" in c["body"] and f"{shown_marker}: applied" not in c["body"]
    ]
    assert f"Differs from the plan reviewed on #{pr}: terraform_data.stack create (input)" in shown
    assert "+ replicas    = 4" in shown
    # ...before the approval was read: the apply job asked for it after the comment existed.
    posted = [
        i
        for i, r in enumerate(github.requests)
        if r.method in ("POST", "PATCH") and shown_marker in json.dumps(r.body)
    ]
    read = [i for i, r in enumerate(github.requests) if r.path.endswith(f"/{RUN_ID}/approvals")]
    assert posted and read and posted[0] < read[0]
    # Exactly the plan shown was applied.
    shown_plan = re.search(r"<!-- slipway:plan (\{.*\}) -->", shown)
    assert shown_plan is not None
    assert json.loads(shown_plan.group(1))["id"] == result["plan-id"]
    assert stack(s3[PROD_ACCOUNT], PROD_ACCOUNT, "prod")["replicas"] == 4
    # And the pull request shows the result.
    [outcome] = [c["body"] for c in comments if f"{shown_marker}: applied" in c["body"]]
    assert f"Plan `{result['plan-id']}` was applied, approved by @lead." in outcome


def test_personal_environment_is_created_then_destroyed(
    pipeline: Pipeline, s3: dict[str, Any], github: FakeGitHub
) -> None:
    client = s3[DEV_ACCOUNT]
    for action in ("apply", "destroy"):
        run = pipeline.run(
            "personal-env.yml",
            action,
            account=DEV_ACCOUNT,
            environments=[],
            event="workflow_dispatch",
            inputs={"name": "alice", "action": action},
            oidc_environment="dev",
        )
        assert run.returncode == 0, run.log
        assert (run.result["job"], run.result["result"], run.result["changes"]) == (
            "success",
            "applied",
            "true",
        ), run.log
        if action == "apply":
            assert stack(client, DEV_ACCOUNT, "dev-alice") == {
                "environment": "dev",
                "name": "dev-alice",
                "replicas": 1,
            }
            assert json.loads(run.result["tf_outputs"])["stack"]["name"] == "dev-alice"
    # Every AWS call went through the dev role, assumed with an OIDC token for the dev
    # environment (plan and apply steps, in both runs).
    assert len(github.oidc_tokens) >= 4
    assert {(t["environment"], t["aud"]) for t in github.oidc_tokens} == {
        ("dev", "sts.amazonaws.com")
    }
    # Destroyed: the personal state is empty, and the shared dev state was never touched.
    assert state(client, DEV_ACCOUNT, "dev-alice")["resources"] == []
    assert keys(client, DEV_ACCOUNT, "dev/") == []


EXAMPLES = REPO / "examples" / "workflows"


def test_example_callers_run_and_stop_at_a_missing_setting_before_any_aws_call(
    pipeline: Pipeline, s3: dict[str, Any], github: FakeGitHub
) -> None:
    pr = github.open_pull_request("Grow the stack")
    run = pipeline.run(
        str(EXAMPLES / "infra.yml"),
        "example-infra",
        account=DEV_ACCOUNT,
        environments=[],
        event="pull_request",
        payload={"pull_request": {"number": pr, "head": {"ref": "grow"}}},
        unset=("AWS_REGION",),
    )
    assert run.returncode != 0, run.log
    assert "::error::variable AWS_REGION is not set in GitHub environment 'dev-plan'" in run.log

    run = pipeline.run(
        str(EXAMPLES / "personal-env.yml"),
        "example-personal",
        account=DEV_ACCOUNT,
        environments=[],
        event="workflow_dispatch",
        inputs={"name": "alice smith", "action": "apply"},
    )
    assert run.returncode != 0, run.log
    assert (
        "::error::input 'environment': expected letters, digits, '.', '_' or '-' (at most 64), "
        "got 'dev-alice smith'"
    ) in run.log
    # Both stopped before any token was requested or anything was written.
    assert github.oidc_tokens == []
    assert github.comments(pr, REPOSITORY) == []
    assert keys(s3[DEV_ACCOUNT], DEV_ACCOUNT) == []
