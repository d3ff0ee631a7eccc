"""Application Auto Scaling tags on the emulator: kept from RegisterScalableTarget and
through TagResource / UntagResource, read with ListTagsForResource (moto has none)."""

from __future__ import annotations

import boto3
import pytest

pytestmark = pytest.mark.integration


def test_tags_round_trip(aws: str) -> None:
    client = boto3.client("application-autoscaling")
    arn = client.register_scalable_target(
        ServiceNamespace="dynamodb",
        ResourceId="table/orders",
        ScalableDimension="dynamodb:table:ReadCapacityUnits",
        MinCapacity=1,
        MaxCapacity=4,
        Tags={"Team": "shop", "Environment": "dev"},
    )["ScalableTargetARN"]
    assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == {
        "Team": "shop",
        "Environment": "dev",
    }
    client.tag_resource(ResourceARN=arn, Tags={"Owner": "web"})
    client.untag_resource(ResourceARN=arn, TagKeys=["Environment"])
    assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == {
        "Team": "shop",
        "Owner": "web",
    }
    targets = client.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"]
    assert [(t["ResourceId"], t["MaxCapacity"]) for t in targets] == [("table/orders", 4)]


def test_untagged_resource_has_no_tags(aws: str) -> None:
    client = boto3.client("application-autoscaling")
    arn = client.register_scalable_target(
        ServiceNamespace="dynamodb",
        ResourceId="table/plain",
        ScalableDimension="dynamodb:table:WriteCapacityUnits",
        MinCapacity=1,
        MaxCapacity=2,
    )["ScalableTargetARN"]
    assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == {}
