"""The deployment watch loop against scripted ECS scenarios, in virtual time."""

from __future__ import annotations

import pytest
from tests.fakes.ecs_scenarios import Scenario, ScriptedEcs, VirtualClock

from slipway.ecs.deployment import DeploymentState, ServiceEvent, WaitFor, started_deployment_id
from slipway.ecs.diagnose import collect_diagnosis
from slipway.ecs.polling import PollSchedule
from slipway.ecs.watcher import WatchResult, watch_deployment


def watch(
    ecs: ScriptedEcs,
    *,
    timeout_s: float = 600,
    wait_for: WaitFor = "completed",
    schedule: PollSchedule | None = None,
    service_deployment_arn: str | None = None,
) -> tuple[WatchResult, list[ServiceEvent], list[DeploymentState]]:
    events: list[ServiceEvent] = []
    states: list[DeploymentState] = []
    result = watch_deployment(
        ecs,
        ecs.cluster,
        ecs.service_name,
        ecs.deployment_id,
        ecs.previous_taskdef_arn,
        ecs.new_taskdef_arn,
        service_deployment_arn=service_deployment_arn,
        timeout_s=timeout_s,
        wait_for=wait_for,
        on_event=events.append,
        on_state=states.append,
        schedule=schedule,
        clock=ecs.clock.monotonic,
        sleep=ecs.clock.sleep,
    )
    return result, events, states


def test_in_progress_then_completed_is_detected_promptly() -> None:
    ecs = ScriptedEcs(Scenario.completes(after_s=40, running_at_s=15))
    result, _, states = watch(ecs)
    assert result.outcome == "completed"
    assert result.ok
    assert result.state is not None
    assert result.state.rollout_state == "COMPLETED"
    assert result.state.reason == f"ECS deployment {ecs.deployment_id} completed."
    assert result.state.running == result.state.desired == 2
    # Verdict within the hot poll interval of the scripted COMPLETED at t=40.
    assert result.detected_at is not None
    assert 40 <= result.detected_at <= 42
    assert result.polls == ecs.count("describe_services")
    assert states[0].status == "in_progress"
    assert states[-1].status == "completed"
    # One describe_services per poll and nothing else.
    assert {c.operation for c in ecs.calls} == {"describe_services"}


def test_counts_matching_is_not_completion() -> None:
    """Between all-running (t=10) and COMPLETED (t=60) counts match but the watch goes on."""
    ecs = ScriptedEcs(Scenario.completes(after_s=60, running_at_s=10))
    result, _, states = watch(ecs)
    matched = [s for s in states if s.running == s.desired == 2]
    assert matched[0].status == "in_progress"
    assert result.detected_at is not None and result.detected_at >= 60


def test_circuit_breaker_rollback_fails_with_reason_and_diagnosis() -> None:
    ecs = ScriptedEcs(Scenario.circuit_breaker_rollback(fail_after_s=30, failures=3))
    result, events, _ = watch(ecs)
    assert result.outcome == "rolled_back"
    assert not result.ok
    assert result.state is not None
    assert result.state.rollout_state == "FAILED"
    assert result.state.failed_tasks == 3
    assert result.reason == (
        "ECS deployment circuit breaker: tasks failed to start. ECS is rolling back to web:41."
    )
    assert result.detected_at is not None and 30 <= result.detected_at <= 32
    assert any("deployment failed: tasks failed to start." in e.message for e in events)

    diagnosis = collect_diagnosis(
        ecs,
        ecs.cluster,
        ecs.service_name,
        result.state,
        service_payload=result.service,
        outcome=result.outcome,
    )
    assert len(diagnosis.stopped_tasks) == 3
    task = diagnosis.stopped_tasks[0]
    assert task.stopped_reason == "Essential container in task exited"
    assert task.stop_code == "EssentialContainerExited"
    assert task.containers[0].exit_code == 1
    text = diagnosis.text()
    assert text.startswith(
        f"Deployment {ecs.deployment_id} (web:42) was rolled back: ECS deployment circuit breaker"
    )
    assert "Essential container in task exited [EssentialContainerExited]" in text
    assert "container web: exit code 1" in text
    assert "### Why the deployment failed" in diagnosis.markdown()
    assert "exit code 1" in diagnosis.markdown()


def test_failed_deployment_disappearing_is_still_a_rollback() -> None:
    """A watcher that only looks after the failed deployment vanished (ECS removed it)."""
    ecs = ScriptedEcs(Scenario.circuit_breaker_rollback(fail_after_s=30, drain_s=5))
    ecs.clock.t = 40.0
    result, _, _ = watch(ecs)
    assert result.outcome == "rolled_back"
    assert result.state is not None
    assert result.state.primary_task_definition == ecs.previous_taskdef_arn
    assert "is back on web:41" in result.reason


def test_timeout_when_the_deployment_never_finishes() -> None:
    ecs = ScriptedEcs(Scenario.never_finishes())
    result, _, _ = watch(ecs, timeout_s=120)
    assert result.outcome == "timeout"
    assert result.detected_at is None
    assert result.elapsed == pytest.approx(120)
    assert result.state is not None and result.state.status == "in_progress"
    assert result.reason.startswith(
        "no verdict from ECS after 120s; last state: rollout IN_PROGRESS"
    )
    # Backs off to the 15 s cap: far fewer than one call every 2 seconds.
    assert 8 <= result.polls <= 20
    assert max(ecs.clock.sleeps) == 15.0


