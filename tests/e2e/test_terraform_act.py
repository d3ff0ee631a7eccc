"""tf-plan then tf-apply-gated the way a consumer runs them: a workflow run by act, with the
S3 backend and plan store on the emulator and GitHub's API played by the test double."""

from __future__ import annotations

import json
import os
import platform
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from localrun.engines import path_without_engines
from tests.e2e.conftest import EMULATOR_CREDENTIALS, run_workflow
from tests.fakes.github_api import FakeGitHub
from tests.fakes.release_site import EngineBuild

from slipway.terraform.engine_releases import platform_names

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
RUN_ID = 4242


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(
        tokens={"act-token": "github-actions[bot]"}, repositories=("acme/infra",)
    ) as server:
        server.protect_environment("prod", reviewers=("lead",))
        yield server


@pytest.fixture
def s3(aws: str) -> Any:
    """The state and plan store buckets, on a clean emulator."""
    client = boto3.client("s3")
    client.create_bucket(Bucket="tf-state")
    client.create_bucket(Bucket="plans")
    return client


def run_act(
    aws: str, github: FakeGitHub, tmp_path: Path, pr: int, engine_env: dict[str, str]
) -> tuple[dict[str, str], str]:
    backend = tmp_path / "prod.s3.tfbackend"
    backend.write_text(
        "\n".join(
            [
                'bucket = "tf-state"',
                'key = "prod/terraform.tfstate"',
                'region = "us-east-1"',
                "use_lockfile = true",
                "use_path_style = true",
                "skip_credentials_validation = true",
                "skip_requesting_account_id = true",
                "skip_metadata_api_check = true",
                "skip_region_validation = true",
                f'endpoints = {{ s3 = "{aws}" }}',
            ]
        )
        + "\n"
    )
    env = {
        "AWS_ENDPOINT_URL": aws,
        **EMULATOR_CREDENTIALS,
        "GITHUB_API_URL": github.url,
        "GITHUB_REPOSITORY": "acme/infra",
        "GITHUB_RUN_ID": str(RUN_ID),
        # As on GitHub's runners: no engine on PATH, tf-plan installs it (verified).
        "PATH": path_without_engines(os.environ["PATH"]),
        **engine_env,
        "TF_CLI_CONFIG_FILE": "/dev/null",
        "BACKEND_FILE": str(backend),
        "PLAN_BUCKET": "plans",
    }
    run = run_workflow(
        "terraform.yml",
        tmp_path,
        env,
        event="pull_request",
        payload={"pull_request": {"number": pr, "head": {"ref": "grow"}}},
        secrets={"GITHUB_TOKEN": "act-token"},
    )
    assert run.returncode == 0, run.log
    return run.result, run.log


def state(s3: Any) -> dict[str, Any]:
    return json.loads(s3.get_object(Bucket="tf-state", Key="prod/terraform.tfstate")["Body"].read())


def test_reviewed_plan_is_applied_after_the_environment_approval(
    *,
    aws: str,
    s3: Any,
    github: FakeGitHub,
    tmp_path: Path,
    engine_env: dict[str, str],
    engine_builds: list[EngineBuild],
) -> None:
    pr = github.open_pull_request("Add the web service")
    github.set_approvals(RUN_ID, [FakeGitHub.review("approved", "lead", ("prod",))])
    result, log = run_act(aws, github, tmp_path, pr, engine_env)
    assert result["plan_outcome"] == "success", log
    # No engine on PATH: tf-plan installed it, verified, into the runner's tool cache (act
    # gives each run its own, as a fresh hosted runner has), and tf-apply-gated found it there.
    version = next(b.version for b in engine_builds if b.engine == "terraform")
    arch = platform_names(platform.system(), platform.machine())[1]
    pattern = rf"\| terraform {re.escape(version)} \((.+?); (\w+).*?\): (\S+)$"
    installed = re.findall(pattern, log, re.M)
    assert [(why, how) for why, how, _ in installed] == [
        ("required_version", "installed"),
        ("the stored plan", "from"),
    ], log
    tail = f"/act/tool_cache/slipway/terraform/{version}/{arch}/terraform"
    assert all(path.endswith(tail) for _, _, path in installed), installed
    assert result["plan_changes"] == "true"
    assert result["plan_id"].startswith("prod-")
    assert result["apply_outcome"] == "success", log
    assert result["apply_result"] == "applied"
    assert result["failure_reason"] == ""
    assert result["approved_by"] == "lead"
    assert json.loads(result["tf_outputs"]) == {"service": {"name": "web", "replicas": 2}}
    resources = state(s3)["resources"]
    assert [r["name"] for r in resources] == ["service"]
    comments = github.comments(pr, "acme/infra")
    assert len(comments) == 1
    assert "Plan: 1 to add" in comments[0]["body"]
    assert result["comment_url"] == comments[0]["html_url"]


def test_unapproved_apply_is_refused_through_act(
    aws: str, s3: Any, github: FakeGitHub, tmp_path: Path, engine_env: dict[str, str]
) -> None:
    pr = github.open_pull_request("Add the web service")
    github.set_approvals(RUN_ID, [])  # the run exists; nobody reviewed the deployment
    result, log = run_act(aws, github, tmp_path, pr, engine_env)
    assert result["plan_outcome"] == "success", log
    assert result["apply_outcome"] == "failure", log
    assert (result["apply_result"], result["failure_reason"]) == ("refused", "not-approved"), log
    assert "no approval recorded for environment 'prod'" in log
    with pytest.raises(s3.exceptions.NoSuchKey):
        state(s3)
