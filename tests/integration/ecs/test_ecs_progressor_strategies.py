"""The ECS progressor's service deployments against the real emulator: services created
on the emulator keep their deployment configuration, and each strategy's deployment moves
through its lifecycle, rolls back on a deployment alarm ECS reads from CloudWatch, pauses
and continues, and refuses what ECS refuses."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from tests.fakes.ecs_progressor import EcsProgressor
from tests.integration.ecs.test_ecs_progressor import CLUSTER, SERVICE, create_service, register

pytestmark = pytest.mark.integration

ALARM = "web-5xx"
CANARY = {
    "strategy": "CANARY",
    "bakeTimeInMinutes": 3,
    "canaryConfiguration": {"canaryPercent": 20.0, "canaryBakeTimeInMinutes": 1},
    "alarms": {"alarmNames": [ALARM], "enable": True, "rollback": True},
    "deploymentCircuitBreaker": {"enable": True, "rollback": True},
}


@dataclass
class Canary:
    moto: Any
    ecs: Any
    cloudwatch: Any
    progressor: EcsProgressor
    first: str
    second: str

    def deploy(self) -> str:
        """UpdateService through the double; the service deployment's ARN."""
        service = self.ecs.update_service(
            cluster=CLUSTER, service=SERVICE, taskDefinition=self.second
        )["service"]
        return str(service["currentServiceDeployment"])

    def deployment(self, arn: str) -> dict[str, Any]:
        found = self.ecs.describe_service_deployments(serviceDeploymentArns=[arn])
        return found["serviceDeployments"][0]  # type: ignore[no-any-return]

    def follow(self, arn: str, until: set[str], timeout: float = 20.0) -> list[dict[str, Any]]:
        """Every distinct read (status, stage, weight) until a status in ``until``."""
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            item = self.deployment(arn)
            key = (item["status"], item.get("lifecycleStage"), _weight(item))
            if not seen or key != (
                seen[-1]["status"],
                seen[-1].get("lifecycleStage"),
                _weight(seen[-1]),
            ):
                seen.append(item)
            if item["status"] in until:
                return seen
            time.sleep(0.05)
        raise AssertionError(f"no {until} within {timeout}s: {[s['status'] for s in seen]}")


def _weight(item: dict[str, Any]) -> float | None:
    return item["targetServiceRevision"].get("requestedProductionTrafficWeight")


@pytest.fixture
def canary(aws: str) -> Iterator[Canary]:
    moto = boto3.client("ecs")
    cloudwatch = boto3.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=ALARM,
        MetricName="HTTPCode_Target_5XX_Count",
        Namespace="AWS/ApplicationELB",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    moto.create_cluster(clusterName=CLUSTER)
    first = register(moto, "registry.example/web:1")
    # Created on the emulator itself, as Terraform does: not through the double.
    create_service(moto, first, deploymentConfiguration=CANARY)
    second = register(moto, "registry.example/web:2")
    with EcsProgressor(aws) as progressor:
        ecs = boto3.client("ecs", endpoint_url=progressor.url)
        yield Canary(moto, ecs, cloudwatch, progressor, first, second)


def test_the_emulator_keeps_a_new_services_deployment_configuration(canary: Canary) -> None:
    stored = canary.moto.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    assert stored["deploymentConfiguration"] == {
        **CANARY,
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
    }
    # An update changes only what it sends.
    canary.moto.update_service(
        cluster=CLUSTER, service=SERVICE, deploymentConfiguration={"bakeTimeInMinutes": 9}
    )
    updated = canary.moto.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    assert updated["deploymentConfiguration"]["bakeTimeInMinutes"] == 9
    assert updated["deploymentConfiguration"]["canaryConfiguration"]["canaryPercent"] == 20.0


