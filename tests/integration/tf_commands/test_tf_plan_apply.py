"""tf-plan and tf-apply-gated as commands, on both engines: Terraform and OpenTofu installed
(verified) from the local release site, the S3 backend and plan store on the emulator, and
the GitHub test double for comments and approvals."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from tests.fakes.github_api import FakeGitHub
from tests.support import read_outputs

from slipway.cli import main

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
SHA1 = "1" * 40
SHA2 = "2" * 40
MAIN_TF = """
terraform {
  required_version = ">= 1.5"
  backend "s3" {}
}
variable "size" {
  type    = string
  default = "small"
}
resource "terraform_data" "network" {
  input = "vpc"
}
resource "terraform_data" "service" {
  input = var.size
}
output "service" {
  value = terraform_data.service.output
}
output "password" {
  value     = "s3cr3t-${var.size}"
  sensitive = true
}
"""


@dataclass
class World:
    engine: str
    root: Path
    github: FakeGitHub
    pr: int
    outputs: Path
    summary: Path
    s3: Any
    backend: list[str]
    tool_cache: Path
    # tf-plan's plan-id and plan-digest outputs by (commit, environment), as a workflow
    # hands them from the plan step to the apply step.
    planned: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def run(self, command: str, sha: str, *args: str) -> tuple[int, dict[str, str]]:
        self.outputs.write_text("")
        os.environ["GITHUB_SHA"] = sha
        environment = args[args.index("--environment") + 1] if "--environment" in args else ""
        if command == "tf-apply-gated" and "--plan-id" not in args:
            plan_id, digest = self.planned.get(
                (sha, environment), (f"{environment}-{sha[:12]}-" + "0" * 12, "0" * 64)
            )
            args = (*args, "--plan-id", plan_id, "--plan-digest", digest)
        code = main(
            [
                command,
                "--plan-store-bucket",
                "plans",
                "--working-directory",
                "infra",
                "--backend-config",
                "\n".join(self.backend),
                "--engine",
                self.engine,
                *args,
            ]
        )
        outputs = read_outputs(self.outputs)
        if command == "tf-plan" and outputs.get("plan-digest"):
            self.planned[(sha, environment)] = (outputs["plan-id"], outputs["plan-digest"])
        return code, outputs

    @property
    def binary(self) -> Path:
        """The engine the commands installed into the runner's tool cache."""
        found = sorted(self.tool_cache.glob(f"slipway/{self.engine}/*/*/{self.engine}"))
        assert len(found) == 1, found
        return found[0]

    def state(self, env: str = "dev") -> dict[str, Any]:
        body = self.s3.get_object(Bucket="tf-state", Key=f"{env}/terraform.tfstate")["Body"]
        return json.loads(body.read())


