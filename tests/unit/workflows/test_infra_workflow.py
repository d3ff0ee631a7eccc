"""The infrastructure pipeline's structure (.github/workflows/infra.yml and
infra-environment.yml, and the example callers), read as YAML; and the two Python steps
embedded in them (stage slots, environment configuration) run for real with the inputs a
runner would give them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
WORKFLOWS = REPO / ".github" / "workflows"
NESTED = "slipway-platform/slipway/.github/workflows/infra-environment.yml@v0"
STAGES = 4


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict)
    # YAML 1.1 reads the key `on` as the boolean true.
    document["on"] = document.pop(True)
    return document


@pytest.fixture(scope="module")
def infra() -> dict[str, Any]:
    return load(WORKFLOWS / "infra.yml")


@pytest.fixture(scope="module")
def environment() -> dict[str, Any]:
    return load(WORKFLOWS / "infra-environment.yml")


def inputs_of(workflow: dict[str, Any]) -> dict[str, Any]:
    return dict(workflow["on"]["workflow_call"]["inputs"])


def action_inputs(name: str) -> set[str]:
    return set(yaml.safe_load((REPO / "actions" / name / "action.yml").read_text())["inputs"])


def test_applies_are_chained_in_stage_order(infra: dict[str, Any]) -> None:
    jobs = infra["jobs"]
    applies = [f"apply-{n}" for n in range(1, STAGES + 1)]
    plans = [f"plan-{n}" for n in range(1, STAGES + 1)]
    assert [name for name in jobs if name.startswith("apply-")] == applies
    assert jobs["apply-1"]["needs"] == ["stages", "plan-1"]
    for number in range(2, STAGES + 1):
        job = jobs[f"apply-{number}"]
        assert job["needs"] == ["stages", f"plan-{number}", f"apply-{number - 1}"]
        # A stage runs only when the one before it applied (and never after a cancel).
        assert f"needs.apply-{number - 1}.result == 'success'" in job["if"]
        assert "always()" not in job["if"]
        assert "!cancelled()" in job["if"]
        assert f"needs.stages.outputs.stage-{number} != ''" in job["if"]
    for number in range(1, STAGES + 1):
        job = jobs[f"apply-{number}"]
        assert job["uses"] == NESTED
        assert job["with"]["environment"] == f"${{{{ needs.stages.outputs.stage-{number} }}}}"
        assert job["with"]["approval"] == f"${{{{ needs.stages.outputs.approval-{number} }}}}"
        assert job["with"]["action"] == (
            f"${{{{ needs.stages.outputs.approval-{number} == 'none'"
            " && 'apply' || 'apply-plan' }}"
        )
        assert "needs.stages.outputs.mode == 'apply'" in job["if"]
    assert set(jobs["stages"]["outputs"]) == {
        "mode",
        "environments",
        *(f"stage-{n}" for n in range(1, STAGES + 1)),
        *(f"approval-{n}" for n in range(1, STAGES + 1)),
    }
    assert jobs["report"]["needs"] == ["stages", *plans, *applies]


def test_a_protected_stage_plans_before_its_approval_and_applies_that_plan(
    infra: dict[str, Any],
) -> None:
    """The plan job has no reviewers (the <env>-plan environment) and shows the plan; the
    apply job waits for the approval and applies the plan named by the plan job's outputs."""
    jobs = infra["jobs"]
    for number in range(1, STAGES + 1):
        plan = jobs[f"plan-{number}"]
        assert plan["uses"] == NESTED
        assert plan["with"]["action"] == "plan"
        assert plan["with"]["github-environment"] == (
            f"${{{{ needs.stages.outputs.stage-{number} }}}}"
            "${{ inputs.plan-environment-suffix }}"
        )
        assert f"needs.stages.outputs.approval-{number} != 'none'" in plan["if"]
        if number > 1:
            # Planned once the stage before applied: the approver sees the plan to apply now.
            assert plan["needs"] == ["stages", f"apply-{number - 1}"]
        apply = jobs[f"apply-{number}"]
        assert apply["with"]["plan-id"] == f"${{{{ needs.plan-{number}.outputs.plan-id }}}}"
        assert apply["with"]["plan-digest"] == f"${{{{ needs.plan-{number}.outputs.plan-digest }}}}"
        assert f"needs.plan-{number}.result == 'success'" in apply["if"]
        assert f"needs.plan-{number}.result == 'skipped'" in apply["if"]


