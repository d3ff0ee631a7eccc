"""Discovery against recorded DescribeAlarms / GetResources payloads (botocore Stubber).

moto implements neither composite alarms nor every filter, so these shapes come from the
CloudWatch API reference; the emulator-backed tests cover metric alarms end to end.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.stub import Stubber

from slipway.alarms import AlarmSelector
from slipway.alarms.discovery import ALARM_TYPES, describe_by_names, discover

UPDATED = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def metric(name: str, state: str = "OK") -> dict[str, Any]:
    return {
        "AlarmName": name,
        "AlarmArn": f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}",
        "StateValue": state,
        "StateReason": f"{name} is {state}",
        "StateUpdatedTimestamp": UPDATED,
    }


def composite(name: str, state: str = "OK") -> dict[str, Any]:
    return {**metric(name, state), "AlarmRule": 'ALARM("web-5xx") OR ALARM("web-latency")'}


def clients() -> tuple[Any, Any]:
    kwargs = {"region_name": "eu-west-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    return boto3.client("cloudwatch", **kwargs), boto3.client("resourcegroupstaggingapi", **kwargs)


def test_prefix_discovery_returns_metric_and_composite_alarms_across_pages() -> None:
    cloudwatch, tagging = clients()
    with Stubber(cloudwatch) as stub:
        stub.add_response(
            "describe_alarms",
            {"MetricAlarms": [metric("web-5xx")], "CompositeAlarms": [], "NextToken": "p2"},
            {"AlarmTypes": ALARM_TYPES, "AlarmNamePrefix": "web-"},
        )
        stub.add_response(
            "describe_alarms",
            {
                "MetricAlarms": [metric("web-latency")],
                "CompositeAlarms": [composite("web-health", "ALARM")],
            },
            {"AlarmTypes": ALARM_TYPES, "AlarmNamePrefix": "web-", "NextToken": "p2"},
        )
        alarms = discover(cloudwatch, tagging, AlarmSelector(prefixes=("web-",)))
        stub.assert_no_pending_responses()
    assert [(a.name, a.kind, a.state) for a in alarms] == [
        ("web-5xx", "metric", "OK"),
        ("web-health", "composite", "ALARM"),
        ("web-latency", "metric", "OK"),
    ]
    assert alarms[1].reason == "web-health is ALARM"
    assert alarms[1].updated == UPDATED


def test_tag_discovery_uses_one_tagging_query_then_describes_the_tagged_alarms() -> None:
    cloudwatch, tagging = clients()
    arn = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:"
    with Stubber(tagging) as tags, Stubber(cloudwatch) as cw:
        tags.add_response(
            "get_resources",
            {
                "ResourceTagMappingList": [
                    {
                        "ResourceARN": arn + "web-health",
                        "Tags": [{"Key": "Service", "Value": "web"}],
                    },
                    # alarm names may contain ':'; only the first ':alarm:' separates the name
                    {"ResourceARN": arn + "web:p99", "Tags": [{"Key": "Service", "Value": "web"}]},
                ]
            },
            {
                "TagFilters": [
                    {"Key": "Service", "Values": ["web"]},
                    {"Key": "Env", "Values": ["prod"]},
                ],
                "ResourceTypeFilters": ["cloudwatch:alarm"],
            },
        )
        cw.add_response(
            "describe_alarms",
            {"MetricAlarms": [metric("web:p99")], "CompositeAlarms": [composite("web-health")]},
            {"AlarmTypes": ALARM_TYPES, "AlarmNames": ["web-health", "web:p99"]},
        )
        alarms = discover(
            cloudwatch, tagging, AlarmSelector(tags={"Service": "web", "Env": "prod"})
        )
    assert [(a.name, a.kind) for a in alarms] == [
        ("web-health", "composite"),
        ("web:p99", "metric"),
    ]


def test_describe_by_names_batches_at_most_100_names_per_call() -> None:
    cloudwatch, _ = clients()
    names = [f"alarm-{i:03d}" for i in range(150)]
    with Stubber(cloudwatch) as stub:
        stub.add_response(
            "describe_alarms",
            {"MetricAlarms": [metric(n) for n in names[:100]]},
            {"AlarmTypes": ALARM_TYPES, "AlarmNames": names[:100]},
        )
        stub.add_response(
            "describe_alarms",
            {"MetricAlarms": [metric(n) for n in names[100:]]},
            {"AlarmTypes": ALARM_TYPES, "AlarmNames": names[100:]},
        )
        found = describe_by_names(cloudwatch, reversed(names))
        stub.assert_no_pending_responses()
    assert sorted(found) == names


def test_describe_by_names_drops_alarms_it_did_not_ask_for() -> None:
    cloudwatch, _ = clients()
    with Stubber(cloudwatch) as stub:
        stub.add_response(
            "describe_alarms",
            {"MetricAlarms": [metric("a"), metric("unrelated")]},
            {"AlarmTypes": ALARM_TYPES, "AlarmNames": ["a"]},
        )
        assert list(describe_by_names(cloudwatch, ["a"])) == ["a"]


def test_intersection_describes_no_tagged_alarm_the_prefixes_did_not_find() -> None:
    cloudwatch, tagging = clients()
    arn = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:"
    with Stubber(tagging) as tags, Stubber(cloudwatch) as cw:
        cw.add_response(
            "describe_alarms",
            {"MetricAlarms": [metric("web-prod-5xx"), metric("web-prod-latency")]},
            {"AlarmTypes": ALARM_TYPES, "AlarmNamePrefix": "web-prod-"},
        )
        tags.add_response(
            "get_resources",
            {
                "ResourceTagMappingList": [
                    {"ResourceARN": arn + "web-prod-5xx", "Tags": []},
                    {"ResourceARN": arn + "web-staging-5xx", "Tags": []},
                ]
            },
            {
                "TagFilters": [{"Key": "Service", "Values": ["web"]}],
                "ResourceTypeFilters": ["cloudwatch:alarm"],
            },
        )
        selector = AlarmSelector(
            prefixes=("web-prod-",), tags={"Service": "web"}, combine="intersection"
        )
        alarms = discover(cloudwatch, tagging, selector)
        cw.assert_no_pending_responses()  # and no DescribeAlarms for web-staging-5xx
    assert [a.name for a in alarms] == ["web-prod-5xx"]
