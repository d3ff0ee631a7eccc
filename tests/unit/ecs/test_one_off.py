from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.fakes.ecs_scenarios import Scenario, ScriptedEcs

from slipway.ecs.one_off import build_run_task_request, judge_one_off, run_one_off


def run(ecs: ScriptedEcs, *, timeout_s: float = 300, container: str = "migrate") -> Any:
    return run_one_off(
        ecs,
        ecs.cluster,
        ecs.new_taskdef_arn,
        container,
        ["python", "-m", "app.migrate"],
        service=ecs.service_name,
        timeout_s=timeout_s,
        clock=ecs.clock.monotonic,
        sleep=ecs.clock.sleep,
    )


def test_migration_exit_1_fails_with_exit_code() -> None:
    ecs = ScriptedEcs(Scenario.one_off(exit_code=1, runs_s=30, container="migrate"))
    result = run(ecs)
    assert not result.ok
    assert result.exit_code == 1
    assert result.reason == (
        "container migrate exited with code 1 (task stopped: Essential container in task "
        "exited, stopCode EssentialContainerExited)"
    )
    assert 30 <= result.elapsed <= 40
    request = next(c for c in ecs.calls if c.operation == "run_task").params
    assert request == {
        "cluster": "app-prod",
        "taskDefinition": ecs.new_taskdef_arn,
        "count": 1,
        "startedBy": "slipway",
        "launchType": "FARGATE",
        "networkConfiguration": ecs.network,
        "overrides": {
            "containerOverrides": [{"name": "migrate", "command": ["python", "-m", "app.migrate"]}]
        },
    }


def test_migration_exit_0_succeeds() -> None:
    ecs = ScriptedEcs(Scenario.one_off(exit_code=0, runs_s=12, container="migrate"))
    result = run(ecs)
    assert result.ok
    assert result.reason == "container migrate exited with code 0"
    assert result.exit_code == 0
    assert result.task_arn is not None and result.task_arn.startswith(
        "arn:aws:ecs:us-east-1:123456789012:task/app-prod/"
    )
    assert ecs.count("describe_tasks") == result.polls


def test_task_that_never_started_reports_stopped_reason() -> None:
    ecs = ScriptedEcs(Scenario.one_off(exit_code=None, runs_s=8, container="migrate"))
    result = run(ecs)
    assert not result.ok
    assert result.reason.startswith(
        "container migrate has no exit code (it did not run): CannotPullContainerError "
        "(task stopped: CannotPullContainerError"
    )
    assert "stopCode TaskFailedToStart" in result.reason


def test_timeout_leaves_task_and_says_so() -> None:
    ecs = ScriptedEcs(Scenario.one_off(exit_code=0, runs_s=1000, container="migrate"))
    result = run(ecs, timeout_s=60)
    assert not result.ok and result.timed_out
    assert result.elapsed == pytest.approx(60)
    assert "still RUNNING after 60s (left running)" in result.reason


def test_throttled_describe_tasks_is_retried() -> None:
    class Flaky(ScriptedEcs):
        budget = 2

        def describe_tasks(self, **kw: Any) -> dict[str, Any]:
            if self.budget:
                self.budget -= 1
                raise self._error("ThrottlingException", "Rate exceeded", "DescribeTasks")
            return super().describe_tasks(**kw)

    ecs = Flaky(Scenario.one_off(exit_code=0, runs_s=10, container="migrate"))
    assert run(ecs).ok


def test_capacity_provider_strategy_is_copied_instead_of_launch_type() -> None:
    service = {
        "capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"]}},
        "platformVersion": "1.4.0",
    }
    request = build_run_task_request("c", "td", service, "migrate", ["x"])
    assert "launchType" not in request
    assert request["capacityProviderStrategy"] == [
        {"capacityProvider": "FARGATE_SPOT", "weight": 1}
    ]
    assert request["platformVersion"] == "1.4.0"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ({"lastStatus": "RUNNING"}, (False, "task is RUNNING, not STOPPED")),
        (
            {"lastStatus": "STOPPED", "containers": [{"name": "web", "exitCode": 0}]},
            (False, "no container named 'migrate' in the task (containers: web)"),
        ),
        (
            {"lastStatus": "STOPPED", "containers": [{"name": "migrate", "exitCode": 0}]},
            (True, "container migrate exited with code 0"),
        ),
        (
            {
                "lastStatus": "STOPPED",
                "stoppedReason": "OutOfMemoryError: Container killed due to memory usage",
                "containers": [{"name": "migrate", "exitCode": 137, "reason": "OutOfMemoryError"}],
            },
            (
                False,
                "container migrate exited with code 137: OutOfMemoryError (task stopped: "
                "OutOfMemoryError: Container killed due to memory usage)",
            ),
        ),
    ],
)
def test_judge_one_off(task: dict[str, Any], expected: tuple[bool, str]) -> None:
    assert judge_one_off(task, "migrate") == expected


class RefusingEcs:
    """An ECS client whose RunTask is refused, as AWS refuses one (AccessDenied, a bad
    network configuration...)."""

    def run_task(self, **_: Any) -> Any:
        raise ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "not allowed: ecs:RunTask"}},
            "RunTask",
        )


def test_refused_run_task_fails_the_migration_with_the_reason() -> None:
    service = {
        "launchType": "FARGATE",
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"]}},
    }
    result = run_one_off(
        RefusingEcs(),
        "app",
        "arn:aws:ecs:eu-west-1:111111111111:task-definition/web:2",
        "web",
        ["python", "-m", "app", "migrate"],
        service_payload=service,
        timeout_s=30,
    )
    assert not result.ok
    assert result.reason == "run_task refused: AccessDeniedException: not allowed: ecs:RunTask"