def test_pull_requests_plan_every_environment_in_its_plan_environment(
    infra: dict[str, Any],
) -> None:
    plan = infra["jobs"]["plan"]
    assert plan["uses"] == NESTED
    assert plan["strategy"]["matrix"]["environment"] == (
        "${{ fromJSON(needs.stages.outputs.environments) }}"
    )
    assert plan["strategy"]["fail-fast"] is False
    assert plan["with"]["action"] == "plan"
    assert plan["with"]["github-environment"] == (
        "${{ matrix.environment }}${{ inputs.plan-environment-suffix }}"
    )
    defaults = {name: spec.get("default") for name, spec in inputs_of(infra).items()}
    assert json.loads(defaults["environments"]) == ["dev", "staging", "prod"]
    assert json.loads(defaults["protected-environments"]) == ["prod"]
    assert defaults["plan-environment-suffix"] == "-plan"


def test_every_call_passes_only_inputs_the_called_workflow_declares(
    infra: dict[str, Any], environment: dict[str, Any]
) -> None:
    declared = inputs_of(environment)
    required = {name for name, spec in declared.items() if spec.get("required")}
    calls = [job["with"] for job in infra["jobs"].values() if "uses" in job]
    examples = REPO / "examples" / "workflows"
    personal = load(examples / "personal-env.yml")["jobs"]["environment"]
    assert personal["uses"] == "./.github/workflows/infra-environment.yml"
    calls.append(personal["with"])
    assert len(calls) == 1 + 2 * STAGES + 1
    for call in calls:
        assert set(call) <= set(declared), set(call) - set(declared)
        assert required <= set(call)
    caller = load(examples / "infra.yml")["jobs"]["infra"]
    assert caller["uses"] == "./.github/workflows/infra.yml"
    assert set(caller["with"]) <= set(inputs_of(infra))


def test_each_environment_job_has_its_environment_oidc_and_concurrency(
    environment: dict[str, Any],
) -> None:
    assert environment["permissions"]["id-token"] == "write"
    job = environment["jobs"]["terraform"]
    assert job["environment"] == (
        "${{ inputs.github-environment || inputs.base-environment || inputs.environment }}"
    )
    group = job["concurrency"]["group"]
    assert "format('terraform-{0}', inputs.environment)" in group
    assert "format('terraform-plan-{0}-{1}'" in group
    assert job["concurrency"]["cancel-in-progress"] == "${{ inputs.action == 'plan' }}"
    steps = {step.get("id"): step for step in job["steps"]}
    for step_id, action in (("plan", "tf-plan"), ("apply", "tf-apply-gated")):
        step = steps[step_id]
        assert step["uses"] == f"slipway-platform/slipway/actions/{action}@v0"
        assert set(step["with"]) <= action_inputs(action)
        assert step["with"]["role-to-assume"] == "${{ steps.config.outputs.role }}"
        assert step["with"]["web-identity"] == "true"
        assert step["with"]["commit-sha"] == "${{ github.sha }}"
    assert steps["apply"]["if"] == "inputs.action != 'plan'"
    assert steps["plan"]["if"] == "inputs.action != 'apply-plan'"
    assert steps["apply"]["with"]["approval"] == "${{ inputs.approval }}"
    # The plan applied is named by outputs: this job's plan step, or the plan job's.
    assert steps["apply"]["with"]["plan-id"] == (
        "${{ inputs.action == 'apply-plan' && inputs.plan-id || steps.plan.outputs.plan-id }}"
    )
    assert steps["apply"]["with"]["plan-digest"] == (
        "${{ inputs.action == 'apply-plan' && inputs.plan-digest"
        " || steps.plan.outputs.plan-digest }}"
    )


def test_workflows_declare_id_token_permission_for_oidc(infra: dict[str, Any]) -> None:
    assert infra["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "actions": "read",
        "id-token": "write",
    }
    for name in ("infra.yml", "personal-env.yml"):
        assert load(REPO / "examples" / "workflows" / name)["permissions"]["id-token"] == "write"


# --- the embedded steps, run -------------------------------------------------------------


