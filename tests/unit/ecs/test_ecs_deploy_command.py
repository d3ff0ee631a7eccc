"""ecs-deploy as a command, with deployment dynamics from scripted scenarios.

moto's ECS never moves a deployment forward, so the ECS client here is the documented
scripted double (tests/fakes/ecs_scenarios.py) plus a small task definition registry that
answers with the double's revision ARNs. The emulator-backed tests live in
tests/integration/ecs/.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.ecs_scenarios import Scenario, ScriptedEcs, VirtualClock
from tests.support import read_outputs

from slipway.cli import main
from slipway.commands import ecs_deploy
from slipway.ecs.deploy import Clock

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "ecs" / "describe_task_definition.json"
DIGEST = "sha256:" + "ab" * 32
NEW_IMAGE = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web@{DIGEST}"


class RegistryEcs(ScriptedEcs):
    """The scripted double plus the task definition calls a deploy makes before watching."""

    def __init__(self, scenario: Scenario, clock: VirtualClock) -> None:
        super().__init__(scenario, clock, family="web")
        described = json.loads(FIXTURE.read_text())
        described["taskDefinition"]["family"] = "web"
        described["taskDefinition"]["taskDefinitionArn"] = self.previous_taskdef_arn
        self.described = described
        self.registered: list[dict[str, Any]] = []

    updated = False

    def describe_services(self, **kw: Any) -> dict[str, Any]:
        """Before update_service the service still runs the previous revision alone."""
        response = super().describe_services(**kw)
        if not self.updated:
            for service in response.get("services", []):
                service["taskDefinition"] = self.previous_taskdef_arn
                service["deployments"] = [
                    d
                    for d in service["deployments"]
                    if d["taskDefinition"] == self.previous_taskdef_arn
                ] or service["deployments"][-1:]
        return response

    def update_service(self, **kw: Any) -> dict[str, Any]:
        self.updated = True
        return super().update_service(**kw)

    def describe_task_definition(self, *, taskDefinition: str, **kw: Any) -> dict[str, Any]:  # noqa: N803
        assert taskDefinition == self.previous_taskdef_arn
        return copy.deepcopy(self.described)

    def register_task_definition(self, **params: Any) -> dict[str, Any]:
        self.registered.append(params)
        return {"taskDefinition": {**params, "taskDefinitionArn": self.new_taskdef_arn}}


@pytest.fixture
def github_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    outputs = tmp_path / "outputs"
    for key, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    return outputs


def deploy(
    monkeypatch: pytest.MonkeyPatch, scenario: Scenario, *args: str
) -> tuple[int, RegistryEcs, VirtualClock]:
    clock = VirtualClock()
    ecs = RegistryEcs(scenario, clock)
    monkeypatch.setattr(ecs_deploy, "ecs_client", lambda session: ecs)
    # Virtual time for the whole deploy: a 15-minute timeout passes in microseconds.
    monkeypatch.setattr(ecs_deploy, "deploy_clock", lambda: Clock(clock.monotonic, clock.sleep))
    code = main(
        [
            "ecs-deploy",
            "--cluster",
            "app-prod",
            "--service",
            "web",
            "--images",
            f"web={NEW_IMAGE}",
            *args,
        ]
    )
    return code, ecs, clock


def test_deployment_completes(
    monkeypatch: pytest.MonkeyPatch, github_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, ecs, clock = deploy(
        monkeypatch, Scenario.completes(after_s=40), "--environment", "web.RELEASE=abc123"
    )
    out = read_outputs(github_files)
    assert code == 0, capsys.readouterr().out
    assert out["result"] == "deployed"
    assert out["task-definition-arn"] == ecs.new_taskdef_arn
    assert out["previous-task-definition-arn"] == ecs.previous_taskdef_arn
    assert out["deployment-id"] == ecs.deployment_id
    registered = ecs.registered[0]
    web = next(c for c in registered["containerDefinitions"] if c["name"] == "web")
    assert web["image"] == NEW_IMAGE
    assert {"name": "RELEASE", "value": "abc123"} in web["environment"]
    assert "taskDefinitionArn" not in registered and "revision" not in registered
    diff = json.loads(out["diff"])
    assert any(
        d["path"] == "containerDefinitions[web].image"
        and d["kind"] == "changed"
        and d["new"] == NEW_IMAGE
        for d in diff
    )
    assert clock.t >= 40  # it waited for COMPLETED, not for counts


def test_circuit_breaker_rollback_fails_and_explains(
    monkeypatch: pytest.MonkeyPatch, github_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = deploy(monkeypatch, Scenario.circuit_breaker_rollback(fail_after_s=60))
    stdout = capsys.readouterr().out
    out = read_outputs(github_files)
    assert code == 1
    assert out["result"] == "rolled-back"
    assert "circuit breaker" in stdout
    assert "::error::deploy rolled-back" in stdout


def test_timeout_with_client_rollback_redeploys_the_previous_revision(
    monkeypatch: pytest.MonkeyPatch, github_files: Path
) -> None:
    code, ecs, _ = deploy(
        monkeypatch, Scenario.never_finishes(), "--timeout", "2m", "--rollback", "client"
    )
    out = read_outputs(github_files)
    assert code == 1
    assert out["result"] in ("timeout", "rolled-back")
    updates = [c.params for c in ecs.calls if c.operation == "update_service"]
    assert [u["taskDefinition"] for u in updates] == [ecs.new_taskdef_arn, ecs.previous_taskdef_arn]


def test_failed_migration_stops_before_the_service_is_touched(
    monkeypatch: pytest.MonkeyPatch, github_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, ecs, _ = deploy(
        monkeypatch,
        Scenario.one_off(exit_code=1),
        "--migration-command",
        '["python", "-m", "app.migrate"]',
        "--migration-container",
        "web",
    )
    out = read_outputs(github_files)
    assert code == 1
    assert out["result"] == "migration-failed"
    assert "exit" in capsys.readouterr().out.lower()
    assert ecs.count("update_service") == 0
    run = next(c.params for c in ecs.calls if c.operation == "run_task")
    assert run["overrides"]["containerOverrides"][0]["command"] == ["python", "-m", "app.migrate"]


def test_throttling_during_the_watch_is_retried(
    monkeypatch: pytest.MonkeyPatch, github_files: Path
) -> None:
    code, _, _ = deploy(monkeypatch, Scenario.completes(after_s=30).throttles([3, 4, 5, 12]))
    assert code == 0
    assert read_outputs(github_files)["result"] == "deployed"


def test_dry_run_registers_nothing(monkeypatch: pytest.MonkeyPatch, github_files: Path) -> None:
    code, ecs, _ = deploy(monkeypatch, Scenario.completes(), "--dry-run", "true")
    assert code == 0
    assert read_outputs(github_files)["result"] == "dry-run"
    assert ecs.registered == []
    assert ecs.count("update_service") == 0


def test_unknown_container_is_refused_before_registering(
    monkeypatch: pytest.MonkeyPatch, github_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = VirtualClock()
    ecs = RegistryEcs(Scenario.completes(), clock)
    monkeypatch.setattr(ecs_deploy, "ecs_client", lambda session: ecs)
    code = main(
        ["ecs-deploy", "--cluster", "app-prod", "--service", "web", "--images", f"api={NEW_IMAGE}"]
    )
    assert code == 1
    assert "input 'images'" in capsys.readouterr().out
    assert ecs.registered == []
    assert ecs.count("update_service") == 0