def test_a_canary_moves_through_its_stages_and_completes_after_the_bake(canary: Canary) -> None:
    canary.progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=2, minute_s=0.5)
    arn = canary.deploy()
    assert arn.startswith(
        f"arn:aws:ecs:us-east-1:123456789012:service-deployment/{CLUSTER}/{SERVICE}/"
    )
    seen = canary.follow(arn, {"SUCCESSFUL", "ROLLBACK_SUCCESSFUL"})
    steps = [(s.get("lifecycleStage"), _weight(s)) for s in seen]
    assert ("PRODUCTION_TRAFFIC_SHIFT", 20.0) in steps
    assert ("BAKE_TIME", 100.0) in steps
    assert seen[-1]["status"] == "SUCCESSFUL"
    rollout = canary.ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    [ours] = rollout["deployments"]
    assert (ours["rolloutState"], ours["taskDefinition"]) == ("COMPLETED", canary.second)
    listed = canary.ecs.list_service_deployments(cluster=CLUSTER, service=SERVICE)
    assert [d["serviceDeploymentArn"] for d in listed["serviceDeployments"]] == [arn]


def test_an_alarm_during_the_bake_makes_ecs_roll_back(canary: Canary) -> None:
    canary.progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=2, minute_s=2.0)
    arn = canary.deploy()
    canary.follow(arn, {"IN_PROGRESS"})
    deadline = time.monotonic() + 20
    while canary.deployment(arn).get("lifecycleStage") != "BAKE_TIME":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    canary.cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="5xx")
    seen = canary.follow(arn, {"ROLLBACK_SUCCESSFUL"})
    rolled = seen[-1]
    assert rolled["lifecycleStage"] == "BAKE_TIME"
    assert rolled["alarms"] == {
        "status": "TRIGGERED",
        "alarmNames": [ALARM],
        "triggeredAlarmNames": [ALARM],
    }
    assert rolled["rollback"]["reason"] == f"CloudWatch alarm(s) {ALARM} in ALARM state."
    assert _weight(rolled) == 0.0
    # ECS went back to the first task definition, and so did the emulator's service.
    assert (
        canary.moto.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0][
            "taskDefinition"
        ]
        == canary.first
    )
    rollout = canary.ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    assert [d["taskDefinition"] for d in rollout["deployments"]] == [canary.first]


def test_a_pause_hook_holds_the_deployment_until_continued(canary: Canary) -> None:
    pause = {
        "targetType": "PAUSE",
        "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
        "timeoutConfiguration": {"timeoutInMinutes": 30, "action": "ROLLBACK"},
    }
    canary.moto.update_service(
        cluster=CLUSTER, service=SERVICE, deploymentConfiguration={"lifecycleHooks": [pause]}
    )
    canary.progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=2, minute_s=0.1)
    arn = canary.deploy()
    deadline = time.monotonic() + 10
    while not canary.deployment(arn).get("lifecycleHookDetails"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    [hook] = canary.deployment(arn)["lifecycleHookDetails"]
    assert (hook["targetType"], hook["status"], hook["timeoutAction"]) == (
        "PAUSE",
        "AWAITING_ACTION",
        "ROLLBACK",
    )
    assert canary.deployment(arn)["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT"
    with pytest.raises(ClientError, match="ConflictException"):
        canary.ecs.continue_service_deployment(
            serviceDeploymentArn=arn, hookId="ecs-pause-unknown", action="CONTINUE"
        )
    canary.ecs.continue_service_deployment(
        serviceDeploymentArn=arn, hookId=hook["hookId"], action="CONTINUE"
    )
    assert canary.follow(arn, {"SUCCESSFUL"})[-1]["status"] == "SUCCESSFUL"


def test_stop_with_rollback_and_what_ecs_refuses(canary: Canary) -> None:
    canary.progressor.set_scenario(CLUSTER, SERVICE, "stuck")
    arn = canary.deploy()
    canary.ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
    rolled = canary.follow(arn, {"ROLLBACK_SUCCESSFUL"})[-1]
    assert rolled["rollback"]["reason"] == "rollback requested by StopServiceDeployment"
    with pytest.raises(ClientError) as refused:
        canary.ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
    assert refused.value.response["Error"]["Code"] == "ConflictException"
    with pytest.raises(ClientError) as missing:
        canary.ecs.describe_service_deployments(serviceDeploymentArns=[arn])
        canary.ecs.stop_service_deployment(serviceDeploymentArn=arn + "x")
    assert missing.value.response["Error"]["Code"] == "ServiceDeploymentNotFoundException"