def run_step(
    step: dict[str, Any], env: dict[str, str], tmp_path: Path, cwd: Path | None = None
) -> tuple[int, str, dict[str, str]]:
    """Runs a `shell: python3 {0}` step's script; returns (status, output, its outputs)."""
    assert step["shell"] == "python3 {0}"
    output_file = tmp_path / "github_output"
    output_file.write_text("")
    result = subprocess.run(
        [sys.executable, "-c", step["run"]],
        env={**os.environ, **env, "GITHUB_OUTPUT": str(output_file)},
        cwd=cwd or tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr, parse_outputs(output_file.read_text())


def parse_outputs(text: str) -> dict[str, str]:
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line:
            key, delimiter = line.split("<<", 1)
            value = []
            for item in lines:
                if item == delimiter:
                    break
                value.append(item)
            outputs[key] = "\n".join(value)
        elif "=" in line:
            key, value_text = line.split("=", 1)
            outputs[key] = value_text
    return outputs


def stages_env(**overrides: str) -> dict[str, str]:
    return {
        "ENVIRONMENTS": '["dev", "staging", "prod"]',
        "PROTECTED": '["prod"]',
        "APPROVAL": "environment",
        "SUFFIX": "-plan",
        "MODE": "auto",
        "DEFAULT_BRANCH": "main",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REF": "refs/heads/main",
        **overrides,
    }


def test_stage_slots_follow_the_environments_order(infra: dict[str, Any], tmp_path: Path) -> None:
    step = infra["jobs"]["stages"]["steps"][0]
    status, log, outputs = run_step(step, stages_env(), tmp_path)
    assert status == 0, log
    assert outputs == {
        "mode": "apply",
        "environments": '["dev", "staging", "prod"]',
        "stage-1": "dev",
        "approval-1": "none",
        "stage-2": "staging",
        "approval-2": "none",
        "stage-3": "prod",
        "approval-3": "environment",
    }


@pytest.mark.parametrize(
    "case",
    [
        ("pull_request", "refs/pull/7/merge", "auto", "plan"),
        ("push", "refs/heads/feature", "auto", "plan"),
        ("push", "refs/heads/main", "auto", "apply"),
        ("workflow_dispatch", "refs/heads/main", "auto", "plan"),
        ("workflow_dispatch", "refs/heads/main", "apply", "apply"),
        ("push", "refs/heads/main", "plan", "plan"),
    ],
)
def test_mode_follows_the_event_and_branch(
    infra: dict[str, Any], tmp_path: Path, case: tuple[str, str, str, str]
) -> None:
    event, ref, mode, expected = case
    step = infra["jobs"]["stages"]["steps"][0]
    env = stages_env(GITHUB_EVENT_NAME=event, GITHUB_REF=ref, MODE=mode)
    status, log, outputs = run_step(step, env, tmp_path)
    assert status == 0, log
    assert outputs["mode"] == expected


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ENVIRONMENTS": "dev,prod"}, "input 'environments': expected a JSON list"),
        ({"ENVIRONMENTS": "[]"}, "input 'environments': expected a JSON list"),
        ({"ENVIRONMENTS": '["dev", "dev"]'}, "input 'environments': an environment is listed"),
        ({"ENVIRONMENTS": '["a", "b", "c", "d", "e"]'}, "input 'environments': at most 4"),
        ({"ENVIRONMENTS": '["dev prod"]'}, "input 'environments': expected a JSON list"),
        ({"PROTECTED": "prod"}, "input 'protected-environments': expected a JSON list"),
        ({"SUFFIX": "/plan"}, "input 'plan-environment-suffix':"),
        ({"MODE": "deploy"}, "input 'mode': expected auto, plan or apply, got 'deploy'"),
        ({"APPROVAL": "none"}, "input 'approval': expected environment or issue, got 'none'"),
    ],
)
def test_bad_stage_inputs_fail_with_one_line_naming_the_input(
    infra: dict[str, Any], tmp_path: Path, overrides: dict[str, str], message: str
) -> None:
    step = infra["jobs"]["stages"]["steps"][0]
    status, log, outputs = run_step(step, stages_env(**overrides), tmp_path)
    assert status != 0
    assert log.strip().splitlines() == [log.strip()]
    assert log.startswith(f"::error::{message}"), log
    assert outputs == {}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A root module directory with dev's backend file and var file."""
    directory = tmp_path / "infra"
    (directory / "backends").mkdir(parents=True)
    (directory / "env").mkdir()
    (directory / "backends" / "dev.s3.tfbackend").write_text("use_lockfile = true\n")
    (directory / "env" / "dev.tfvars").write_text('environment = "dev"\n')
    (directory / "env" / "prod.tfvars").write_text('environment = "prod"\n')
    return directory


def config_env(**overrides: str) -> dict[str, str]:
    return {
        "ENVIRONMENT": "dev",
        "BASE_ENVIRONMENT": "dev",
        "GITHUB_ENVIRONMENT": "dev",
        "ACTION": "apply",
        "APPROVAL": "none",
        "BACKEND_DIR": "backends",
        "VAR_DIR": "env",
        "STATE_KEY_NAME": "terraform.tfstate",
        "STATE_LOCKFILE": "true",
        "ROLE_VARIABLE": "TF_APPLY_ROLE_ARN",
        "ROLE_ARN": "arn:aws:iam::111111111111:role/terraform-apply",
        "PLAN_ID": "",
        "PLAN_DIGEST": "",
        "REGION": "eu-west-1",
        "ACCOUNT_ID": "111111111111",
        "STATE_BUCKET": "acme-tfstate-dev",
        "PLAN_STORE_BUCKET": "",
        **overrides,
    }


