"""ecs-deploy as a command, with deployment dynamics from scripted scenarios.

moto's ECS never moves a deployment forward, so the ECS client here is the documented
scripted double (tests/fakes/ecs_scenarios.py) plus a small task definition registry that
answers with the double's revision ARNs. The emulator-backed tests live in
tests/integration/ecs/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.fakes.ecs_scenarios import Scenario, VirtualClock
from tests.support import read_outputs
from tests.unit.ecs.deploy_double import NEW_IMAGE, RegistryEcs, deploy

from slipway.cli import main
from slipway.commands import ecs_deploy


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


def test_timeout_with_client_rollback_stops_the_deployment_with_a_rollback(
    monkeypatch: pytest.MonkeyPatch, github_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, ecs, _ = deploy(
        monkeypatch, Scenario.never_finishes(), "--timeout", "2m", "--rollback", "client"
    )
    out = read_outputs(github_files)
    assert code == 1, "a rollback, even a successful one, fails the step"
    assert out["result"] == "rolled-back"
    stops = [c.params for c in ecs.calls if c.operation == "stop_service_deployment"]
    assert stops == [{"arn": out["service-deployment-arn"], "type": "ROLLBACK"}]
    # ECS rolls back itself: no second UpdateService.
    updates = [c.params for c in ecs.calls if c.operation == "update_service"]
    assert [u["taskDefinition"] for u in updates] == [ecs.new_taskdef_arn]
    assert "ROLLBACK_SUCCESSFUL" in capsys.readouterr().out


def test_client_rollback_without_the_service_deployment_api_redeploys_the_previous_revision(
    monkeypatch: pytest.MonkeyPatch, github_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, ecs, _ = deploy(
        monkeypatch, Scenario.never_finishes(), "--timeout", "2m", "--rollback", "client", api=False
    )
    out = read_outputs(github_files)
    assert code == 1
    assert out["result"] in ("timeout", "rolled-back")
    assert out["service-deployment-arn"] == ""
    updates = [c.params for c in ecs.calls if c.operation == "update_service"]
    assert [u["taskDefinition"] for u in updates] == [ecs.new_taskdef_arn, ecs.previous_taskdef_arn]
    assert ecs.count("stop_service_deployment") == 0


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