def test_throttling_in_the_middle_is_retried_and_outcome_is_right() -> None:
    ecs = ScriptedEcs(Scenario.completes(after_s=30).throttles(at_s=[5, 6, 7]))
    result, _, _ = watch(ecs)
    assert result.outcome == "completed"
    assert result.throttled == 3
    assert result.polls == ecs.count("describe_services")
    assert result.detected_at is not None and 30 <= result.detected_at <= 33


def test_non_throttling_errors_propagate() -> None:
    class Broken(ScriptedEcs):
        def describe_services(self, **kw: object) -> dict[str, object]:
            raise self._error("AccessDeniedException", "no", "DescribeServices")

    ecs = Broken(Scenario.completes())
    with pytest.raises(Exception, match="AccessDeniedException"):
        watch(ecs)


def test_events_are_streamed_once_each_oldest_first() -> None:
    ecs = ScriptedEcs(Scenario.completes(after_s=40, running_at_s=10))
    result, events, _ = watch(ecs)
    ids = [e.id for e in events]
    assert len(ids) == len(set(ids)) == result.events_seen
    times = [e.created_at for e in events]
    assert times == sorted(times)
    messages = [e.message for e in events]
    # The steady state of the previous deployment (3 h before) is not replayed.
    assert messages[0].startswith("(service web) has started 2 tasks: (task ")
    assert messages[-2:] == [
        f"(service web) (deployment {ecs.deployment_id}) deployment completed.",
        "(service web) has reached a steady state.",
    ]
    assert len(messages) == 5


def test_replaced_by_someone_elses_deployment() -> None:
    ecs = ScriptedEcs(Scenario.replaced(at_s=25))
    result, _, _ = watch(ecs)
    assert result.outcome == "replaced"
    assert result.state is not None
    assert result.state.primary_task_definition == ecs.other_taskdef_arn
    assert result.reason == (
        f"deployment {ecs.deployment_id} was superseded by deployment {ecs.other_id} of web:43 "
        "(someone else deployed)"
    )


def test_steady_state_mode_requires_counts_and_a_single_deployment() -> None:
    # The scripted COMPLETED already has one deployment and matching counts (the gaps are
    # covered in test_watcher_classify).
    ecs = ScriptedEcs(Scenario.completes(after_s=30))
    result, _, _ = watch(ecs, wait_for="steady-state")
    assert result.outcome == "completed"
    assert result.reason.endswith("(steady state)")


def test_deployment_id_comes_from_update_service() -> None:
    ecs = ScriptedEcs(Scenario.completes(), VirtualClock())
    response = ecs.update_service(cluster="app-prod", service="web", taskDefinition="web:42")
    assert started_deployment_id(response) == ecs.deployment_id
    assert ecs.deployment_id.startswith("ecs-svc/") and len(ecs.deployment_id) == 8 + 19


def test_missing_service_fails() -> None:
    ecs = ScriptedEcs(Scenario.completes())
    result = watch_deployment(
        ecs,
        "app-prod",
        "nope",
        ecs.deployment_id,
        None,
        None,
        timeout_s=60,
        clock=ecs.clock.monotonic,
        sleep=ecs.clock.sleep,
    )
    assert result.outcome == "failed"
    assert result.reason == "service not found (MISSING)"
    assert result.polls == 1


def test_bad_wait_for_is_refused() -> None:
    ecs = ScriptedEcs(Scenario.completes())
    with pytest.raises(ValueError, match="wait_for must be one of completed, steady-state"):
        watch(ecs, wait_for="stable")  # type: ignore[arg-type]
    assert ecs.calls == []


class SlowServiceDeployments(ScriptedEcs):
    """Each DescribeServiceDeployments answers a second after it was asked, as a busy API
    or a slow network makes it: a rollout can end between a poll's two calls."""

    def describe_service_deployments(self, **kw: object) -> dict[str, object]:
        self.clock.sleep(1.0)
        return super().describe_service_deployments(**kw)  # type: ignore[arg-type]


def test_a_rollout_ending_between_a_polls_two_calls_still_shows_its_last_events() -> None:
    # Polls read the service at t=15 and the service deployment at t=16: completion at 15.5.
    ecs = SlowServiceDeployments(Scenario.completes(after_s=15.5, running_at_s=5))
    listed = ecs.list_service_deployments(cluster=ecs.cluster, service=ecs.service_name)
    arn = listed["serviceDeployments"][0]["serviceDeploymentArn"]
    result, events, _ = watch(ecs, service_deployment_arn=arn)
    assert result.outcome == "completed"
    assert result.service_deployment is not None
    # The service is read after the verdict's service deployment, so the events the
    # completion wrote are reported before the watch ends.
    assert [e.message for e in events][-2:] == [
        f"(service web) (deployment {ecs.deployment_id}) deployment completed.",
        "(service web) has reached a steady state.",
    ]
