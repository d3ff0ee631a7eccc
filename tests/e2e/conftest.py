"""Fixtures the act tests share: an ECS service in the emulator, and the deployment
progressor in front of it (moto's ECS never moves a deployment forward)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from tests.fakes.ecs_progressor import EcsProgressor

CLUSTER = "app-prod"
SERVICE = "web"


@pytest.fixture
def ecs(aws: str) -> Any:
    """Cluster, network and a service on task definition web:1, in the emulator."""
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    client = boto3.client("ecs")
    client.create_cluster(clusterName=CLUSTER)
    first = client.register_task_definition(
        family="web",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "web",
                "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.0.0",
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    client.create_service(
        cluster=CLUSTER,
        serviceName=SERVICE,
        taskDefinition=first,
        desiredCount=2,
        launchType="FARGATE",
        # moto refuses an awsvpc service without securityGroups
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}
        },
    )
    return client


@pytest.fixture
def progressor(aws: str) -> Iterator[EcsProgressor]:
    with EcsProgressor(aws) as server:
        yield server
