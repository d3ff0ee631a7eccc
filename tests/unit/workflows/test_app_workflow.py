"""The application pipeline's structure (.github/workflows/app.yml and app-deploy.yml, and
the example caller), read as YAML; and its embedded stage step run for real."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.unit.workflows.expressions import evaluate, truthy
from tests.unit.workflows.test_infra_workflow import REPO, WORKFLOWS, action_inputs, load, run_step

NESTED = "slipway-platform/slipway/.github/workflows/app-deploy.yml@v0"
STAGES = 4
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web@sha256:" + "ab" * 32


@pytest.fixture(scope="module")
def app() -> dict[str, Any]:
    return load(WORKFLOWS / "app.yml")


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    return load(WORKFLOWS / "app-deploy.yml")


def test_deploys_are_chained_in_stage_order_after_one_build(app: dict[str, Any]) -> None:
    jobs = app["jobs"]
    assert jobs["build"]["needs"] == "test"
    assert jobs["stages"]["needs"] == "build"
    assert jobs["deploy-1"]["needs"] == "stages"
    for stage in range(2, STAGES + 1):
        job = jobs[f"deploy-{stage}"]
        assert job["uses"] == NESTED
        assert job["needs"] == ["stages", f"deploy-{stage - 1}"]
        assert f"needs.deploy-{stage - 1}.result == 'success'" in job["if"]
        assert job["with"]["environment"] == f"${{{{ needs.stages.outputs.stage-{stage} }}}}"
        # Every stage deploys the one image the build produced (or the one promoted).
        assert job["with"]["image"] == "${{ needs.stages.outputs.image }}"
    assert jobs["report"]["needs"] == ["stages", *[f"deploy-{n}" for n in range(1, STAGES + 1)]]


def test_every_call_passes_only_declared_inputs(
    app: dict[str, Any], deploy: dict[str, Any]
) -> None:
    declared = dict(deploy["on"]["workflow_call"]["inputs"])
    required = {name for name, spec in declared.items() if spec.get("required")}
    for stage in range(1, STAGES + 1):
        call = app["jobs"][f"deploy-{stage}"]["with"]
        assert set(call) <= set(declared) and required <= set(call)
    caller = load(REPO / "examples" / "workflows" / "app.yml")["jobs"]["app"]
    assert caller["uses"] == "./.github/workflows/app.yml"
    assert set(caller["with"]) <= set(app["on"]["workflow_call"]["inputs"])
    build = app["jobs"]["build"]["steps"][1]
    assert build["uses"] == "slipway-platform/slipway/actions/ecr-build-push@v0"
    assert set(build["with"]) <= action_inputs("ecr-build-push")
    for step in deploy["jobs"]["deploy"]["steps"]:
        if "uses" in step:
            name = step["uses"].split("/actions/")[1].split("@")[0]
            assert set(step["with"]) <= action_inputs(name), (name, step["with"])


def test_deploy_job_runs_in_its_environment_with_oidc_and_its_own_queue(
    deploy: dict[str, Any],
) -> None:
    job = deploy["jobs"]["deploy"]
    assert job["environment"] == "${{ inputs.github-environment || inputs.environment }}"
    assert job["concurrency"] == {
        "group": "deploy-${{ inputs.environment }}",
        "cancel-in-progress": False,
    }
    assert deploy["permissions"]["id-token"] == "write"
    steps = {step.get("id"): step for step in job["steps"]}
    assert steps["bake"]["continue-on-error"] is True
    # Only a breach rolls back: no alarm matched, or AWS refused, says nothing against it.
    assert steps["rollback"]["if"] == "steps.bake.outputs.result == 'breached'"
    assert steps["rollback"]["with"]["task-definition"] == (
        "${{ steps.deploy.outputs.previous-task-definition-arn }}"
    )


@pytest.mark.parametrize(
    ("bake", "bake_result", "rollback", "result", "message"),
    [
        ("success", "ok", "skipped", "deployed", ""),
        ("failure", "breached", "success", "rolled-back", "alarms fired during the bake"),
        ("failure", "no-alarms", "skipped", "failed", "(result: no-alarms); the new version"),
        ("failure", "", "skipped", "failed", "(result: none); the new version stays deployed"),
        ("failure", "breached", "failure", "failed", ""),
    ],
)
def test_deploy_verdict(
    deploy: dict[str, Any],
    tmp_path: Path,
    *,
    bake: str,
    bake_result: str,
    rollback: str,
    result: str,
    message: str,
) -> None:
    """The verdict step run by bash as the runner runs it, with the steps' outcomes."""
    step = next(s for s in deploy["jobs"]["deploy"]["steps"] if s.get("id") == "verdict")
    outputs = tmp_path / "github_output"
    env = {
        "PATH": os.environ["PATH"],
        "GITHUB_OUTPUT": str(outputs),
        "DEPLOY": "success",
        "BAKE": bake,
        "BAKE_RESULT": bake_result,
        "BREACHED": '[{"name": "web-5xx", "reason": "$(echo INJECTED)"}]',
        "ROLLBACK": rollback,
        "ENVIRONMENT": "dev",
    }
    run = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert outputs.read_text() == f"result={result}\n"
    assert run.returncode == (0 if result == "deployed" else 1)
    assert message in run.stdout
    assert "INJECTED\n" not in run.stdout  # alarm reasons are data, never run


