"""The ECS progressor double against the real moto server: deployments progress as its
scenario says, everything else is moto's answer."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from tests.fakes.ecs_progressor import CIRCUIT_BREAKER_REASON, EcsProgressor

CLUSTER = "app"
SERVICE = "web"
DEPLOYMENT_ID = re.compile(r"^ecs-svc/\d{19}$")


@dataclass
class Stack:
    moto: Any  # ECS client talking to moto directly
    ecs: Any  # ECS client talking to the progressor
    progressor: EcsProgressor
    first: str  # the service's task definition
    second: str  # a new revision to deploy

    def service(self, client: Any | None = None) -> dict[str, Any]:
        client = client or self.ecs
        return client.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]  # type: ignore[no-any-return]


def register(ecs: Any, image: str) -> str:
    return str(
        ecs.register_task_definition(
            family="web",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[{"name": "web", "image": image, "essential": True}],
        )["taskDefinition"]["taskDefinitionArn"]
    )


def create_service(ecs: Any, task_definition: str, **extra: Any) -> None:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    ecs.create_service(
        cluster=CLUSTER,
        serviceName=SERVICE,
        taskDefinition=task_definition,
        desiredCount=2,
        launchType="FARGATE",
        # moto refuses an awsvpc service without securityGroups
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}
        },
        **extra,
    )


@pytest.fixture
def stack(aws: str) -> Iterator[Stack]:
    moto = boto3.client("ecs")
    moto.create_cluster(clusterName=CLUSTER)
    first = register(moto, "registry.example/web:1")
    create_service(moto, first)
    second = register(moto, "registry.example/web:2")
    with EcsProgressor(aws) as progressor:
        yield Stack(
            moto, boto3.client("ecs", endpoint_url=progressor.url), progressor, first, second
        )


def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.1)


def messages(service: dict[str, Any]) -> list[str]:
    return [e["message"] for e in service["events"]]


def test_update_service_reports_the_new_primary_deployment(stack: Stack) -> None:
    stack.progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=1)
    started = time.time()
    response = stack.ecs.update_service(
        cluster=CLUSTER, service=SERVICE, taskDefinition=stack.second
    )["service"]
    new, old = response["deployments"]
    assert DEPLOYMENT_ID.match(new["id"])
    assert (new["status"], new["rolloutState"], new["taskDefinition"]) == (
        "PRIMARY",
        "IN_PROGRESS",
        stack.second,
    )
    assert new["rolloutStateReason"] == f"ECS deployment {new['id']} in progress."
    assert abs(new["createdAt"].timestamp() - started) < 2
    assert (new["desiredCount"], new["runningCount"], new["failedTasks"]) == (2, 0, 0)
    assert new["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"]
    assert (old["status"], old["rolloutState"], old["taskDefinition"]) == (
        "ACTIVE",
        "COMPLETED",
        stack.first,
    )
    assert old["runningCount"] == 2  # the service was steady before the update
    assert response["taskDefinition"] == stack.second
    # moto itself took the update
    assert stack.service(stack.moto)["taskDefinition"] == stack.second


def test_completed_scenario_progresses_to_completed(stack: Stack) -> None:
    stack.progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=1)
    new_id = stack.ecs.update_service(
        cluster=CLUSTER, service=SERVICE, taskDefinition=stack.second
    )["service"]["deployments"][0]["id"]

    early = stack.service()
    first = early["deployments"][0]
    assert (first["id"], first["rolloutState"]) == (new_id, "IN_PROGRESS")
    assert len(early["deployments"]) == 2

    wait_until(lambda: stack.service()["deployments"][0]["rolloutState"] != "IN_PROGRESS")
    done = stack.service()
    [ours] = done["deployments"]
    assert (ours["id"], ours["status"], ours["rolloutState"]) == (new_id, "PRIMARY", "COMPLETED")
    assert ours["rolloutStateReason"] == f"ECS deployment {new_id} completed."
    assert (ours["runningCount"], ours["pendingCount"]) == (2, 0)
    assert (done["runningCount"], done["desiredCount"], done["pendingCount"]) == (2, 2, 0)
    assert done["taskDefinition"] == stack.second
    events = messages(done)
    assert events[0] == "(service web) has reached a steady state."
    assert f"(service web) (deployment {new_id}) deployment completed." in events
    assert any(re.fullmatch(r"\(service web\) has started 2 tasks: .*\.", m) for m in events)
    assert "(service web) has stopped 2 running tasks." in events
    created = [e["createdAt"] for e in done["events"]]
    assert created == sorted(created, reverse=True)  # newest first, like ECS
    assert len({e["id"] for e in done["events"]}) == len(events)


def test_circuit_breaker_scenario_fails_and_rolls_back(stack: Stack) -> None:
    stack.progressor.set_scenario(CLUSTER, SERVICE, "circuit_breaker", after_s=1, drain_s=1)
    new_id = stack.ecs.update_service(
        cluster=CLUSTER, service=SERVICE, taskDefinition=stack.second
    )["service"]["deployments"][0]["id"]

    def failed() -> bool:
        return any(d.get("rolloutState") == "FAILED" for d in stack.service()["deployments"])

    wait_until(failed)
    service = stack.service()
    rollback, ours = service["deployments"]
    assert (ours["id"], ours["status"], ours["rolloutState"]) == (new_id, "ACTIVE", "FAILED")
    assert ours["rolloutStateReason"] == CIRCUIT_BREAKER_REASON
    assert ours["failedTasks"] == 3
    assert DEPLOYMENT_ID.match(rollback["id"]) and rollback["id"] != new_id
    assert (rollback["status"], rollback["taskDefinition"]) == ("PRIMARY", stack.first)
    assert service["taskDefinition"] == stack.first
    events = messages(service)
    assert events[:2] == [
        f"(service web) rolling back to deployment {rollback['id']}.",
        f"(service web) (deployment {new_id}) deployment failed: tasks failed to start.",
    ]
    started = [m for m in events if "has started 1 tasks" in m]
    stopped = [m for m in events if "has stopped 1 running tasks" in m]
    assert len(started) == len(stopped) == 3
    task_ids = {m.rsplit("(task ", 1)[1] for m in started}
    assert {m.rsplit("(task ", 1)[1] for m in stopped} == task_ids  # the tasks that failed
    # ECS points the service back at the previous revision; moto was told so too
    assert stack.service(stack.moto)["taskDefinition"] == stack.first

    wait_until(lambda: len(stack.service()["deployments"]) == 1)
    [back] = stack.service()["deployments"]
    assert (back["id"], back["status"], back["rolloutState"]) == (
        rollback["id"],
        "PRIMARY",
        "COMPLETED",
    )
    assert back["taskDefinition"] == stack.first
    assert messages(stack.service())[0] == "(service web) has reached a steady state."


def test_a_service_without_a_scenario_stays_in_progress(stack: Stack) -> None:
    stack.ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=stack.second)
    time.sleep(0.3)
    deployments = stack.service()["deployments"]
    assert [(d["status"], d["rolloutState"]) for d in deployments] == [
        ("PRIMARY", "IN_PROGRESS"),
        ("ACTIVE", "COMPLETED"),
    ]


def test_an_update_that_keeps_the_task_definition_starts_no_deployment(stack: Stack) -> None:
    before = stack.service()["deployments"]
    response = stack.ecs.update_service(cluster=CLUSTER, service=SERVICE, desiredCount=3)
    assert [d["id"] for d in response["service"]["deployments"]] == [d["id"] for d in before]
    assert stack.progressor.state() == {}


def test_other_calls_pass_through_to_moto(stack: Stack) -> None:
    third = register(stack.ecs, "registry.example/web:3")
    assert third.endswith("task-definition/web:3")
    described = stack.moto.describe_task_definition(taskDefinition=third)["taskDefinition"]
    assert described["containerDefinitions"][0]["image"] == "registry.example/web:3"
    assert stack.ecs.list_clusters()["clusterArns"] == stack.moto.list_clusters()["clusterArns"]
    with pytest.raises(ClientError) as caught:
        stack.ecs.describe_services(cluster="nowhere", services=[SERVICE])
    assert caught.value.response["Error"]["Code"] == "ClusterNotFoundException"
    assert stack.progressor.requests == [
        "RegisterTaskDefinition",
        "ListClusters",
        "DescribeServices",
    ]


def test_deployment_configuration_is_kept_for_services_created_through_it(stack: Stack) -> None:
    config = {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
    }
    network = stack.service(stack.moto)["networkConfiguration"]
    created = stack.ecs.create_service(
        cluster=CLUSTER,
        serviceName="api",
        taskDefinition=stack.first,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=network,
        deploymentConfiguration=config,
    )["service"]
    assert created["deploymentConfiguration"] == config
    api = stack.ecs.describe_services(cluster=CLUSTER, services=["api"])["services"][0]
    assert api["deploymentConfiguration"] == config


def control(url: str, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url + path, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_control_api_over_http(stack: Stack) -> None:
    url = stack.progressor.url
    spec = {"cluster": CLUSTER, "service": SERVICE, "outcome": "completed", "after_s": 0.5}
    assert control(url, "POST", "/_progressor/scenario", spec) == (200, {"ok": True})
    status, body = control(url, "POST", "/_progressor/scenario", {**spec, "outcome": "maybe"})
    assert status == 400 and "outcome must be one of" in body["error"]
    stack.ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=stack.second)
    wait_until(lambda: stack.service()["deployments"][0]["rolloutState"] == "COMPLETED")
    status, state = control(url, "GET", "/_progressor/state")
    assert status == 200
    [deployment] = state["app/web"]["deployments"]
    assert deployment["taskDefinition"] == stack.second
    assert control(url, "POST", "/_progressor/reset") == (200, {"ok": True})
    assert control(url, "GET", "/_progressor/state") == (200, {})
    assert control(url, "GET", "/_progressor/nothing")[0] == 404
