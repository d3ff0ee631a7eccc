"""RunTask on the emulator for a Fargate task definition whose memory is set only at the
task level (valid on Fargate; moto alone crashes adding up container memory)."""

from __future__ import annotations

import boto3
import pytest

pytestmark = pytest.mark.integration


def test_task_level_memory_is_enough(aws: str) -> None:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="task", Description="task", VpcId=vpc)["GroupId"]
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="app")
    definition = ecs.register_task_definition(
        family="web",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "web", "image": "web:1", "essential": True}],
    )["taskDefinition"]["taskDefinitionArn"]
    tasks = ecs.run_task(
        cluster="app",
        taskDefinition=definition,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}
        },
        overrides={"containerOverrides": [{"name": "web", "command": ["migrate"]}]},
    )["tasks"]
    assert [t["taskDefinitionArn"] for t in tasks] == [definition]
    stored = ecs.describe_task_definition(taskDefinition=definition)["taskDefinition"]
    assert "memoryReservation" not in stored["containerDefinitions"][0]
