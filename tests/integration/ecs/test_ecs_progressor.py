"""The ECS progressor double against the real moto server: deployments progress as its
scenario says, everything else is moto's answer."""

from __future__ import annotations

import copy
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
from tests.fakes.ecs_progressor import (
    CIRCUIT_BREAKER_REASON,
    EcsProgressor,
    OneOff,
    TaskRecord,
    exiting_container,
    task_payload,
)

pytestmark = pytest.mark.integration

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


# -- one-off tasks ---------------------------------------------------------------------------


def register_runnable(ecs: Any, family: str = "web") -> str:
    """A task definition moto alone can run too (it crashed on a container without memory
    or memoryReservation; the project's emulator counts the task-level memory)."""
    return str(
        ecs.register_task_definition(
            family=family,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[
                {"name": "web", "image": f"registry.example/{family}:1", "memoryReservation": 256}
            ],
        )["taskDefinition"]["taskDefinitionArn"]
    )


@pytest.fixture
def tasks(stack: Stack) -> Stack:
    """The stack with a VPC moto can start awsvpc tasks in (it crashes without DNS
    hostnames)."""
    subnet = stack.service(stack.moto)["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
    ec2 = boto3.client("ec2")
    vpc = ec2.describe_subnets(SubnetIds=subnet)["Subnets"][0]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    return stack


def run_task(stack: Stack, task_definition: str, command: tuple[str, ...] = ("migrate",)) -> Any:
    network = stack.service(stack.moto)["networkConfiguration"]
    return stack.ecs.run_task(
        cluster=CLUSTER,
        taskDefinition=task_definition,
        count=1,
        startedBy="slipway",
        launchType="FARGATE",
        networkConfiguration=network,
        overrides={"containerOverrides": [{"name": "web", "command": list(command)}]},
    )["tasks"][0]


def describe_task(stack: Stack, arn: str) -> dict[str, Any]:
    return stack.ecs.describe_tasks(cluster=CLUSTER, tasks=[arn])["tasks"][0]  # type: ignore[no-any-return]


def wait_stopped(stack: Stack, arn: str, timeout: float = 5.0) -> tuple[dict[str, Any], list[str]]:
    """The stopped task and the statuses seen on the way (consecutive repeats dropped)."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        task = describe_task(stack, arn)
        if not seen or seen[-1] != task["lastStatus"]:
            seen.append(task["lastStatus"])
        if task["lastStatus"] == "STOPPED":
            return task, seen
        assert time.monotonic() < deadline, f"task still {task['lastStatus']}"
        time.sleep(0.05)


def test_a_one_off_task_exits_0_after_1s_by_default(tasks: Stack) -> None:
    definition = register_runnable(tasks.moto)
    started = time.time()
    task = run_task(tasks, definition)
    arn = task["taskArn"]
    assert (task["lastStatus"], task["desiredStatus"]) == ("PROVISIONING", "RUNNING")
    assert abs(task["createdAt"].timestamp() - started) < 1
    [container] = task["containers"]
    assert (container["name"], container["lastStatus"], container["taskArn"]) == (
        "web",
        "PENDING",
        arn,
    )
    assert "exitCode" not in container and "stoppedReason" not in task
    # the task exists in moto too, with the command override
    [in_moto] = tasks.moto.describe_tasks(cluster=CLUSTER, tasks=[arn])["tasks"]
    assert in_moto["overrides"]["containerOverrides"][0]["command"] == ["migrate"]
    assert tasks.moto.list_tasks(cluster=CLUSTER)["taskArns"] == [arn]

    stopped, _ = wait_stopped(tasks, arn)
    assert (stopped["lastStatus"], stopped["desiredStatus"]) == ("STOPPED", "STOPPED")
    assert stopped["stopCode"] == "EssentialContainerExited"
    assert stopped["stoppedReason"] == "Essential container in task exited"
    created = stopped["createdAt"].timestamp()
    assert stopped["stoppedAt"].timestamp() - created == pytest.approx(1.0, abs=0.01)
    assert stopped["startedAt"].timestamp() - created == pytest.approx(0.5, abs=0.01)
    [container] = stopped["containers"]
    assert (container["lastStatus"], container["exitCode"]) == ("STOPPED", 0)


def test_one_off_scenarios_by_family_and_cluster_most_specific_first(tasks: Stack) -> None:
    web = register_runnable(tasks.moto, "web")
    other = register_runnable(tasks.moto, "report")
    tasks.progressor.set_one_off(CLUSTER, "web", exit_code=3, after_s=2)
    tasks.progressor.set_one_off(CLUSTER, exit_code=5, after_s=0.4)
    tasks.progressor.set_one_off(family="report", exit_code=7, after_s=0.4)  # less specific

    failed, seen = wait_stopped(tasks, run_task(tasks, web)["taskArn"])
    assert seen == ["PROVISIONING", "PENDING", "RUNNING", "STOPPED"]
    assert failed["containers"][0]["exitCode"] == 3
    assert failed["stopCode"] == "EssentialContainerExited"
    assert failed["stoppedAt"].timestamp() - failed["createdAt"].timestamp() == pytest.approx(
        2.0, abs=0.01
    )
    assert failed["pullStartedAt"].timestamp() - failed["createdAt"].timestamp() == pytest.approx(
        0.5, abs=0.01
    )
    report, _ = wait_stopped(tasks, run_task(tasks, other)["taskArn"])
    assert report["containers"][0]["exitCode"] == 5  # the cluster's scenario beats the family's


def test_stop_task_stops_a_one_off_task_at_once(tasks: Stack) -> None:
    definition = register_runnable(tasks.moto)
    tasks.progressor.set_one_off(CLUSTER, "web", after_s=30)
    arn = run_task(tasks, definition)["taskArn"]
    response = tasks.ecs.stop_task(cluster=CLUSTER, task=arn, reason="migration timed out")
    for task in (response["task"], describe_task(tasks, arn)):
        assert (task["lastStatus"], task["desiredStatus"]) == ("STOPPED", "STOPPED")
        assert (task["stopCode"], task["stoppedReason"]) == ("UserInitiated", "migration timed out")
        [container] = task["containers"]
        assert container["lastStatus"] == "STOPPED" and "exitCode" not in container
        assert task["stoppedAt"].timestamp() - task["createdAt"].timestamp() < 1
        assert "startedAt" not in task  # it never got to RUNNING

    second = run_task(tasks, definition)["taskArn"]
    by_id = second.rsplit("/", 1)[1]
    assert tasks.ecs.stop_task(cluster=CLUSTER, task=by_id)["task"]["stoppedReason"] == (
        "Task stopped by user"
    )


def test_stop_task_on_a_stopped_task_changes_nothing(tasks: Stack) -> None:
    definition = register_runnable(tasks.moto)
    tasks.progressor.set_one_off(CLUSTER, "web", exit_code=2, after_s=0.2)
    arn = run_task(tasks, definition)["taskArn"]
    before, _ = wait_stopped(tasks, arn)
    after = tasks.ecs.stop_task(cluster=CLUSTER, task=arn, reason="too late")["task"]
    assert (after["stopCode"], after["stoppedReason"]) == (
        "EssentialContainerExited",
        "Essential container in task exited",
    )
    assert after["containers"][0]["exitCode"] == 2
    assert after["stoppedAt"] == before["stoppedAt"]


def test_a_run_task_that_crashes_moto_gets_a_one_line_client_error(stack: Stack) -> None:
    # The stack's VPC has DNS hostnames off: valid on AWS, but moto's RunTask crashes
    with pytest.raises(ClientError) as caught:
        run_task(stack, register_runnable(stack.moto))
    error = caught.value.response["Error"]
    assert error["Code"] == "ClientException"
    assert error["Message"].startswith(
        "the emulator could not run the task (moto answered HTTP 500)"
    )
    assert "enableDnsHostnames" in error["Message"] and "\n" not in error["Message"]
    assert stack.progressor.requests.count("RunTask") == 1  # a 400 is not retried


def test_one_off_control_api_over_http(tasks: Stack) -> None:
    url = tasks.progressor.url
    spec = {"cluster": CLUSTER, "family": "web", "exit_code": 4, "after_s": 0.2}
    assert control(url, "POST", "/_progressor/one-off", spec) == (200, {"ok": True})
    for bad, expected in (
        ({"exit_code": "4"}, "exit_code must be an integer, got '4'"),
        ({"exit_code": 256}, "exit_code must be between 0 and 255, got 256"),
        ({"after_s": 0}, "after_s must be positive, got 0.0"),
    ):
        assert control(url, "POST", "/_progressor/one-off", {**spec, **bad}) == (
            400,
            {"error": f"bad one-off: {expected}"},
        )
    definition = register_runnable(tasks.moto)
    task, _ = wait_stopped(tasks, run_task(tasks, definition)["taskArn"])
    assert task["containers"][0]["exitCode"] == 4

    assert control(url, "POST", "/_progressor/reset") == (200, {"ok": True})
    task, _ = wait_stopped(tasks, run_task(tasks, definition)["taskArn"])
    assert task["containers"][0]["exitCode"] == 0  # the scenario was forgotten


# -- the task lifecycle, pure ---------------------------------------------------------------

MOTO_TASK: dict[
    str, Any
] = {  # the shape moto 5 answers RunTask with (one container, stoppedReason "")
    "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/app/4df6df3f",
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
    "lastStatus": "RUNNING",
    "desiredStatus": "RUNNING",
    "stoppedReason": "",
    "containers": [
        {
            "taskArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
            "name": "web",
            "lastStatus": "PENDING",
            "exitCode": 0,
        },
        {"name": "proxy", "lastStatus": "PENDING", "exitCode": 0},
    ],
}


@pytest.mark.parametrize(
    ("now", "status", "containers"),
    [
        (100.0, "PROVISIONING", [("PENDING", None), ("PENDING", None)]),
        (101.5, "PENDING", [("PENDING", None), ("PENDING", None)]),
        (102.0, "RUNNING", [("RUNNING", None), ("RUNNING", None)]),
        (104.0, "STOPPED", [("STOPPED", 3), ("STOPPED", 0)]),
    ],
)
def test_task_payload_follows_the_lifecycle(
    now: float, status: str, containers: list[tuple[str, int | None]]
) -> None:
    record = TaskRecord(MOTO_TASK["taskArn"], 100.0, OneOff(exit_code=3, after_s=4), "web")
    task = copy.deepcopy(MOTO_TASK)
    task_payload(task, record, now)
    assert task["lastStatus"] == status
    assert task["desiredStatus"] == ("STOPPED" if status == "STOPPED" else "RUNNING")
    assert [(c["lastStatus"], c.get("exitCode")) for c in task["containers"]] == containers
    assert {c["taskArn"] for c in task["containers"]} == {MOTO_TASK["taskArn"]}
    assert ("stoppedReason" in task, "stopCode" in task) == (status == "STOPPED",) * 2
    assert ("startedAt" in task) == (status in ("RUNNING", "STOPPED"))


def test_exiting_container_is_the_first_one_given_a_command() -> None:
    request = {
        "overrides": {
            "containerOverrides": [
                {"name": "proxy", "environment": []},
                {"name": "web", "command": ["migrate"]},
            ]
        }
    }
    assert exiting_container(request, MOTO_TASK) == "web"
    assert exiting_container({}, MOTO_TASK) == "web"  # no override: the first container
    assert exiting_container({"overrides": {}}, {"containers": []}) is None


def test_one_off_scenarios_refuse_bad_values() -> None:
    with pytest.raises(ValueError, match="exit_code must be an integer, got True"):
        OneOff(exit_code=True)
    with pytest.raises(ValueError, match="after_s must be positive"):
        OneOff(after_s=-1)
