"""The alarm bake and ECS's own bake: alarms ECS watched through the bake of a successful
BLUE_GREEN, CANARY or LINEAR deployment are not baked a second time (ship, cw-alarms-check,
app-deploy.yml), unless asked."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest
from tests.unit.commands.test_ship_flow import IMAGE, NEW, PREVIOUS, FakeStages

from slipway.commands.ecs_bake import EcsBake, covered, from_view
from slipway.commands.ship import _left_to_bake
from slipway.commands.ship_flow import Stages, run_ship
from slipway.ecs.deploy import DeployOutcome
from slipway.ecs.service_deployment import ServiceDeploymentView
from slipway.ecs.watcher import WatchResult

ARN = "arn:aws:ecs:us-east-1:123456789012:service-deployment/app/web/EZe5RNVLH6PPzHXINuP28"


def view(status: str = "SUCCESSFUL", **configuration: Any) -> ServiceDeploymentView:
    return ServiceDeploymentView.from_api(
        {
            "serviceDeploymentArn": ARN,
            "status": status,
            "deploymentConfiguration": {
                "strategy": "CANARY",
                "bakeTimeInMinutes": 10,
                "alarms": {"alarmNames": ["web-5xx"], "enable": True, "rollback": True},
                **configuration,
            },
        }
    )


@pytest.mark.parametrize(
    ("deployment", "baked"),
    [
        (view(), EcsBake("EZe5RNVLH6PPzHXINuP28", "CANARY", 10, ("web-5xx",))),
        (view("ROLLBACK_SUCCESSFUL"), None),  # a rollback baked nothing that stayed
        (view(strategy="ROLLING"), None),  # rolling deployments have no bake
        (view(bakeTimeInMinutes=0), None),
        (view(alarms={"alarmNames": ["web-5xx"], "enable": True, "rollback": False}), None),
        (view(alarms={"alarmNames": ["web-5xx"], "enable": False, "rollback": True}), None),
        (None, None),
    ],
)
def test_only_a_successful_shifting_deployment_with_alarm_rollback_and_a_bake_counts(
    deployment: ServiceDeploymentView | None, baked: EcsBake | None
) -> None:
    assert from_view(deployment) == baked


def test_covered_keeps_the_order_and_the_alarms_ecs_did_not_watch() -> None:
    baked = from_view(view(alarms={"alarmNames": ["a", "c"], "enable": True, "rollback": True}))
    assert covered(baked, ["c", "b", "a", "d"]) == (["c", "a"], ["b", "d"])
    assert covered(None, ["a"]) == ([], ["a"])


def deployed_with(deployment: ServiceDeploymentView) -> DeployOutcome:
    watch = WatchResult("completed", None, 900.0, 40, 0, 900.0, service_deployment=deployment)
    return DeployOutcome("deployed", PREVIOUS, [], new_arn=NEW, watch=watch)


class EcsBakedStages(FakeStages):
    def left_to_bake(self, outcome: DeployOutcome, names: Sequence[str]) -> tuple[list[str], str]:
        baked = from_view(
            view(alarms={"alarmNames": ["web-5xx"], "enable": True, "rollback": True})
        )
        done, remaining = covered(baked, names)
        return remaining, f"ECS baked {', '.join(done)}"

    def run_with(self, left: Any) -> Any:
        stages = Stages(self.preflight, self.publish, self.deploy, self.bake, self.rollback, left)
        return run_ship(stages, monotonic=self.clock)


def test_ship_bakes_only_what_ecs_did_not() -> None:
    fake = EcsBakedStages()
    outcome = fake.run_with(fake.left_to_bake)
    assert outcome.result == "shipped"
    assert fake.calls == ["preflight", "publish", f"deploy {IMAGE}", "bake web-latency"]


def test_ship_skips_the_bake_when_ecs_baked_every_alarm() -> None:
    fake = EcsBakedStages(watched=("web-5xx",))
    outcome = fake.run_with(fake.left_to_bake)
    assert outcome.result == "shipped" and outcome.bake is None
    assert fake.calls == ["preflight", "publish", f"deploy {IMAGE}"]
    assert [(s.name, s.ok, s.verdict) for s in outcome.stages][-1] == (
        "bake",
        True,
        "ECS baked web-5xx",
    )


def test_ships_own_check_reads_the_deployments_service_deployment() -> None:
    notices: list[str] = []
    runner = SimpleNamespace(notice=notices.append)
    names = ["web-5xx", "web-latency"]
    left = _left_to_bake(
        runner, SimpleNamespace(repeat_ecs_bake=False), deployed_with(view()), names
    )  # type: ignore[arg-type]
    assert left == (
        ["web-latency"],
        "ECS baked CANARY deployment EZe5RNVLH6PPzHXINuP28 for 10m under 1 deployment "
        "alarm(s) with rollback: not baking again web-5xx",
    )
    assert notices == [left[1]]
    again = _left_to_bake(
        runner, SimpleNamespace(repeat_ecs_bake=True), deployed_with(view()), names
    )  # type: ignore[arg-type]
    assert again == (names, "")
    rolling = deployed_with(view(strategy="ROLLING"))
    assert _left_to_bake(runner, SimpleNamespace(repeat_ecs_bake=False), rolling, names) == (
        names,
        "",
    )  # type: ignore[arg-type]