def config_step(environment: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in environment["jobs"]["terraform"]["steps"] if s.get("id") == "config")


def test_configuration_composes_backend_and_var_files(
    environment: dict[str, Any], root: Path, tmp_path: Path
) -> None:
    status, log, outputs = run_step(config_step(environment), config_env(), tmp_path, cwd=root)
    assert status == 0, log
    assert outputs == {
        "backend-config": "\n".join(
            [
                "backends/dev.s3.tfbackend",
                "bucket=acme-tfstate-dev",
                "key=dev/terraform.tfstate",
                "region=eu-west-1",
                "use_lockfile=true",
            ]
        ),
        "var-files": "env/dev.tfvars",
        "role": "arn:aws:iam::111111111111:role/terraform-apply",
        "region": "eu-west-1",
        "plan-store-bucket": "acme-tfstate-dev",
        "github-environment": "dev",
    }


def test_personal_environment_uses_its_base_files_and_its_own_state_key(
    environment: dict[str, Any], root: Path, tmp_path: Path
) -> None:
    env = config_env(
        ENVIRONMENT="dev-alice", STATE_LOCKFILE="false", PLAN_STORE_BUCKET="acme-plans"
    )
    status, log, outputs = run_step(config_step(environment), env, tmp_path, cwd=root)
    assert status == 0, log
    assert outputs["backend-config"].splitlines() == [
        "backends/dev.s3.tfbackend",
        "bucket=acme-tfstate-dev",
        "key=dev-alice/terraform.tfstate",
        "region=eu-west-1",
    ]
    assert outputs["var-files"] == "env/dev.tfvars"
    assert outputs["plan-store-bucket"] == "acme-plans"


def test_missing_backend_file_is_optional(
    environment: dict[str, Any], root: Path, tmp_path: Path
) -> None:
    env = config_env(ENVIRONMENT="prod", BASE_ENVIRONMENT="prod", GITHUB_ENVIRONMENT="prod")
    status, log, outputs = run_step(config_step(environment), env, tmp_path, cwd=root)
    assert status == 0, log
    assert outputs["backend-config"].splitlines()[0] == "bucket=acme-tfstate-dev"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ENVIRONMENT": "dev alice"}, "input 'environment': expected letters, digits"),
        (
            {"ACTION": "deploy"},
            "input 'action': expected plan, apply, apply-plan or destroy, got 'deploy'",
        ),
        ({"APPROVAL": "maybe"}, "input 'approval': expected environment, issue or none"),
        (
            {"ACTION": "apply-plan"},
            "inputs 'plan-id' and 'plan-digest': apply-plan applies the plan they name",
        ),
        ({"STATE_KEY_NAME": "a/b"}, "input 'state-key-name': expected a file name"),
        ({"REGION": ""}, "variable AWS_REGION is not set in GitHub environment 'dev'"),
        ({"STATE_BUCKET": ""}, "variable TF_STATE_BUCKET is not set in GitHub environment 'dev'"),
        ({"ROLE_ARN": ""}, "variable TF_APPLY_ROLE_ARN is not set in GitHub environment 'dev'"),
        (
            {"ROLE_ARN": "terraform-apply"},
            "variable TF_APPLY_ROLE_ARN in GitHub environment 'dev': expected an IAM role ARN",
        ),
        (
            {"ROLE_ARN": "arn:aws:iam::222222222222:role/terraform-apply"},
            "variable TF_APPLY_ROLE_ARN in GitHub environment 'dev': the role is in account "
            "222222222222, AWS_ACCOUNT_ID is 111111111111",
        ),
        ({"BASE_ENVIRONMENT": "staging"}, "input 'var-dir': env/staging.tfvars not found"),
    ],
)
def test_bad_configuration_fails_with_one_line_naming_it(
    environment: dict[str, Any],
    root: Path,
    tmp_path: Path,
    overrides: dict[str, str],
    message: str,
) -> None:
    status, log, outputs = run_step(
        config_step(environment), config_env(**overrides), tmp_path, cwd=root
    )
    assert status != 0
    assert log.strip().splitlines() == [log.strip()]
    assert log.startswith(f"::error::{message}"), log
    assert outputs == {}
