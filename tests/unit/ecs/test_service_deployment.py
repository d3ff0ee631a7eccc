"""Reading a service deployment and judging it (pure), the timeline, and the doubles'
service deployments checked against botocore's own model of the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator
from tests.fakes.ecs_lifecycle import Fault
from tests.fakes.ecs_scenarios import Scenario, ScriptedEcs, VirtualClock

from slipway.ecs.service_deployment import (
    ServiceDeploymentView,
    judge,
    parse_wait_for,
    pick_current,
    rollback_cause,
)
from slipway.ecs.timeline import Timeline

ARN = "arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/web/EZe5RNVLH6PPzHXINuP28"
CANARY = {
    "strategy": "CANARY",
    "bakeTimeInMinutes": 10,
    "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 5},
    "alarms": {"alarmNames": ["web-5xx"], "enable": True, "rollback": True},
}


def item(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "serviceDeploymentArn": ARN,
        "status": "IN_PROGRESS",
        "lifecycleStage": "PRODUCTION_TRAFFIC_SHIFT",
        "deploymentConfiguration": CANARY,
        "targetServiceRevision": {
            "arn": "arn:aws:ecs:eu-west-1:123456789012:service-revision/prod/web/1",
            "requestedTaskCount": 3,
            "runningTaskCount": 3,
            "requestedProductionTrafficWeight": 10.0,
            "requestedTestTrafficWeight": 100.0,
        },
        "alarms": {"status": "MONITORING", "alarmNames": ["web-5xx"], "triggeredAlarmNames": []},
        "deploymentCircuitBreaker": {"status": "MONITORING", "failureCount": 0, "threshold": 3},
    }
    base.update(fields)
    return base


def view(**fields: Any) -> ServiceDeploymentView:
    return ServiceDeploymentView.from_api(item(**fields))


def test_a_canary_in_its_production_shift_is_in_progress_and_watched_closely() -> None:
    current = view()
    assert judge(current, "completed") == (
        "in_progress",
        "IN_PROGRESS, PRODUCTION_TRAFFIC_SHIFT, production 10%, 3/3 tasks",
    )
    assert current.watchful
    assert current.settings.describe() == "CANARY, 10% canary for 5m, bake 10m"
    assert current.settings.ecs_bakes


@pytest.mark.parametrize(
    ("fields", "verdict", "cause", "reason"),
    [
        (
            {"status": "SUCCESSFUL"},
            "completed",
            "",
            "service deployment EZe5RNVLH6PPzHXINuP28 SUCCESSFUL",
        ),
        (
            {
                "status": "ROLLBACK_IN_PROGRESS",
                "lifecycleStage": "BAKE_TIME",
                "alarms": {"status": "TRIGGERED", "triggeredAlarmNames": ["web-5xx"]},
                "rollback": {"reason": "CloudWatch alarm(s) web-5xx in ALARM state."},
            },
            "rolled_back",
            "alarm",
            "ECS is rolling back the deployment during BAKE_TIME: alarm web-5xx went to ALARM",
        ),
        (
            {
                "status": "ROLLBACK_SUCCESSFUL",
                "deploymentCircuitBreaker": {
                    "status": "TRIGGERED",
                    "failureCount": 3,
                    "threshold": 3,
                },
            },
            "rolled_back",
            "circuit-breaker",
            "ECS rolled back the deployment during PRODUCTION_TRAFFIC_SHIFT: "
            "circuit breaker: 3 of 3 tasks failed",
        ),
        (
            {
                "status": "ROLLBACK_REQUESTED",
                "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
                "lifecycleHookDetails": [
                    {
                        "hookId": "h-1",
                        "targetType": "AWS_LAMBDA",
                        "targetArn": "arn:aws:lambda:eu-west-1:123456789012:function:smoke",
                        "status": "FAILED",
                    }
                ],
            },
            "rolled_back",
            "hook",
            "ECS is rolling back the deployment during POST_TEST_TRAFFIC_SHIFT: hook smoke failed",
        ),
        (
            {"status": "ROLLBACK_FAILED", "statusReason": "target group busy"},
            "failed",
            "unknown",
            "ECS could not roll back the deployment (target group busy): target group busy",
        ),
        (
            {"status": "STOPPED", "statusReason": "stopped by user request"},
            "stopped",
            "requested",
            "service deployment EZe5RNVLH6PPzHXINuP28 STOPPED: stopped by user request",
        ),
    ],
)
def test_verdicts_and_their_causes(
    fields: dict[str, Any], verdict: str, cause: str, reason: str
) -> None:
    current = view(**fields)
    assert judge(current, "completed") == (verdict, reason)
    if cause:
        assert rollback_cause(current)[0] == cause


def test_a_stage_reached_and_a_pause_end_the_watch_only_when_asked() -> None:
    paused = view(
        lifecycleStage="POST_TEST_TRAFFIC_SHIFT",
        lifecycleHookDetails=[
            {
                "hookId": "ecs-pause-1",
                "targetType": "PAUSE",
                "status": "AWAITING_ACTION",
                "expiresAt": datetime(2026, 6, 1, 12, 0, tzinfo=UTC),
                "timeoutAction": "ROLLBACK",
            }
        ],
    )
    assert judge(paused, "completed")[0] == "in_progress"
    assert judge(paused, "paused") == (
        "paused",
        "paused at POST_TEST_TRAFFIC_SHIFT by pause hook ecs-pause-1 "
        "(expires 12:00:00 UTC, then ROLLBACK)",
    )
    assert judge(paused, "TEST_TRAFFIC_SHIFT")[0] == "stage_reached"
    assert judge(paused, "BAKE_TIME")[0] == "in_progress"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("completed", "completed"),
        ("Steady-State", "steady-state"),
        ("paused", "paused"),
        ("post-test-traffic-shift", "POST_TEST_TRAFFIC_SHIFT"),
        ("BAKE_TIME", "BAKE_TIME"),
    ],
)
def test_wait_for_values(text: str, expected: str) -> None:
    assert parse_wait_for(text) == expected


def test_unknown_wait_for_is_refused() -> None:
    with pytest.raises(ValueError, match="BAKE"):
        parse_wait_for("BAKE")


def test_the_newest_deployment_since_the_update_is_ours() -> None:
    t = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    briefs = [
        {"serviceDeploymentArn": "old", "createdAt": t - timedelta(hours=1)},
        {"serviceDeploymentArn": "ours", "createdAt": t + timedelta(seconds=2)},
        {"serviceDeploymentArn": "no-time"},
    ]
    assert pick_current(briefs, not_before=t - timedelta(minutes=1)) == "ours"
    assert pick_current(briefs[:1], not_before=t) is None


def test_the_timeline_notes_the_canary_bake_and_what_was_left_of_the_bake() -> None:
    timeline = Timeline()
    assert [e.line() for e in timeline.observe(view(), 60)] == [
        "+1m PRODUCTION_TRAFFIC_SHIFT production 10% (canary bake 5m)"
    ]
    assert timeline.observe(view(), 62) == []  # nothing changed
    baking = view(lifecycleStage="BAKE_TIME")
    baking = ServiceDeploymentView.from_api(
        item(
            lifecycleStage="BAKE_TIME",
            targetServiceRevision={
                **item()["targetServiceRevision"],
                "requestedProductionTrafficWeight": 100.0,
            },
        )
    )
    assert [e.line() for e in timeline.observe(baking, 400)] == [
        "+6m40s BAKE_TIME production 100% (bake 10m)"
    ]
    assert timeline.bake_left(460) == 540
    rolled = ServiceDeploymentView.from_api(
        item(
            status="ROLLBACK_REQUESTED",
            lifecycleStage="BAKE_TIME",
            alarms={"status": "TRIGGERED", "triggeredAlarmNames": ["web-5xx"]},
        )
    )
    (entry,) = timeline.observe(rolled, 580)
    assert entry.note == "alarm web-5xx went to ALARM; 3m into the bake, 7m left"
    assert entry.row()[:3] == ["+9m40s", "BAKE_TIME", "ROLLBACK_REQUESTED"]


MODEL = botocore.session.get_session().get_service_model("ecs")


def validate(operation: str, response: dict[str, Any]) -> None:
    shape = MODEL.operation_model(operation).output_shape
    report = ParamValidator().validate(response, shape)
    assert not report.has_errors(), report.generate_report()


@pytest.mark.parametrize(
    "scenario",
    [
        Scenario.completes(),
        Scenario.deploys(CANARY, minute_s=1.0),
        Scenario.deploys(
            {**CANARY, "strategy": "LINEAR", "linearConfiguration": {"stepPercent": 20.0}},
            minute_s=1.0,
            fault=Fault("alarm", "BAKE_TIME"),
        ),
        Scenario.deploys(
            {
                "strategy": "BLUE_GREEN",
                "lifecycleHooks": [
                    {"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]},
                    {
                        "hookTargetArn": "arn:aws:lambda:us-east-1:1:function:f",
                        "roleArn": "arn:aws:iam::1:role/r",
                        "lifecycleStages": ["POST_SCALE_UP"],
                    },
                ],
            },
        ),
    ],
    ids=["rolling", "canary", "linear-alarm-in-bake", "blue-green-hooks"],
)
def test_the_doubles_service_deployments_fit_botocores_model(scenario: Scenario) -> None:
    """Every answer, at every second of the deployment, is a valid response of the API's
    own model, and its enum values are the model's."""
    stage_enum = set(MODEL.shape_for("ServiceDeploymentLifecycleStage").enum)
    status_enum = set(MODEL.shape_for("ServiceDeploymentStatus").enum)
    clock = VirtualClock()
    ecs = ScriptedEcs(scenario, clock)
    assert ecs.tracked is not None
    seen = set()
    for _ in range(200):
        described = ecs.describe_service_deployments(serviceDeploymentArns=[ecs.tracked.arn])
        validate("DescribeServiceDeployments", described)
        deployment = described["serviceDeployments"][0]
        assert deployment["status"] in status_enum
        if "lifecycleStage" in deployment:
            assert deployment["lifecycleStage"] in stage_enum
        seen.add(deployment["status"])
        clock.sleep(1.0)
    listed = ecs.list_service_deployments(cluster=ecs.cluster, service=ecs.service_name)
    validate("ListServiceDeployments", listed)
    validate("DescribeServices", ecs.describe_services(cluster=ecs.cluster, services=["web"]))
    assert seen & {"SUCCESSFUL", "ROLLBACK_SUCCESSFUL", "IN_PROGRESS"}