def test_tests_use_a_postgres_service_unless_a_database_is_given(app: dict[str, Any]) -> None:
    test = app["jobs"]["test"]
    image = test["services"]["postgres"]["image"]
    assert image == "${{ inputs.database-url == '' && inputs.postgres-image || '' }}"
    integration = next(s for s in test["steps"] if s.get("name") == "integration tests")
    assert "inputs.database-url ||" in integration["env"]["DATABASE_URL"]


def stages(app: dict[str, Any], tmp_path: Path, **env: str) -> tuple[int, str, dict[str, str]]:
    step = app["jobs"]["stages"]["steps"][0]
    defaults = {"ENVIRONMENTS": '["dev", "prod"]', "IMAGE": IMAGE, "SUFFIX": "-deploy"}
    return run_step(step, {**defaults, **env}, tmp_path)


def test_stage_slots_follow_the_environments_order(app: dict[str, Any], tmp_path: Path) -> None:
    status, log, outputs = stages(app, tmp_path)
    assert status == 0, log
    assert outputs == {"image": IMAGE, "stage-1": "dev", "stage-2": "prod"}


@pytest.mark.parametrize(
    ("environments", "image", "message"),
    [
        ("dev", IMAGE, "input 'environments': expected a JSON list of names"),
        ('["dev", "dev"]', IMAGE, "input 'environments': an environment is listed twice"),
        (json.dumps(["a", "b", "c", "d", "e"]), IMAGE, "expected a JSON list of 1 to 4"),
        ('["prod/eu"]', IMAGE, "expected a JSON list of 1 to 4 environment names"),
        ('["dev"]', "shop/web:latest", "input 'image': expected an image by digest"),
    ],
)
def test_bad_stage_inputs_fail_with_one_line_naming_the_input(
    app: dict[str, Any], tmp_path: Path, environments: str, image: str, message: str
) -> None:
    status, log, outputs = stages(app, tmp_path, ENVIRONMENTS=environments, IMAGE=image)
    assert status != 0
    assert message in log and log.strip().startswith("::error::")
    assert outputs == {}


def test_each_job_gets_only_the_permissions_it_uses(app: dict[str, Any]) -> None:
    """The test job runs the pull request's code: no OIDC token for it. Only the jobs that
    assume a role (the image push, the deploys) may mint one."""
    assert app["permissions"] == {}
    jobs = app["jobs"]
    assert jobs["test"]["permissions"] == {"contents": "read"}
    assert jobs["build"]["permissions"] == {"contents": "read", "id-token": "write"}
    for stage in range(1, STAGES + 1):
        assert jobs[f"deploy-{stage}"]["permissions"] == {"contents": "read", "id-token": "write"}
        assert "secrets" not in jobs[f"deploy-{stage}"]
    assert jobs["stages"]["permissions"] == {} and jobs["report"]["permissions"] == {}
    for name in ("test", "build"):
        checkout = jobs[name]["steps"][0]
        assert checkout["uses"].startswith("actions/checkout@")
        assert checkout["with"]["persist-credentials"] is False


