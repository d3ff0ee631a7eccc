"""The scripted ECS double plus the task definition calls a deploy makes, and ecs-deploy run
as a command against it in virtual time: shared by the ecs-deploy command tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.ecs_scenarios import Scenario, ScriptedEcs, VirtualClock

from slipway.cli import main
from slipway.commands import ecs_deploy
from slipway.ecs.deploy import Clock

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "ecs" / "describe_task_definition.json"
DIGEST = "sha256:" + "ab" * 32
NEW_IMAGE = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web@{DIGEST}"


class RegistryEcs(ScriptedEcs):
    """The scripted double plus the task definition calls a deploy makes before watching."""

    def __init__(self, scenario: Scenario, clock: VirtualClock, *, api: bool = True) -> None:
        super().__init__(scenario, clock, family="web", service_deployment_api=api)
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


def deploy(
    monkeypatch: pytest.MonkeyPatch, scenario: Scenario, *args: str, api: bool = True
) -> tuple[int, RegistryEcs, VirtualClock]:
    clock = VirtualClock()
    ecs = RegistryEcs(scenario, clock, api=api)
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
