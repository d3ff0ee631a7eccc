#!/usr/bin/env python3
"""`make demo`: cw-alarms-check against the local AWS emulator, once healthy, once with an
alarm firing in the middle of the bake. Safe to run again; `make demo-down` cleans up."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import localenv  # noqa: E402

ALARMS = ["demo-web-5xx", "demo-web-latency", "demo-web-cpu"]
TARGET_TRACKING = "TargetTracking-service/demo/web-AlarmHigh-0001"
BOLD, RESET = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "")


def banner(text: str) -> None:
    print(f"\n{BOLD}━━ {text}{RESET}", flush=True)


def prepare_alarms(cloudwatch: object) -> None:
    for name in [*ALARMS, TARGET_TRACKING]:
        cloudwatch.put_metric_alarm(  # type: ignore[attr-defined]
            AlarmName=name,
            Namespace="AWS/ECS",
            MetricName="CPUUtilization",
            Statistic="Average",
            Period=60,
            EvaluationPeriods=1,
            Threshold=70,
            ComparisonOperator="GreaterThanThreshold",
            Tags=[{"Key": "Service", "Value": "web"}],
        )
        # A rerun starts from healthy alarms whatever the last run left behind.
        cloudwatch.set_alarm_state(  # type: ignore[attr-defined]
            AlarmName=name, StateValue="OK", StateReason="demo reset"
        )


def bake(python: str, env: dict[str, str], bake_time: str) -> tuple[int, float]:
    started = time.monotonic()
    code = subprocess.call(
        [
            python,
            "-m",
            "slipway",
            "cw-alarms-check",
            "--alarm-tags",
            "Service=web",
            "--bake-time",
            bake_time,
            "--poll-interval",
            "1s",
        ],
        env=env,
    )
    return code, time.monotonic() - started


def main() -> int:
    banner("1/4 AWS emulator")
    service = localenv.start_emulator()
    print(f"moto server on {service.endpoint} (pid {service.pid})")
    aws_env = localenv.emulator_env(service.endpoint)
    os.environ.update(aws_env)

    banner("2/4 action environment (scripts/bootstrap, as every action step runs it)")
    started = time.monotonic()
    python = subprocess.run(
        [str(ROOT / "scripts" / "bootstrap")], capture_output=True, text=True, check=True
    ).stdout.strip()
    print(f"{python}  ({(time.monotonic() - started) * 1000:.0f} ms)")

    cloudwatch = boto3.client("cloudwatch")
    prepare_alarms(cloudwatch)
    print(
        f"alarms tagged Service=web: {', '.join(ALARMS)} and {TARGET_TRACKING} "
        "(left out: target tracking)"
    )
    env = {**os.environ, **aws_env}
    env.pop("GITHUB_ACTIONS", None)

    banner("3/4 healthy bake: 5s, nothing fires")
    green, green_s = bake(python, env, "5s")

    banner("4/4 bake of 2m: demo-web-5xx goes to ALARM after 4s")

    def fire() -> None:
        time.sleep(4)
        cloudwatch.set_alarm_state(
            AlarmName="demo-web-5xx",
            StateValue="ALARM",
            StateReason="Threshold Crossed: 12 5xx responses in 1 minute (demo)",
        )

    threading.Thread(target=fire, daemon=True).start()
    red, red_s = bake(python, env, "2m")

    banner("report")
    rows = [
        ("healthy bake", "passed" if green == 0 else "FAILED", green, green_s),
        ("breach mid-bake", "breach caught" if red == 1 else "NOT CAUGHT", red, red_s),
    ]
    for stage, verdict, code, seconds in rows:
        print(f"  {stage:18s} {verdict:14s} exit {code}  {seconds:5.1f}s")
    ok = green == 0 and red == 1
    print(
        "\nThe breach stopped the bake at once instead of waiting 2 minutes."
        if ok
        else "\nUnexpected outcome: see the output above."
    )
    print("Run `make demo-down` to stop the emulator.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
