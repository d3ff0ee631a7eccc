"""Detection lag and API cost of the deployment watcher, in virtual time.

For seeded random scenarios (rollouts that complete or trip the circuit breaker at random
times), runs the watcher against the scripted ECS double and measures the lag from the
moment ECS records COMPLETED/FAILED to the poll that notices it, and the describe_services
calls per minute. Compares the adaptive schedule (defaults) with a fixed 15-second poll.
Target: median lag <= 2 s at <= 60 describe calls per minute.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.ecs_scenarios import Scenario, ScriptedEcs, VirtualClock

from slipway.ecs.polling import CallCounter, PollSchedule
from slipway.ecs.watcher import watch_deployment


@dataclass
class Run:
    lag: float
    calls: int
    elapsed: float
    peak_per_minute: int


def scenarios(seed: int, count: int) -> list[Scenario]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        if rng.random() < 0.7:
            after = rng.uniform(45, 900)
            out.append(Scenario.completes(after, running_at_s=after * rng.uniform(0.3, 0.8)))
        else:
            out.append(
                Scenario.circuit_breaker_rollback(rng.uniform(60, 900), failures=rng.randint(2, 6))
            )
    return out


def measure(scenario: Scenario, schedule: PollSchedule) -> Run:
    clock = VirtualClock()
    ecs = ScriptedEcs(scenario, clock)
    counter = CallCounter(clock.monotonic)
    original = ecs.describe_services

    def counted(**kw: object) -> dict[str, object]:
        counter.record()
        return original(**kw)  # type: ignore[arg-type]

    ecs.describe_services = counted  # type: ignore[method-assign]
    result = watch_deployment(
        ecs,
        ecs.cluster,
        ecs.service_name,
        ecs.deployment_id,
        ecs.previous_taskdef_arn,
        ecs.new_taskdef_arn,
        timeout_s=3600,
        schedule=schedule,
        clock=clock.monotonic,
        sleep=clock.sleep,
    )
    assert result.outcome in ("completed", "rolled_back"), result.outcome
    assert result.detected_at is not None and scenario.terminal_at is not None
    return Run(
        result.detected_at - scenario.terminal_at,
        result.polls,
        result.elapsed,
        counter.peak_per_minute,
    )


def report(name: str, runs: list[Run]) -> tuple[float, float]:
    lags = sorted(r.lag for r in runs)
    median = statistics.median(lags)
    p90 = lags[int(0.9 * (len(lags) - 1))]
    per_minute = sum(r.calls for r in runs) * 60 / sum(r.elapsed for r in runs)
    peak = max(r.peak_per_minute for r in runs)
    print(
        f"{name:<22} lag median {median:5.2f}s  p90 {p90:5.2f}s  max {lags[-1]:5.2f}s  "
        f"describe calls/min {per_minute:5.1f} (busiest minute {peak})"
    )
    return median, per_minute


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scenarios", type=int, default=200)
    args = parser.parse_args()
    cases = scenarios(args.seed, args.scenarios)
    print(f"{len(cases)} scenarios (seed {args.seed}), verdicts at 45-900 s of virtual time")
    adaptive = PollSchedule()
    print(
        f"adaptive: initial {adaptive.initial}s x{adaptive.factor} to cap {adaptive.cap}s, "
        f"{adaptive.hot}s while near the end"
    )
    median, per_minute = report("adaptive (default)", [measure(c, PollSchedule()) for c in cases])
    report("backoff only (no hot)", [measure(c, PollSchedule(hot=None)) for c in cases])
    report("fixed 15 s", [measure(c, PollSchedule.fixed(15)) for c in cases])
    met = median <= 2.0 and per_minute <= 60
    print(f"target median lag <= 2 s at <= 60 calls/min: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
