"""The deployment alarms a service payload names, as ship adds them to its bake."""

from __future__ import annotations

from typing import Any

import pytest

from slipway.ecs.service import ServiceSnapshot


def payload(alarms: dict[str, Any] | None) -> dict[str, Any]:
    configuration: dict[str, Any] = {"maximumPercent": 200, "minimumHealthyPercent": 100}
    if alarms is not None:
        configuration["alarms"] = alarms
    return {
        "serviceName": "web",
        "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/app-prod/web",
        "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
        "desiredCount": 2,
        "deploymentConfiguration": configuration,
    }


@pytest.mark.parametrize(
    ("alarms", "expected"),
    [
        (
            {"alarmNames": ["web-5xx", "web-latency"], "enable": True, "rollback": True},
            ("web-5xx", "web-latency"),
        ),
        ({"alarmNames": ["web-5xx"], "enable": False, "rollback": False}, ()),
        (None, ()),
    ],
)
def test_deployment_alarms_count_only_when_enabled(
    alarms: dict[str, Any] | None, expected: tuple[str, ...]
) -> None:
    snapshot = ServiceSnapshot.from_api("app-prod", payload(alarms))
    assert snapshot.deployment_alarms == expected
    assert snapshot.task_definition.endswith("web:3")