def test_the_callers_commands_reach_the_shell_as_data(app: dict[str, Any], tmp_path: Path) -> None:
    steps = {s.get("name"): s for s in app["jobs"]["test"]["steps"]}
    for name, input_name in (
        ("install", "install-command"),
        ("unit tests", "unit-test-command"),
        ("integration tests", "integration-test-command"),
    ):
        assert steps[name]["env"]["COMMAND"] == f"${{{{ inputs.{input_name} }}}}"
        assert "${{" not in steps[name]["run"]
    # The command still runs as the caller wrote it: quoting, several commands, expansions.
    command = 'printf "%s|" "a  b" c; echo "$((6 * 7))"'
    result = subprocess.run(
        ["bash", "-e", "-c", steps["install"]["run"]],
        env={**os.environ, "COMMAND": command},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "a  b|c|42\n"


def test_deploys_run_in_their_own_github_environment(app: dict[str, Any]) -> None:
    """<stage>-deploy by default: the deploy role trusts it, the Terraform apply role trusts
    <stage> (examples/account-bootstrap), so a deploy job cannot assume the apply role."""
    assert app["on"]["workflow_call"]["inputs"]["deploy-environment-suffix"]["default"] == "-deploy"
    for stage in range(1, STAGES + 1):
        call = app["jobs"][f"deploy-{stage}"]["with"]
        stage_name = f"${{{{ needs.stages.outputs.stage-{stage} }}}}"
        suffix = "${{ inputs.deploy-environment-suffix }}"
        assert call["github-environment"] == stage_name + suffix
    bootstrap = (REPO / "examples" / "account-bootstrap" / "variables.tf").read_text()
    suffix = bootstrap.split('variable "deploy_environment_suffix"')[1].split("default")[1]
    assert suffix.split("\n")[0].strip() == '= "-deploy"'


@pytest.mark.parametrize("suffix", ["/deploy", "-deploy prod", "${{ x }}"])
def test_a_bad_deploy_environment_suffix_is_refused_naming_the_input(
    app: dict[str, Any], tmp_path: Path, suffix: str
) -> None:
    status, log, outputs = stages(app, tmp_path, SUFFIX=suffix)
    assert status != 0
    assert log.strip().startswith("::error::input 'deploy-environment-suffix'")
    assert outputs == {}


def after_the_build(
    app: dict[str, Any], build: str = "success", image_built: str = IMAGE, **given: Any
) -> dict[str, str]:
    """Each job after the build, run or skipped as its `if:` says (the expressions read as the
    runner reads them), with the workflow's input defaults under ``given``; every job that
    runs succeeds. The build's result and the image it outputs are given."""
    declared = app["on"]["workflow_call"]["inputs"]
    inputs = {name: spec.get("default") for name, spec in declared.items()} | given
    environments = json.loads(inputs["environments"])
    results: dict[str, str] = {"test": "success", "build": build}
    outputs: dict[str, dict[str, Any]] = {"build": {"image": image_built}}
    for name in ("stages", *[f"deploy-{n}" for n in range(1, STAGES + 1)], "report"):
        job = app["jobs"][name]
        needs = [job["needs"]] if isinstance(job["needs"], str) else job["needs"]
        context = {
            "inputs": inputs,
            "needs": {n: {"result": results[n], "outputs": outputs.get(n, {})} for n in needs},
        }
        results[name] = "success" if truthy(evaluate(job["if"], context)) else "skipped"
        if name == "stages" and results[name] == "success":
            slots = {f"stage-{n}": "" for n in range(1, STAGES + 1)}
            outputs[name] = slots | {f"stage-{n}": e for n, e in enumerate(environments, 1)}
    output = app["on"]["workflow_call"]["outputs"]["image"]["value"]
    jobs = {"build": {"outputs": outputs["build"]}}
    results["image output"] = evaluate(output, {"jobs": jobs, "inputs": inputs}) or ""
    return results


def test_push_is_passed_to_the_build_which_asks_for_the_push_role_only_to_push(
    app: dict[str, Any],
) -> None:
    declared = app["on"]["workflow_call"]["inputs"]["push"]
    assert (declared["type"], declared["default"]) == ("boolean", True)
    build = app["jobs"]["build"]
    step = build["steps"][1]
    assert step["with"]["push"] == "${{ inputs.push }}"
    role = "arn:aws:iam::123456789012:role/github-image-push"
    for push, assumed in ((True, role), (False, "")):
        context = {"inputs": {"push": push}, "vars": {"ECR_PUSH_ROLE_ARN": role}}
        assert evaluate(step["with"]["role-to-assume"], context) == assumed
    # The build job keeps its OIDC permission (a push needs it; login-registries might).
    assert build["permissions"]["id-token"] == "write"


def test_a_build_that_pushes_nothing_deploys_nothing(app: dict[str, Any]) -> None:
    """push false: the build succeeds with no image, and the stages, every deploy and the
    report are skipped (not failed); the workflow's image output is empty."""
    environments = '["dev", "staging", "prod"]'
    pushed = after_the_build(app, environments=environments)
    assert [pushed[f"deploy-{n}"] for n in range(1, 5)] == ["success"] * 3 + ["skipped"]
    assert pushed["stages"] == pushed["report"] == "success"
    assert pushed["image output"] == IMAGE

    built = after_the_build(app, image_built="", environments=environments, push=False)
    skipped = ["stages", *[f"deploy-{n}" for n in range(1, 5)], "report"]
    assert {name: built[name] for name in skipped} == dict.fromkeys(skipped, "skipped")
    assert built["image output"] == ""
    # deploy: false skips them likewise; a failed build deploys nothing either.
    assert after_the_build(app, deploy=False)["stages"] == "skipped"
    assert after_the_build(app, build="failure")["deploy-1"] == "skipped"
    # A promotion builds nothing, so push does not apply to it: the given image deploys.
    promoted = after_the_build(app, build="skipped", image_built="", image=IMAGE, push=False)
    assert promoted["deploy-1"] == "success" and promoted["image output"] == IMAGE


def test_the_example_caller_builds_pull_requests_without_pushing(app: dict[str, Any]) -> None:
    caller = load(REPO / "examples" / "workflows" / "app.yml")["jobs"]["app"]["with"]
    for event, pushes in (("pull_request", False), ("push", True), ("workflow_dispatch", True)):
        context = {"github": {"event_name": event}}
        assert evaluate(caller["push"], context) is pushes
        assert evaluate(caller["deploy"], context) is pushes
