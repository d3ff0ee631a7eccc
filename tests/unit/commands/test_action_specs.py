"""Each action's action.yml and README agree with what its command reads."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from slipway.commands import COMMANDS, ROOT_ACTION
from slipway.gha.inputs import env_name
from slipway.gha.spec import ActionSpec, DeclaredEnv, UndeclaredInputError

REPO = Path(__file__).resolve().parents[3]


def spec_of(command: str) -> ActionSpec:
    spec: ActionSpec = importlib.import_module(COMMANDS[command]).SPEC
    return spec


def action_files(command: str) -> tuple[Path, Path]:
    """(action.yml, README with the reference): the root action lives at the top."""
    if command == ROOT_ACTION:
        return REPO / "action.yml", REPO / "docs" / f"{command}.md"
    return REPO / "actions" / command / "action.yml", REPO / "actions" / command / "README.md"


def test_generated_action_files_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "generate-actions"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_action_yml_maps_every_input_to_its_variable(command: str) -> None:
    spec = spec_of(command)
    action = yaml.safe_load(action_files(command)[0].read_text())
    assert list(action["inputs"]) == [i.name for i in spec.inputs]
    assert list(action["outputs"]) == [o.name for o in spec.outputs]
    step = action["runs"]["steps"][0]
    assert step["env"] == {env_name(i.name): f"${{{{ inputs.{i.name} }}}}" for i in spec.inputs}
    assert f"-m slipway {command}" in step["run"]
    for item in spec.inputs:
        assert action["inputs"][item.name].get("default", "") == item.default


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_readme_documents_every_input_and_output(command: str) -> None:
    readme = action_files(command)[1].read_text()
    spec = spec_of(command)
    for item in (*spec.inputs, *spec.outputs):
        assert f"| `{item.name}` |" in readme


def test_cw_alarms_check_reads_exactly_its_declared_inputs() -> None:
    from slipway.commands import cw_alarms_check
    from slipway.gha.inputs import Inputs

    env = DeclaredEnv(cw_alarms_check.SPEC, {"INPUT_ALARM_NAMES": "a", "AWS_REGION": "eu-west-1"})
    request = cw_alarms_check.parse(Inputs(env), env)
    assert env.read == {i.name for i in cw_alarms_check.SPEC.inputs}
    # The defaults come from the spec, the one place they are declared.
    assert request.bake_seconds == 300
    assert request.poll_seconds == 15
    assert request.policy.pre_existing == "fail"
    assert request.aws.region == "eu-west-1"


def test_reading_an_undeclared_input_is_a_bug_caught_loudly() -> None:
    env = DeclaredEnv(spec_of("cw-alarms-check"), {})
    with pytest.raises(UndeclaredInputError, match="INPUT_NOT_DECLARED"):
        env.get("INPUT_NOT_DECLARED")


def test_runner_exported_input_variables_pass_through_but_typos_fail() -> None:
    env = DeclaredEnv(spec_of("tf-plan"), {"INPUT_PLAN-STORE-KMS-KEY": "", "HOME": "/root"})
    assert dict(env)["INPUT_PLAN-STORE-KMS-KEY"] == ""
    with pytest.raises(UndeclaredInputError):
        env.get("INPUT_PLAN_STORE_KMS")


def test_engine_environment_never_carries_action_inputs() -> None:
    from types import SimpleNamespace

    from slipway.aws.config import AwsSettings
    from slipway.commands.terraform_flow import engine_environment

    env = {"INPUT_GITHUB_TOKEN": "ghs_secret", "PATH": "/bin", "AWS_REGION": "x"}
    result = engine_environment(env, SimpleNamespace(region="eu-west-1"), AwsSettings("eu-west-1"))
    assert result == {"PATH": "/bin", "AWS_REGION": "eu-west-1"}


def test_the_root_action_bootstraps_from_the_repository_root() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    run = action["runs"]["steps"][0]["run"]
    assert '"${{ github.action_path }}/scripts/bootstrap"' in run
    assert run.strip().endswith("-m slipway ship")
    assert not (REPO / "actions" / ROOT_ACTION).exists()


def test_with_a_role_the_engine_gets_a_profile_not_keys(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from slipway.aws.config import AwsSettings
    from slipway.commands.terraform_flow import engine_environment

    env = {"AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "s", "RUNNER_TEMP": str(tmp_path)}
    role = "arn:aws:iam::111111111111:role/dev-terraform-apply"
    settings = AwsSettings("eu-west-1", role_to_assume=role)
    result = engine_environment(env, SimpleNamespace(region="eu-west-1"), settings)
    assert "AWS_ACCESS_KEY_ID" not in result
    assert result["AWS_PROFILE"] == "slipway-engine"
    config = Path(result["AWS_CONFIG_FILE"])
    assert config.parent.parent == tmp_path / "slipway" / "aws"
    assert f"--role-arn={role}" in config.read_text()
    assert config.parent.stat().st_mode & 0o077 == 0
