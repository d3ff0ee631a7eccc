from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.fakes.ecs_scenarios import T0, Scenario, ScriptedEcs

from slipway.ecs.deployment import DeploymentState
from slipway.ecs.diagnose import collect_diagnosis, explain, parse_stopped_task, recent_events

TASK: dict[str, Any] = {
    "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/app-prod/0f3c9a1e2b4d4c6e8a0b1c2d3e4f5a6b",
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:42",
    "startedBy": "ecs-svc/5218047183620194301",
    "lastStatus": "STOPPED",
    "stopCode": "TaskFailedToStart",
    "stoppedReason": "CannotPullContainerError: pull image manifest has been retried 5 time(s)",
    "stoppedAt": T0,
    "containers": [
        {"name": "web", "lastStatus": "STOPPED", "reason": "CannotPullContainerError"},
        {"name": "sidecar", "lastStatus": "STOPPED", "exitCode": 137},
    ],
}


def test_parse_and_describe_stopped_task() -> None:
    task = parse_stopped_task(TASK)
    assert task.task_id == "0f3c9a1e2b4d4c6e8a0b1c2d3e4f5a6b"
    assert task.describe() == (
        "task 0f3c9a1e2b4d: CannotPullContainerError: pull image manifest has been retried 5 "
        "time(s) [TaskFailedToStart]; container web: CannotPullContainerError; "
        "container sidecar: exit code 137"
    )


def test_recent_events_keeps_the_newest_ten_oldest_first() -> None:
    events = [
        {"id": str(i), "createdAt": T0 - timedelta(seconds=i), "message": f"m{i}"}
        for i in range(15)
    ]
    parsed = recent_events({"events": events})
    assert [e.message for e in parsed] == [f"m{i}" for i in range(9, -1, -1)]


def test_explain_markdown_escapes_and_lists() -> None:
    state = DeploymentState(
        "failed",
        "ECS deployment circuit breaker: tasks failed to start.",
        "ecs-svc/1",
        TASK["taskDefinitionArn"],
        failed_tasks=2,
    )
    diagnosis = explain(state, [], [parse_stopped_task(TASK)])
    assert diagnosis.headline == (
        "Deployment ecs-svc/1 (web:42) failed: ECS deployment circuit breaker: tasks failed to "
        "start. (2 task(s) failed)"
    )
    md = diagnosis.markdown()
    assert md.startswith("### Why the deployment failed\n")
    assert "- task 0f3c9a1e2b4d: CannotPullContainerError" in md
    assert "\\[TaskFailedToStart]" in md


def test_collect_filters_other_deployments_and_survives_api_errors() -> None:
    ecs = ScriptedEcs(Scenario.circuit_breaker_rollback(fail_after_s=30, failures=4))
    ecs.clock.t = 31
    service = ecs.describe_services(cluster="app-prod", services=["web"])["services"][0]
    state = DeploymentState("rolled_back", "x", ecs.deployment_id, ecs.new_taskdef_arn)
    diagnosis = collect_diagnosis(ecs, "app-prod", "web", state, service_payload=service)
    assert len(diagnosis.stopped_tasks) == 4
    assert [t.stopped_at for t in diagnosis.stopped_tasks] == sorted(
        (t.stopped_at for t in diagnosis.stopped_tasks if t.stopped_at), reverse=True
    )
    assert len(diagnosis.events) == 10
    assert diagnosis.events[-1].message.startswith("(service web) rolling back to deployment")
    assert ecs.calls[-2].params == {
        "cluster": "app-prod",
        "serviceName": "web",
        "desiredStatus": "STOPPED",
    }

    class Denied(ScriptedEcs):
        def list_tasks(self, **kw: Any) -> dict[str, Any]:
            raise self._error("AccessDeniedException", "not allowed", "ListTasks")

    denied = Denied(Scenario.completes())
    diagnosis = collect_diagnosis(denied, "app-prod", "web", state)
    assert diagnosis.stopped_tasks == []
    assert diagnosis.notes[0].startswith("could not list stopped tasks: An error occurred")
    assert "could not list stopped tasks" in diagnosis.text()
