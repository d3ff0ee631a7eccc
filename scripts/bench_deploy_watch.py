"""Detection lag and API cost of the deployment watcher, per deployment strategy, in
virtual time.

For seeded random scenarios of each strategy, runs the watcher against the scripted ECS
double (tests/fakes/ecs_scenarios.py; the lifecycles in tests/fakes/ecs_lifecycle.py) and
measures the lag from the moment ECS records the verdict (the service deployment SUCCESSFUL,
or ROLLBACK_REQUESTED for a rollback: an alarm, the circuit breaker or a failing hook, in
any stage) to the poll that notices it, and the calls per minute of each API the watch
makes (DescribeServices, DescribeServiceDeployments). ROLLING also compares the adaptive
schedule (defaults) with a fixed 15-second poll.
Target: median lag <= 2 s for every strategy, at <= 60 calls per minute to each API.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.ecs_lifecycle import Fault
from tests.fakes.ecs_scenarios import Scenario, ScriptedEcs, VirtualClock

from slipway.ecs.polling import CallCounter, PollSchedule
from slipway.ecs.watcher import watch_deployment

ALARMS = {"alarmNames": ["web-5xx"], "enable": True, "rollback": True}
BREAKER = {"enable": True, "rollback": True}


@dataclass
class Run:
    lag: float
    verdict: str
    calls: dict[str, int]
    elapsed: float
    peak_per_minute: dict[str, int]


def rolling(rng: random.Random) -> Scenario:
    if rng.random() < 0.7:
        after = rng.uniform(45, 900)
        return Scenario.completes(after, running_at_s=after * rng.uniform(0.3, 0.8))
    return Scenario.circuit_breaker_rollback(rng.uniform(60, 900), failures=rng.randint(2, 6))


def shifting(strategy: str) -> Callable[[random.Random], Scenario]:
    """A deployment of ``strategy`` with random settings (real minutes), completing or
    rolled back (an alarm, the circuit breaker, a failing hook) at a random moment of a
    random stage."""

    def make(rng: random.Random) -> Scenario:
        configuration: dict[str, Any] = {
            "strategy": strategy,
            "bakeTimeInMinutes": rng.randint(1, 15),
            "alarms": ALARMS,
            "deploymentCircuitBreaker": BREAKER,
            "lifecycleHooks": [
                {
                    "hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:smoke",
                    "roleArn": "arn:aws:iam::123456789012:role/hooks",
                    "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
                }
            ],
        }
        if strategy == "CANARY":
            configuration["canaryConfiguration"] = {
                "canaryPercent": rng.choice([5.0, 10.0, 20.0]),
                "canaryBakeTimeInMinutes": rng.randint(1, 10),
            }
        if strategy == "LINEAR":
            configuration["linearConfiguration"] = {
                "stepPercent": rng.choice([10.0, 20.0, 25.0]),
                "stepBakeTimeInMinutes": rng.randint(1, 5),
            }
        roll = rng.random()
        fault = None
        if roll < 0.45:
            stage = rng.choice(["TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME"])
            fault = Fault("alarm", stage, rng.uniform(0.05, 0.95))
        elif roll < 0.55:
            fault = Fault("circuit_breaker", "SCALE_UP", rng.uniform(0.2, 1.0))
        elif roll < 0.65:
            fault = Fault("hook", "POST_TEST_TRAFFIC_SHIFT")
        return Scenario.deploys(configuration, rng.uniform(60, 600), fault=fault)

    return make


def verdict_at(ecs: ScriptedEcs, scenario: Scenario) -> tuple[str, float]:
    """When ECS recorded the verdict the watch was waiting for."""
    lifecycle = ecs.tracked.lifecycle if ecs.tracked else None
    if scenario.kind == "lifecycle" and lifecycle is not None:
        if lifecycle.rollback_at is not None:
            return "rolled back", lifecycle.rollback_at
        assert lifecycle.finished_at is not None
        return "completed", lifecycle.finished_at
    assert scenario.terminal_at is not None
    return ("completed" if scenario.kind == "completes" else "rolled back"), scenario.terminal_at


def measure(scenario: Scenario, schedule: PollSchedule) -> Run:
    clock = VirtualClock()
    ecs = ScriptedEcs(scenario, clock)
    counters = {
        "describe_services": CallCounter(clock.monotonic),
        "describe_service_deployments": CallCounter(clock.monotonic),
    }
    for name, counter in counters.items():
        original = getattr(ecs, name)

        def counted(*, _original: Any = original, _counter: Any = counter, **kw: Any) -> Any:
            _counter.record()
            return _original(**kw)

        setattr(ecs, name, counted)
    result = watch_deployment(
        ecs,
        ecs.cluster,
        ecs.service_name,
        ecs.deployment_id,
        ecs.previous_taskdef_arn,
        ecs.new_taskdef_arn,
        service_deployment_arn=ecs.tracked.arn if ecs.tracked else None,
        timeout_s=6 * 3600,
        schedule=schedule,
        clock=clock.monotonic,
        sleep=clock.sleep,
    )
    assert result.outcome in ("completed", "rolled_back"), (result.outcome, result.reason)
    verdict, at = verdict_at(ecs, scenario)
    assert result.detected_at is not None
    return Run(
        result.detected_at - at,
        verdict,
        {name: c.total for name, c in counters.items()},
        result.elapsed,
        {name: c.peak_per_minute for name, c in counters.items()},
    )


def report(name: str, runs: list[Run]) -> tuple[float, float]:
    lags = sorted(r.lag for r in runs)
    median = statistics.median(lags)
    p90 = lags[int(0.9 * (len(lags) - 1))]
    elapsed = sum(r.elapsed for r in runs)
    rates = {
        api: sum(r.calls[api] for r in runs) * 60 / elapsed
        for api in ("describe_services", "describe_service_deployments")
    }
    peaks = {api: max(r.peak_per_minute[api] for r in runs) for api in rates}
    rolled = sum(1 for r in runs if r.verdict == "rolled back")
    print(
        f"{name:<26} lag median {median:5.2f}s  p90 {p90:5.2f}s  max {lags[-1]:5.2f}s  "
        f"({len(runs) - rolled} completed, {rolled} rolled back)  calls/min "
        f"DescribeServices {rates['describe_services']:4.1f} (peak {peaks['describe_services']}), "
        f"DescribeServiceDeployments {rates['describe_service_deployments']:4.1f} "
        f"(peak {peaks['describe_service_deployments']})"
    )
    return median, max(*rates.values(), *peaks.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scenarios", type=int, default=200, help="per strategy")
    args = parser.parse_args()
    adaptive = PollSchedule()
    print(
        f"{args.scenarios} scenarios per strategy (seed {args.seed}); adaptive polling: "
        f"initial {adaptive.initial}s x{adaptive.factor} to cap {adaptive.cap}s, "
        f"{adaptive.hot}s while near a verdict"
    )
    met = True
    for strategy, make in (
        ("ROLLING", rolling),
        ("BLUE_GREEN", shifting("BLUE_GREEN")),
        ("CANARY", shifting("CANARY")),
        ("LINEAR", shifting("LINEAR")),
    ):
        rng = random.Random(f"{args.seed}-{strategy}")
        cases = [make(rng) for _ in range(args.scenarios)]
        median, busiest = report(
            f"{strategy} adaptive", [measure(c, PollSchedule()) for c in cases]
        )
        met = met and median <= 2.0 and busiest <= 60
        if strategy == "ROLLING":
            report("ROLLING backoff only", [measure(c, PollSchedule(hot=None)) for c in cases])
            report("ROLLING fixed 15 s", [measure(c, PollSchedule.fixed(15)) for c in cases])
    print(
        "target median lag <= 2 s at <= 60 calls/min per API, every strategy: "
        + ("met" if met else "NOT met")
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
