"""Pure classification of describe_services payloads and event streaming."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.fakes.ecs_scenarios import T0, Scenario, ScriptedEcs

from slipway.ecs.deployment import (
    DeploymentNotFoundError,
    EventCursor,
    classify,
    find_deployment_id,
    started_deployment_id,
)


def payload_at(scenario: Scenario, t: float) -> tuple[ScriptedEcs, dict[str, Any]]:
    ecs = ScriptedEcs(scenario)
    ecs.clock.t = t
    return ecs, ecs.describe_services(cluster="app-prod", services=["web"])["services"][0]


def test_in_progress_reports_counts() -> None:
    ecs, service = payload_at(Scenario.completes(after_s=40, running_at_s=20), 5)
    state = classify(service, ecs.deployment_id, ecs.previous_taskdef_arn)
    assert state.status == "in_progress"
    assert (state.running, state.desired, state.pending, state.failed_tasks) == (0, 2, 2, 0)
    assert state.reason == "rollout IN_PROGRESS: 0/2 running, 2 pending, 0 failed"
    assert not state.near_end


def test_all_running_is_near_the_end_but_not_completed() -> None:
    ecs, service = payload_at(Scenario.completes(after_s=40, running_at_s=20), 21)
    state = classify(service, ecs.deployment_id, ecs.previous_taskdef_arn)
    assert state.status == "in_progress"
    assert state.near_end


def test_completed() -> None:
    ecs, service = payload_at(Scenario.completes(after_s=40), 40)
    state = classify(service, ecs.deployment_id, ecs.previous_taskdef_arn)
    assert state.status == "completed"
    assert state.deployments == 1


def test_steady_state_waits_for_other_deployments_and_counts() -> None:
    ecs, service = payload_at(Scenario.completes(after_s=40), 40)
    lingering = dict(service["deployments"][0], id="ecs-svc/1", status="ACTIVE", runningCount=1)
    service["deployments"].append(lingering)
    service["deployments"][0]["runningCount"] = 1
    state = classify(service, ecs.deployment_id, ecs.previous_taskdef_arn, wait_for="steady-state")
    assert state.status == "in_progress"
    assert state.reason == (
        "rollout COMPLETED; waiting for steady state: 1/2 running, 0 pending; "
        "1 other deployment(s) still active"
    )
    assert classify(service, ecs.deployment_id, None).status == "completed"


def test_failed_without_rollback() -> None:
    ecs, service = payload_at(Scenario.circuit_breaker_rollback(fail_after_s=30), 20)
    ours = service["deployments"][0]
    ours.update(
        rolloutState="FAILED",
        rolloutStateReason="ECS deployment circuit breaker: tasks failed to start.",
    )
    state = classify(service, ecs.deployment_id, ecs.previous_taskdef_arn)
    assert state.status == "failed"
    assert state.reason == "ECS deployment circuit breaker: tasks failed to start."


def test_rolled_back_while_failed_deployment_lingers() -> None:
    ecs, service = payload_at(Scenario.circuit_breaker_rollback(fail_after_s=30), 31)
    state = classify(service, ecs.deployment_id, ecs.previous_taskdef_arn)
    assert state.status == "rolled_back"
    assert state.primary_id == ecs.rollback_id
    assert state.rollout_state_reason == "ECS deployment circuit breaker: tasks failed to start."


def test_manual_rollback_to_previous_is_rolled_back() -> None:
    ecs, service = payload_at(Scenario.replaced(at_s=10), 11)
    service["deployments"][0]["taskDefinition"] = ecs.previous_taskdef_arn
    state = classify(service, ecs.deployment_id, ecs.previous_taskdef_arn)
    assert state.status == "rolled_back"
    assert state.reason.startswith("web was updated back to web:41 while deployment")


def test_replaced_after_ours_vanished() -> None:
    ecs, service = payload_at(Scenario.replaced(at_s=10, drain_s=5), 20)
    state = classify(service, ecs.deployment_id, ecs.previous_taskdef_arn)
    assert state.status == "replaced"
    assert state.reason == (
        f"deployment {ecs.deployment_id} was replaced by deployment {ecs.other_id} of web:43 "
        "(someone else deployed)"
    )


@pytest.mark.parametrize("status", ["DRAINING", "INACTIVE"])
def test_inactive_service_fails(status: str) -> None:
    ecs, service = payload_at(Scenario.completes(), 5)
    service["status"] = status
    state = classify(service, ecs.deployment_id, ecs.previous_taskdef_arn)
    assert state.status == "failed"
    assert state.reason == f"service web is {status}, not ACTIVE"


def test_find_deployment_by_task_definition_and_time() -> None:
    ecs, service = payload_at(Scenario.completes(), 5)
    assert find_deployment_id(service, ecs.new_taskdef_arn) == ecs.deployment_id
    assert find_deployment_id(service, ecs.new_taskdef_arn, not_before=T0) == ecs.deployment_id
    with pytest.raises(DeploymentNotFoundError, match=r"no deployment of .*web:41"):
        find_deployment_id(service, ecs.previous_taskdef_arn, not_before=T0)
    with pytest.raises(DeploymentNotFoundError):
        started_deployment_id({"service": {"deployments": []}})


def test_event_cursor_handles_same_second_events_and_order() -> None:
    e = [
        {"id": "c", "createdAt": T0 + timedelta(seconds=2), "message": "third"},
        {"id": "b", "createdAt": T0 + timedelta(seconds=1), "message": "second"},
        {"id": "a", "createdAt": T0 + timedelta(seconds=1), "message": "first"},
    ]
    cursor = EventCursor(since=T0)
    assert [x.message for x in cursor.take_new(e[1:])] == ["first", "second"]
    assert cursor.take_new(e[1:]) == []
    later = [{"id": "d", "createdAt": T0 + timedelta(seconds=2), "message": "fourth"}, *e]
    assert [x.message for x in cursor.take_new(later)] == ["third", "fourth"]
    assert cursor.take_new(later) == []
    assert EventCursor.after_existing(later).take_new(later) == []