@pytest.fixture(params=["terraform", "tofu"])
def world(
    request: pytest.FixtureRequest,
    aws: str,
    engine_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[World]:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="tf-state")
    s3.create_bucket(Bucket="plans")
    root = tmp_path / "repo"
    (root / "infra").mkdir(parents=True)
    (root / "infra" / "main.tf").write_text(MAIN_TF)
    backend = [
        "bucket=tf-state",
        "key=dev/terraform.tfstate",
        "region=us-east-1",
        "use_lockfile=true",
        "use_path_style=true",
        "skip_credentials_validation=true",
        "skip_requesting_account_id=true",
        "skip_metadata_api_check=true",
        "skip_region_validation=true",
        f'endpoints={{s3="{aws}"}}',
    ]
    with FakeGitHub(
        tokens={"gh-token": "github-actions[bot]"}, repositories=("acme/shop",)
    ) as github:
        pr = github.open_pull_request("Grow the service", login="alice")
        # The change is alice's: her commit, merged as the commit the runs plan.
        github.add_pull_commits(pr, [("a" * 40, "alice", "alice")])
        github.merge_pull_request(pr, SHA1)
        for environment in ("staging", "prod"):
            github.protect_environment(environment, reviewers=("lead", "alice", "carol"))
        event = tmp_path / "event.json"
        event.write_text(json.dumps({"pull_request": {"number": pr}}))
        outputs, summary = tmp_path / "outputs", tmp_path / "summary.md"
        env = {
            **engine_env,
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(root),
            "GITHUB_REPOSITORY": "acme/shop",
            "GITHUB_RUN_ID": "77",
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_ACTOR": "dev",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_API_URL": github.url,
            "GITHUB_TOKEN": "gh-token",
            "GITHUB_OUTPUT": str(outputs),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(tmp_path / "runner-temp"),
            "TF_CLI_CONFIG_FILE": "/dev/null",
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("GITHUB_SHA", SHA1)
        tool_cache = Path(engine_env["RUNNER_TOOL_CACHE"])
        yield World(request.param, root, github, pr, outputs, summary, s3, backend, tool_cache)


def approve(world: World, environment: str, login: str = "lead") -> None:
    world.github.set_approvals(77, [FakeGitHub.review("approved", login, (environment,))])


def test_plan_stores_the_plan_and_writes_one_sticky_comment(world: World) -> None:
    code, out = world.run("tf-plan", SHA1, "--environment", "dev")
    assert code == 0
    assert out["changes"] == "true"
    assert (out["add"], out["change"], out["destroy"], out["replace"]) == ("2", "0", "0", "0")
    assert out["plan-id"].startswith(f"dev-{SHA1[:12]}-")
    assert out["plan-uri"].startswith(
        f"s3://plans/slipway/plans/acme/shop/dev/pull-requests/{SHA1}/"
    )
    assert out["plan-uri"].endswith(f"/{out['plan-id']}/")
    assert out["plan-source"] == "pull-requests"
    keys = [o["Key"] for o in world.s3.list_objects_v2(Bucket="plans")["Contents"]]
    # The binary plan went to the store only: its secrets are not left on the runner.
    assert sorted(k.rsplit("/", 1)[1] for k in keys) == [
        "metadata.json",
        "plan.json",
        "plan.tfplan",
        "plan.txt",
    ]
    assert not Path(out["json-plan-path"]).with_name("plan.tfplan").exists()
    metadata_key = next(k for k in keys if k.endswith("metadata.json"))
    document = world.s3.get_object(Bucket="plans", Key=metadata_key)["Body"].read()
    assert out["plan-digest"] == hashlib.sha256(document).hexdigest()
    metadata = json.loads(
        world.s3.get_object(
            Bucket="plans", Key=next(k for k in keys if k.endswith("metadata.json"))
        )["Body"].read()
    )
    assert (metadata["commit_sha"], metadata["environment"], metadata["engine"]) == (
        SHA1,
        "dev",
        world.engine,
    )
    comments = world.github.comments(world.pr)
    assert len(comments) == 1
    assert "Plan: 2 to add" in comments[0]["body"]
    assert "s3cr3t" not in comments[0]["body"] + world.summary.read_text()
    # The next push updates the same comment instead of adding another.
    code, _ = world.run("tf-plan", SHA2, "--environment", "dev", "--variables", "size=large")
    assert code == 0
    comments = world.github.comments(world.pr)
    assert len(comments) == 1
    assert comments[0]["updated_at"] != comments[0]["created_at"]


def test_plan_approve_apply_puts_the_state_in_s3(world: World) -> None:
    assert world.run("tf-plan", SHA1, "--environment", "prod", "--comment", "false")[0] == 0
    approve(world, "prod")
    code, out = world.run("tf-apply-gated", SHA1, "--environment", "prod")
    assert code == 0, out
    assert out["result"] == "applied"
    assert out["failure_reason"] == ""
    assert out["approved-by"] == "lead"
    assert json.loads(out["outputs"]) == {"password": "(sensitive)", "service": "small"}
    state = world.state()
    assert {r["name"] for r in state["resources"]} == {"network", "service"}


def test_unapproved_production_apply_is_refused_and_changes_nothing(world: World) -> None:
    assert world.run("tf-plan", SHA1, "--environment", "prod", "--comment", "false")[0] == 0
    approve(world, "staging")  # an approval for another environment does not count
    code, out = world.run("tf-apply-gated", SHA1, "--environment", "prod")
    assert code == 1
    assert (out["result"], out["failure_reason"]) == ("refused", "not-approved")
    with pytest.raises(world.s3.exceptions.NoSuchKey):
        world.state()


def test_self_approval_can_be_forbidden(world: World) -> None:
    assert world.run("tf-plan", SHA1, "--environment", "prod", "--comment", "false")[0] == 0
    approve(world, "prod", login="dev")  # the actor who triggered the run
    code, out = world.run(
        "tf-apply-gated", SHA1, "--environment", "prod", "--forbid-self-approval", "true"
    )
    assert (code, out["failure_reason"]) == (1, "not-approved")


def test_the_author_of_the_merged_change_cannot_approve_it(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """The run was triggered by someone else (dev); alice wrote the pull request."""
    assert world.run("tf-plan", SHA1, "--environment", "prod", "--comment", "false")[0] == 0
    approve(world, "prod", login="alice")
    code, out = world.run("tf-apply-gated", SHA1, "--environment", "prod")
    assert (code, out["failure_reason"]) == (1, "not-approved")
    assert (
        "environment 'prod' was approved by alice, who authored or committed pull request "
        f"#{world.pr}; self-approval is not allowed"
    ) in capsys.readouterr().out
    with pytest.raises(world.s3.exceptions.NoSuchKey):
        world.state("prod")


def test_a_re_run_is_decided_by_its_own_approval(world: World) -> None:
    """Attempt 1 was rejected; the re-run (attempt 2) was approved: it applies."""
    assert world.run("tf-plan", SHA1, "--environment", "prod", "--comment", "false")[0] == 0
    world.github.set_approvals(
        77,
        [
            FakeGitHub.review("rejected", "carol", ("prod",), comment="not now"),
            FakeGitHub.review("approved", "lead", ("prod",)),
        ],
    )
    os.environ["GITHUB_RUN_ATTEMPT"] = "2"
    code, out = world.run("tf-apply-gated", SHA1, "--environment", "prod")
    assert (code, out["result"], out["approved-by"]) == (0, "applied", "lead")


def test_an_environment_without_reviewers_is_no_approval(world: World) -> None:
    assert world.run("tf-plan", SHA1, "--environment", "dev", "--comment", "false")[0] == 0
    world.github.protect_environment("dev")  # exists, nobody reviews it
    approve(world, "dev")
    code, out = world.run("tf-apply-gated", SHA1, "--environment", "dev")
    assert (code, out["failure_reason"]) == (1, "not-approved")


def test_missing_and_tampered_plans_are_refused(world: World) -> None:
    code, out = world.run("tf-apply-gated", SHA1, "--environment", "dev", "--approval", "none")
    assert (code, out["failure_reason"]) == (1, "plan-missing")
    assert world.run("tf-plan", SHA1, "--environment", "dev", "--comment", "false")[0] == 0
    key = next(
        o["Key"]
        for o in world.s3.list_objects_v2(Bucket="plans")["Contents"]
        if o["Key"].endswith("plan.tfplan")
    )
    world.s3.put_object(Bucket="plans", Key=key, Body=b"not the reviewed plan")
    code, out = world.run("tf-apply-gated", SHA1, "--environment", "dev", "--approval", "none")
    assert (code, out["failure_reason"]) == (1, "plan-mismatch")
    # A plan made for one commit is not applied for another.
    code, out = world.run("tf-apply-gated", SHA2, "--environment", "dev", "--approval", "none")
    assert (code, out["failure_reason"]) == (1, "plan-missing")


def test_a_plan_swapped_in_the_bucket_is_never_applied(world: World, tmp_path: Path) -> None:
    """The attack: between this run's plan and its apply, a writer of the bucket plans the
    same commit and environment with a provisioner of its own (in a job of its own, with its
    own Terraform) and puts that plan, with matching metadata, under the reviewed plan's key.
    The apply is handed the reviewed plan's id and digest by the run: it refuses, and nothing
    of the planted plan runs."""
    assert world.run("tf-plan", SHA1, "--environment", "prod", "--comment", "false")[0] == 0
    reviewed_id, reviewed_digest = world.planned[(SHA1, "prod")]
    marker = tmp_path / "provisioner-ran"
    (world.root / "infra" / "planted.tf").write_text(
        'resource "terraform_data" "planted" {\n'
        f'  provisioner "local-exec" {{\n    command = "touch {marker}"\n  }}\n}}\n'
    )
    assert world.run("tf-plan", SHA1, "--environment", "prod", "--comment", "false")[0] == 0
    planted_id, _ = world.planned[(SHA1, "prod")]
    assert planted_id != reviewed_id
    (world.root / "infra" / "planted.tf").unlink()
    objects = [o["Key"] for o in world.s3.list_objects_v2(Bucket="plans")["Contents"]]
    for key in [k for k in objects if f"/{planted_id}/" in k]:
        world.s3.copy_object(
            Bucket="plans",
            Key=key.replace(f"/{planted_id}/", f"/{reviewed_id}/"),
            CopySource={"Bucket": "plans", "Key": key},
        )
    approve(world, "prod")
    code, out = world.run(
        "tf-apply-gated",
        SHA1,
        "--environment",
        "prod",
        "--plan-id",
        reviewed_id,
        "--plan-digest",
        reviewed_digest,
    )
    assert (code, out["result"], out["failure_reason"]) == (1, "refused", "plan-mismatch")
    assert not marker.exists()
    with pytest.raises(world.s3.exceptions.NoSuchKey):
        world.state("prod")


def test_a_plan_is_applied_once(world: World) -> None:
    assert world.run("tf-plan", SHA1, "--environment", "dev", "--comment", "false")[0] == 0
    code, out = world.run("tf-apply-gated", SHA1, "--environment", "dev", "--approval", "none")
    assert (code, out["result"]) == (0, "applied")
    serial = world.state()["serial"]
    # A re-run of the apply job is handed the same plan: refused before the engine runs.
    code, out = world.run("tf-apply-gated", SHA1, "--environment", "dev", "--approval", "none")
    assert (code, out["result"], out["failure_reason"]) == (1, "refused", "already-applied")
    assert world.state()["serial"] == serial


def test_stale_plan_is_refused_after_another_apply_changed_the_state(world: World) -> None:
    assert world.run("tf-plan", SHA1, "--environment", "dev", "--comment", "false")[0] == 0
    assert (
        world.run(
            "tf-plan",
            SHA2,
            "--environment",
            "dev",
            "--comment",
            "false",
            "--variables",
            "size=large",
        )[0]
        == 0
    )
    code, out = world.run("tf-apply-gated", SHA2, "--environment", "dev", "--approval", "none")
    assert (code, out["result"]) == (0, "applied")
    serial = world.state()["serial"]
    code, out = world.run("tf-apply-gated", SHA1, "--environment", "dev", "--approval", "none")
    assert (code, out["failure_reason"]) == (1, "plan-stale")
    assert world.state()["serial"] == serial


def test_destroy_guard_blocks_unless_allowed(world: World) -> None:
    assert world.run("tf-plan", SHA1, "--environment", "dev", "--comment", "false")[0] == 0
    assert world.run("tf-apply-gated", SHA1, "--environment", "dev", "--approval", "none")[0] == 0
    main_tf = world.root / "infra" / "main.tf"
    main_tf.write_text(
        MAIN_TF.replace('resource "terraform_data" "network" {\n  input = "vpc"\n}\n', "")
    )
    assert world.run("tf-plan", SHA2, "--environment", "dev", "--comment", "false")[0] == 0
    code, out = world.run("tf-apply-gated", SHA2, "--environment", "dev", "--approval", "none")
    assert (code, out["failure_reason"]) == (1, "destroy-blocked")
    assert "network" in {r["name"] for r in world.state()["resources"]}
    code, out = world.run(
        "tf-apply-gated",
        SHA2,
        "--environment",
        "dev",
        "--approval",
        "none",
        "--allow-destroy-addresses",
        "terraform_data.network",
    )
    assert (code, out["result"]) == (0, "applied")
    assert "network" not in {r["name"] for r in world.state()["resources"]}


@pytest.mark.parametrize(
    ("command", "args", "message"),
    [
        ("tf-plan", ["--backend-config", "bucket"], "input 'backend-config'"),
        ("tf-plan", ["--binary", "tofux"], "input 'binary'"),
        ("tf-plan", ["--engine", "terrafrom"], "input 'engine': expected terraform or tofu"),
        ("tf-plan", ["--engine-version", "1.x"], "input 'engine-version': expected a version"),
        ("tf-plan", ["--release-mirror", "ftp://mirror"], "input 'release-mirror'"),
        (
            "tf-plan",
            ["--release-signing-key-fingerprint", "C874011F0AB405110D02105534365D9472D7468F"],
            "input 'release-signing-key-fingerprint': expected the key's fingerprint",
        ),
        ("tf-plan", ["--variables", "size"], "input 'variables': expected key=value pairs"),
        ("tf-apply-gated", ["--approval", "maybe"], "input 'approval': expected one of"),
        ("tf-apply-gated", ["--plan-digest", "abc"], "input 'plan-digest': expected a 64"),
        ("tf-apply-gated", ["--plan-id", "prod-x"], "input 'plan-id': expected 'dev-<12 hex>"),
        ("tf-plan", ["--environment", "prod env"], "input 'environment'"),
        ("tf-plan", ["--var-files", "missing.tfvars"], "input 'var-files'"),
    ],
)
def test_bad_input_fails_before_any_side_effect(
    world: World,
    command: str,
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = len(world.github.requests)
    os.environ["GITHUB_SHA"] = SHA1
    full = [
        command,
        "--environment",
        "dev",
        "--plan-store-bucket",
        "plans",
        "--working-directory",
        "infra",
    ]
    if "--backend-config" not in args:
        full += ["--backend-config", "\n".join(world.backend)]
    if command == "tf-apply-gated":
        defaults = {"--plan-id": f"dev-{SHA1[:12]}-{'0' * 12}", "--plan-digest": "0" * 64}
        full += [x for flag, value in defaults.items() if flag not in args for x in (flag, value)]
    code = main([*full, *args])
    out = capsys.readouterr().out
    assert code == 1
    assert message in out, out
    assert "Contents" not in world.s3.list_objects_v2(Bucket="plans")
    assert "Contents" not in world.s3.list_objects_v2(Bucket="tf-state")
    assert len(world.github.requests) == before
    assert not (world.root / "infra" / ".terraform").exists()


def test_approval_that_cannot_be_verified_is_refused(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert world.run("tf-plan", SHA1, "--environment", "prod", "--comment", "false")[0] == 0
    # No review history is seeded for this run: the API answers 404.
    code, out = world.run("tf-apply-gated", SHA1, "--environment", "prod")
    assert (code, out["result"], out["failure_reason"]) == (1, "refused", "not-approved")
    assert "not-approved: cannot verify the approval" in capsys.readouterr().out


def test_apply_while_another_holds_the_lock_is_refused_and_state_survives(
    world: World, tmp_path: Path
) -> None:
    import subprocess
    import time

    assert world.run("tf-plan", SHA1, "--environment", "dev", "--comment", "false")[0] == 0
    # Another pipeline applies a slow change to the same state in the meantime.
    other = tmp_path / "other"
    shutil.copytree(world.root / "infra", other)
    (other / "slow.tf").write_text(
        'resource "terraform_data" "slow" {\n'
        '  provisioner "local-exec" {\n    command = "sleep 8"\n  }\n}\n'
    )
    env = {**os.environ}
    subprocess.run(
        [
            str(world.binary),
            "init",
            "-input=false",
            "-no-color",
            *[f"-backend-config={item}" for item in world.backend],
        ],
        cwd=other,
        env=env,
        check=True,
        capture_output=True,
    )
    holder = subprocess.Popen(
        [str(world.binary), "apply", "-auto-approve", "-input=false", "-no-color"],
        cwd=other,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    lock_key = "dev/terraform.tfstate.tflock"
    while time.monotonic() < deadline:
        listed = world.s3.list_objects_v2(Bucket="tf-state").get("Contents", [])
        if any(o["Key"] == lock_key for o in listed):
            break
        time.sleep(0.2)
    else:
        holder.kill()
        pytest.fail("the other apply never took the lock")
    code, out = world.run("tf-apply-gated", SHA1, "--environment", "dev", "--approval", "none")
    log, _ = holder.communicate(timeout=60)
    assert holder.returncode == 0, log
    assert (code, out["result"], out["failure_reason"]) == (1, "refused", "state-locked")
    lock = json.loads(out["lock_info"])
    assert lock["operation"] == "OperationTypeApply"
    assert lock["path"] == "tf-state/dev/terraform.tfstate"
    state = world.state()
    assert {r["name"] for r in state["resources"]} == {"network", "service", "slow"}


def test_drift_mode_opens_then_closes_one_issue_per_environment(world: World) -> None:
    code, out = world.run("tf-plan", SHA1, "--environment", "staging", "--mode", "drift")
    assert code == 0
    issues = [i for i in world.github.issues() if "pull_request" not in i]
    assert len(issues) == 1
    assert issues[0]["state"] == "open"
    assert out["drift-issue"] == str(issues[0]["number"])
    assert world.github.comments(world.pr) == []  # drift mode never comments on a PR
    # Infrastructure brought back in line: apply, then the scheduled plan closes the issue.
    world.run("tf-plan", SHA1, "--environment", "staging", "--comment", "false")
    assert (
        world.run("tf-apply-gated", SHA1, "--environment", "staging", "--approval", "none")[0] == 0
    )
    code, out = world.run("tf-plan", SHA2, "--environment", "staging", "--mode", "drift")
    assert code == 0
    assert world.github.issue(issues[0]["number"])["state"] == "closed"
    assert out.get("drift-issue", "") == ""


def test_engine_diagnostics_become_annotations_on_file_and_line(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    (world.root / "infra" / "broken.tf").write_text(
        'resource "terraform_data" "oops" {\n  input = var.missing\n}\n'
    )
    code, _ = world.run("tf-plan", SHA1, "--environment", "dev", "--comment", "false")
    out = capsys.readouterr().out
    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("::error ")]
    assert any(
        "file=infra/broken.tf,line=2" in line and "Reference to undeclared input variable" in line
        for line in errors
    ), errors


def test_required_version_is_checked_before_init(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert world.run("tf-plan", SHA1, "--environment", "dev", "--comment", "false")[0] == 0
    shutil.rmtree(world.root / "infra" / ".terraform")
    main_tf = world.root / "infra" / "main.tf"
    main_tf.write_text(
        MAIN_TF.replace('required_version = ">= 1.5"', 'required_version = "< 1.10"')
    )
    # No release the site has satisfies it: refused before anything is fetched.
    code, _ = world.run("tf-plan", SHA2, "--environment", "dev")
    assert code == 1
    assert f"no {world.engine} release satisfies < 1.10 (required_version)" in (
        capsys.readouterr().out
    )
    # An explicit binary that does not satisfy it: refused before init.
    code, _ = world.run("tf-plan", SHA2, "--environment", "dev", "--binary", str(world.binary))
    assert code == 1
    assert 'does not satisfy required_version "< 1.10" (main.tf)' in capsys.readouterr().out
    assert not (world.root / "infra" / ".terraform").exists()


def test_workspace_and_var_files(world: World) -> None:
    (world.root / "infra" / "big.tfvars").write_text('size = "xl"\n')
    code, out = world.run(
        "tf-plan",
        SHA1,
        "--environment",
        "dev",
        "--comment",
        "false",
        "--workspace",
        "alice",
        "--var-files",
        "big.tfvars",
    )
    assert code == 0, out
    code, out = world.run(
        "tf-apply-gated", SHA1, "--environment", "dev", "--approval", "none", "--workspace", "alice"
    )
    assert (code, out["result"]) == (0, "applied")
    assert json.loads(out["outputs"])["service"] == "xl"
    key = "env:/alice/dev/terraform.tfstate"
    state = json.loads(world.s3.get_object(Bucket="tf-state", Key=key)["Body"].read())
    assert {r["name"] for r in state["resources"]} == {"network", "service"}


def test_issue_mode_waits_for_an_allowed_approver(world: World) -> None:
    import threading
    import time

    assert world.run("tf-plan", SHA1, "--environment", "prod", "--comment", "false")[0] == 0

    def approve_on_issue() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            issues = [
                i
                for i in world.github.issues()
                if "pull_request" not in i and i["title"].startswith("slipway: approve")
            ]
            if issues:
                world.github.add_comment(issues[0]["number"], "/approve looks right", "mallory")
                world.github.add_comment(issues[0]["number"], "/approve", "lead")
                return
            time.sleep(0.05)

    threading.Thread(target=approve_on_issue, daemon=True).start()
    code, out = world.run(
        "tf-apply-gated",
        SHA1,
        "--environment",
        "prod",
        "--approval",
        "issue",
        "--approvers",
        "lead",
        "--approval-poll-interval",
        "1s",
        "--approval-timeout",
        "30s",
    )
    assert (code, out["result"], out["approved-by"]) == (0, "applied", "lead")
    issue = next(i for i in world.github.issues() if i["title"].startswith("slipway: approve"))
    assert issue["state"] == "closed"
    assert "Plan: 2 to add" in issue["body"]


# --- the default branch: the plan shown and compared before the approval ----------------------


def on_the_default_branch(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runs from now on are pushes to main (the merge of the pull request)."""
    event = world.root.parent / "push.json"
    event.write_text(
        json.dumps({"ref": "refs/heads/main", "repository": {"default_branch": "main"}})
    )
    monkeypatch.setenv("GITHUB_EVENT_NAME", "push")
    monkeypatch.setenv("GITHUB_REF", "refs/heads/main")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))


def bot_comments(world: World, containing: str) -> list[str]:
    return [c["body"] for c in world.github.comments(world.pr) if containing in c["body"]]


def test_the_default_branch_plan_is_shown_on_the_merged_pull_request_beside_the_reviewed_one(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The pull request's plan (its merge ref, SHA2), shown on the pull request.
    assert world.run("tf-plan", SHA2, "--environment", "prod")[0] == 0
    reviewed_id = world.planned[(SHA2, "prod")][0]
    on_the_default_branch(world, monkeypatch)

    # Merged as SHA1 with nothing else changed: the same plan.
    code, out = world.run("tf-plan", SHA1, "--environment", "prod", "--approval", "environment")
    assert code == 0
    assert (out["plan-source"], out["plan-changed"], out["reviewed-plan-id"]) == (
        "default-branch",
        "false",
        reviewed_id,
    )
    assert out["pull-request"] == str(world.pr)
    [shown] = bot_comments(world, f"prod at {SHA1[:7]}")
    assert f"Same as the plan reviewed on #{world.pr} (`{reviewed_id}`)." in shown
    assert out["plan-id"] in shown  # the marker names the plan the approver approves
    assert "Same as the plan reviewed" in world.summary.read_text()

    # Another commit landed on main before the merge: prod's plan is not the reviewed one.
    main_tf = world.root / "infra" / "main.tf"
    main_tf.write_text(MAIN_TF.replace('default = "small"', 'default = "large"'))
    code, out = world.run("tf-plan", SHA1, "--environment", "prod", "--approval", "environment")
    assert (code, out["plan-changed"]) == (0, "true")
    # The sensitive output differs too: compared by digest, never shown.
    note = (
        f"Differs from the plan reviewed on #{world.pr}: terraform_data.service create (input); "
        "output password create (value)."
    )
    [shown] = bot_comments(world, f"prod at {SHA1[:7]}")  # the same sticky comment, updated
    assert note in shown
    assert f"::warning::{note}" in capsys.readouterr().out
    # Where no approval follows, a changed plan stops the pipeline (on-plan-change default).
    code, out = world.run("tf-plan", SHA1, "--environment", "prod", "--approval", "none")
    assert (code, out["plan-changed"]) == (1, "true")
    assert f"::error::plan-changed: {note} (no approval follows)" in capsys.readouterr().out
    code, _ = world.run("tf-plan", SHA1, "--environment", "prod", "--on-plan-change", "warn")
    assert code == 0
    code, _ = world.run(
        "tf-plan", SHA1, "--environment", "prod", "--approval", "environment",
        "--on-plan-change", "fail",
    )  # fmt: skip
    assert code == 1

    # Approved after it was shown, that plan is applied, and the pull request says so.
    approve(world, "prod")
    code, out = world.run("tf-plan", SHA1, "--environment", "prod", "--approval", "environment")
    assert code == 0
    code, out = world.run("tf-apply-gated", SHA1, "--environment", "prod")
    assert (code, out["result"]) == (0, "applied")
    [result] = bot_comments(world, f"prod at {SHA1[:7]}: applied")
    assert f"Plan `{out['plan-id']}` was applied, approved by @lead." in result
    assert "| `service` | `large` |" in result
    assert "s3cr3t" not in result and "(sensitive)" in result


def test_a_direct_push_has_nothing_to_compare_with(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_the_default_branch(world, monkeypatch)
    code, out = world.run("tf-plan", SHA2, "--environment", "staging", "--approval", "none")
    assert (code, out["plan-changed"], out["pull-request"]) == (0, "", "")
    assert "No pull request merged this commit" in world.summary.read_text()


def test_a_malformed_plan_json_is_one_error_line_naming_the_file(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An engine whose `show -json` is cut short (a full disk, a crash): one line, no
    traceback, nothing stored."""
    assert world.run("tf-plan", SHA1, "--environment", "dev", "--comment", "false")[0] == 0
    stored = len(world.s3.list_objects_v2(Bucket="plans")["Contents"])
    wrapper = tmp_path / world.engine
    wrapper.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = show ] && [ "$2" = -json ]; then\n'
        f'  "{world.binary}" "$@" | head -c 300\n'
        "else\n"
        f'  exec "{world.binary}" "$@"\n'
        "fi\n"
    )
    wrapper.chmod(0o755)
    capsys.readouterr()
    code, _ = world.run("tf-plan", SHA2, "--environment", "dev", "--binary", str(wrapper))
    out = capsys.readouterr().out
    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("::error")]
    assert errors == ["::error::plan.json: the plan JSON ends too early (truncated?)"]
    assert "Traceback" not in out
    assert len(world.s3.list_objects_v2(Bucket="plans")["Contents"]) == stored


def test_the_engine_acts_as_the_role_with_credentials_it_can_refresh(
    world: World, tmp_path: Path
) -> None:
    """With a role, the engine holds no keys: its profile's credential process assumes the
    role whenever the SDK needs credentials. The state bucket lets only the role write, so an
    engine that used the job's own keys could not store its state."""
    # A first plan, as the job itself, installs the engine the wrapper below runs.
    assert world.run("tf-plan", SHA2, "--environment", "dev", "--comment", "false")[0] == 0
    role = boto3.client("iam").create_role(
        RoleName="dev-terraform-apply",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    only_the_role = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:PutObject", "s3:DeleteObject"],
        "Resource": "arn:aws:s3:::tf-state/*",
        "Condition": {"ArnNotEquals": {"aws:PrincipalArn": role}},
    }
    world.s3.put_bucket_policy(
        Bucket="tf-state",
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [only_the_role]}),
    )
    with pytest.raises(ClientError, match="AccessDenied"):
        world.s3.put_object(Bucket="tf-state", Key="dev/terraform.tfstate", Body=b"{}")
    seen = tmp_path / "engine-env"
    wrapper = tmp_path / world.engine
    wrapper.write_text(f'#!/bin/sh\nenv > "{seen}"\nexec "{world.binary}" "$@"\n')
    wrapper.chmod(0o755)
    role_args = ("--role-to-assume", role, "--web-identity", "false", "--binary", str(wrapper))

    code, out = world.run("tf-plan", SHA1, "--environment", "dev", "--comment", "false", *role_args)
    assert code == 0, out
    code, out = world.run(
        "tf-apply-gated", SHA1, "--environment", "dev", "--approval", "none", *role_args
    )
    assert (code, out["result"]) == (0, "applied"), out
    assert {r["name"] for r in world.state()["resources"]} == {"network", "service"}

    engine_env = dict(line.split("=", 1) for line in seen.read_text().splitlines() if "=" in line)
    assert "AWS_ACCESS_KEY_ID" not in engine_env
    assert "AWS_SECRET_ACCESS_KEY" not in engine_env
    assert engine_env["AWS_PROFILE"] == "slipway-engine"
    assert engine_env["SLIPWAY_SOURCE_AWS_ACCESS_KEY_ID"] == os.environ["AWS_ACCESS_KEY_ID"]
    profile = Path(engine_env["AWS_CONFIG_FILE"]).read_text()
    assert "credential_process = " in profile
    assert f"--role-arn={role}" in profile
    assert "--session-name=slipway-acme-shop-77-1" in profile
