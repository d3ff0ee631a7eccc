"""ship's order and verdicts, with the stages given as plain functions (no AWS, no Docker):
what runs after what, what a breach leads to, and what the step reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from slipway.alarms.bake import BakePolicy, BakeResult, BakeTracker
from slipway.alarms.model import Alarm
from slipway.commands.ecr_publish import PublishError
from slipway.commands.ecr_publish import Result as Published
from slipway.commands.ship_flow import (
    ShipOutcome,
    StageError,
    Stages,
    outputs,
    render_summary,
    run_ship,
)
from slipway.ecs.deploy import DeployOutcome
from slipway.gha.summary import Summary

PREVIOUS = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:41"
NEW = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:42"
DIGEST = "sha256:" + "c" * 64
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def bake_result(breached: Sequence[str] = ()) -> BakeResult:
    alarms = {name: Alarm(name, "metric", "OK") for name in ("web-5xx", "web-latency")}
    tracker = BakeTracker(BakePolicy(), alarms, T0)
    tracker.observe(
        {
            name: Alarm(name, "metric", "ALARM" if name in breached else "OK", "p99 above 2s")
            for name in alarms
        },
        T0,
    )
    return tracker.finish(T0)


@dataclass
class FakeStages:
    """Records the calls; each stage's answer is chosen per test. A fake clock advances by
    the seconds each stage 'takes'."""

    watched: Sequence[str] = ("web-5xx", "web-latency")
    preflight_error: Exception | None = None
    publish_error: str | None = None
    deploy_result: str = "deployed"
    breached: Sequence[str] = ()
    rollback_result: str = "deployed"
    bake_error: str | None = None
    rollback_error: str | None = None
    calls: list[str] = field(default_factory=list)
    now: float = 100.0

    def clock(self) -> float:
        return self.now

    def preflight(self) -> Sequence[str]:
        self.calls.append("preflight")
        self.now += 1
        if self.preflight_error:
            raise self.preflight_error
        return self.watched

    def publish(self) -> Published:
        self.calls.append("publish")
        self.now += 30
        if self.publish_error:
            raise PublishError(self.publish_error)
        return Published("shop/web", "127.0.0.1:5000", DIGEST, ("abc1234",), built=True)

    def deploy(self, image: str) -> DeployOutcome:
        self.calls.append(f"deploy {image}")
        self.now += 60
        outcome = DeployOutcome(self.deploy_result, PREVIOUS, [], new_arn=NEW)  # type: ignore[arg-type]
        if self.deploy_result != "deployed":
            outcome.explanation = "tasks failed to start\nmore detail"
        return outcome

    def bake(self, names: Sequence[str]) -> BakeResult:
        self.calls.append("bake " + ",".join(names))
        self.now += 300
        if self.bake_error:
            raise StageError(self.bake_error)
        return bake_result(self.breached)

    def rollback(self, arn: str) -> DeployOutcome:
        self.calls.append(f"rollback {arn}")
        self.now += 45
        if self.rollback_error:
            raise StageError(self.rollback_error)
        outcome = DeployOutcome(self.rollback_result, NEW, [], new_arn=arn)  # type: ignore[arg-type]
        if self.rollback_result != "deployed":
            outcome.explanation = "no verdict from ECS after 900s"
        return outcome

    def run(self) -> ShipOutcome:
        stages = Stages(self.preflight, self.publish, self.deploy, self.bake, self.rollback)
        return run_ship(stages, monotonic=self.clock)


IMAGE = f"127.0.0.1:5000/shop/web@{DIGEST}"


def test_green_ship_runs_every_stage_in_order_and_times_them() -> None:
    fake = FakeStages()
    outcome = fake.run()
    assert outcome.result == "shipped" and outcome.ok
    assert outcome.message == ""
    assert fake.calls == ["preflight", "publish", f"deploy {IMAGE}", "bake web-5xx,web-latency"]
    assert [(s.name, s.ok, s.verdict, s.seconds) for s in outcome.stages] == [
        ("preflight", True, "2 alarm(s) to watch", 1),
        ("build and push", True, "built and pushed", 30),
        ("deploy", True, "deployed", 60),
        ("bake", True, "ok", 300),
    ]
    values = outputs(outcome)
    assert values == {
        "image": IMAGE,
        "digest": DIGEST,
        "built": "true",
        "task-definition-arn": NEW,
        "previous-task-definition-arn": PREVIOUS,
        "result": "shipped",
        "breached": [],
        "watched": ["web-5xx", "web-latency"],
    }


def test_breach_redeploys_the_previous_task_definition() -> None:
    fake = FakeStages(breached=("web-latency",))
    outcome = fake.run()
    assert outcome.result == "rolled-back"
    assert fake.calls[-1] == f"rollback {PREVIOUS}"
    assert outcome.message == (
        f"bake failed: web-latency ALARM at 09:30:00 UTC: p99 above 2s; rolled back to {PREVIOUS}"
    )
    assert [s.name for s in outcome.stages][-2:] == ["bake", "rollback"]
    assert outcome.stages[-2].ok is False and outcome.stages[-1].ok is True
    breached = outputs(outcome)["breached"]
    assert [(b["name"], b["state"], b["reason"]) for b in breached] == [
        ("web-latency", "ALARM", "p99 above 2s")
    ]


def test_a_rollback_that_does_not_complete_is_its_own_result() -> None:
    fake = FakeStages(breached=("web-5xx",), rollback_result="timeout")
    outcome = fake.run()
    assert outcome.result == "rollback-failed"
    assert outcome.message == (
        f"bake failed: web-5xx ALARM at 09:30:00 UTC: p99 above 2s; the rollback to {PREVIOUS} "
        "ended timeout: "
        "no verdict from ECS after 900s"
    )


def test_failed_build_stops_before_the_service_is_touched() -> None:
    fake = FakeStages(publish_error="docker build exited 1: COPY failed")
    outcome = fake.run()
    assert outcome.result == "build-failed"
    assert outcome.message == "docker build exited 1: COPY failed"
    assert fake.calls == ["preflight", "publish"]
    assert outputs(outcome)["image"] == "" and outputs(outcome)["task-definition-arn"] == ""


@pytest.mark.parametrize("result", ["failed", "timeout", "rolled-back", "migration-failed"])
def test_failed_deployment_is_not_baked(result: str) -> None:
    fake = FakeStages(deploy_result=result)
    outcome = fake.run()
    assert outcome.result == result
    assert outcome.message == f"deploy {result}: tasks failed to start"
    assert fake.calls == ["preflight", "publish", f"deploy {IMAGE}"]


def test_preflight_refusal_changes_nothing() -> None:
    fake = FakeStages(preflight_error=LookupError("service 'web' is not active"))
    outcome = fake.run()
    assert outcome.result == "failed"
    assert outcome.message == "service 'web' is not active"
    assert fake.calls == ["preflight"]
    assert outputs(outcome)["watched"] == []


def test_nothing_to_watch_ships_without_a_bake() -> None:
    fake = FakeStages(watched=())
    outcome = fake.run()
    assert outcome.result == "shipped"
    assert not any(call.startswith("bake") for call in fake.calls)


def test_summary_has_the_verdict_a_row_per_stage_and_the_sections() -> None:
    outcome = FakeStages(breached=("web-latency",)).run()
    text = render_summary(
        "app-prod/web", outcome, [Summary().heading("section one"), Summary().heading("two")]
    ).render()
    assert text.startswith("# ❌ ship app-prod/web: rolled-back\n")
    assert "| stage | result | time |" in text
    assert "| build and push | ✅ built and pushed | 30s |" in text
    assert "| bake | ❌ breached | 5m |" in text
    assert "| rollback | ✅ deployed | 45s |" in text
    assert "| **total** |  | 7m16s |" in text
    assert text.index("## section one") < text.index("## two")


def test_a_bake_that_cannot_read_the_alarms_fails_without_rolling_back() -> None:
    fake = FakeStages(bake_error="An error occurred (AccessDenied) when calling DescribeAlarms")
    outcome = fake.run()
    assert outcome.result == "failed"
    assert outcome.message == (
        "bake: the alarms could not be watched (An error occurred (AccessDenied) when calling "
        f"DescribeAlarms); the service stays on {NEW}"
    )
    assert not any(call.startswith("rollback") for call in fake.calls)


def test_an_aws_error_during_the_rollback_is_a_failed_rollback() -> None:
    fake = FakeStages(breached=("web-5xx",), rollback_error="Could not connect to the endpoint")
    outcome = fake.run()
    assert outcome.result == "rollback-failed"
    assert outcome.message.endswith(
        f"the rollback to {PREVIOUS} failed: Could not connect to the endpoint"
    )
    assert outcome.stages[-1].name == "rollback" and outcome.stages[-1].ok is False
