"""task-definition naming a registered revision: recognised without AWS, deployed as it is
(nothing rendered or registered), and refused with changes that would need a new one."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.ecs_scenarios import Scenario, VirtualClock
from tests.support import read_outputs
from tests.unit.ecs.test_ecs_deploy_command import NEW_IMAGE, RegistryEcs

from slipway.cli import main
from slipway.commands import ecs_deploy
from slipway.ecs.deploy import Clock
from slipway.ecs.taskdef import registered_revision

ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/web-app_2:17"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ARN, ARN),
        ("web:3", "web:3"),
        ("  web-app_2:12 \n", "web-app_2:12"),
        (
            "arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/web:1",
            "arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/web:1",
        ),
        ("taskdef.json", None),
        ("deploy/web.json", None),
        ("web:0", None),
        ("web:01", None),
        ("web", None),
        ("web:latest", None),
        ("arn:aws:ecs:us-east-1:123456789012:task-definition/web", None),
        ("arn:aws:ecs:us-east-1:12345:task-definition/web:1", None),
    ],
)
def test_registered_revision_or_a_file(text: str, expected: str | None) -> None:
    assert registered_revision(text) == expected


class RevisionEcs(RegistryEcs):
    """The double with revision web:42 registered already (say by an earlier run): the
    deployment the scenario drives is the one of that revision."""

    def describe_task_definition(self, *, taskDefinition: str, **kw: Any) -> dict[str, Any]:  # noqa: N803
        if taskDefinition == "web:42":
            described = copy.deepcopy(self.described)
            described["taskDefinition"]["taskDefinitionArn"] = self.new_taskdef_arn
            described["taskDefinition"]["containerDefinitions"][0]["image"] = NEW_IMAGE
            return described
        if taskDefinition == "web:99":
            from botocore.exceptions import ClientError

            error = {"Error": {"Code": "ClientException", "Message": "Unable to describe."}}
            raise ClientError(error, "DescribeTaskDefinition")  # type: ignore[arg-type]
        return super().describe_task_definition(taskDefinition=taskDefinition, **kw)


@pytest.fixture
def double(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RevisionEcs:
    clock = VirtualClock()
    ecs = RevisionEcs(Scenario.completes(after_s=30), clock)
    monkeypatch.setattr(ecs_deploy, "ecs_client", lambda session: ecs)
    monkeypatch.setattr(ecs_deploy, "deploy_clock", lambda: Clock(clock.monotonic, clock.sleep))
    for key, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "outputs"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    return ecs


def test_a_revision_is_deployed_as_it_is(double: RevisionEcs, tmp_path: Path) -> None:
    code = main(
        ["ecs-deploy", "--cluster", "app-prod", "--service", "web", "--task-definition", "web:42"]
    )
    out = read_outputs(tmp_path / "outputs")
    assert code == 0
    assert double.registered == []
    updates = [c.params["taskDefinition"] for c in double.calls if c.operation == "update_service"]
    assert updates == [double.new_taskdef_arn]  # family:revision resolved to the ARN
    assert out["result"] == "deployed"
    assert out["task-definition-arn"] == double.new_taskdef_arn
    assert out["previous-task-definition-arn"] == double.previous_taskdef_arn
    assert out["deployment-id"] == double.deployment_id
    summary = (tmp_path / "summary.md").read_text()
    assert f"| new task definition | `{double.new_taskdef_arn}` |" in summary
    assert NEW_IMAGE in summary  # the diff shows the revision's image


def test_an_unknown_revision_fails_before_the_service_is_updated(
    double: RevisionEcs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["ecs-deploy", "--cluster", "app-prod", "--service", "web", "--task-definition", "web:99"]
    )
    assert code == 1
    assert (
        "::error::input 'task-definition': expected a registered task definition revision, "
        "got 'web:99'" in capsys.readouterr().out
    )
    assert double.count("update_service") == 0


@pytest.mark.parametrize(
    ("flag", "value", "name"),
    [
        ("--images", f"web={NEW_IMAGE}", "images"),
        ("--environment", "web.RELEASE=1", "environment"),
        ("--secrets", "web.DB=arn:aws:secretsmanager:us-east-1:123456789012:secret:db", "secrets"),
    ],
)
def test_changes_to_a_revision_are_refused_before_any_call(
    double: RevisionEcs, flag: str, value: str, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "ecs-deploy",
            "--cluster",
            "app-prod",
            "--service",
            "web",
            "--task-definition",
            "web:40",
            flag,
            value,
        ]
    )
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if line.startswith("::error")]
    assert code == 1
    assert len(errors) == 1
    assert errors[0].startswith(f"::error::input '{name}': expected nothing when task-definition")
    assert "secretsmanager" not in out
    assert double.calls == []
