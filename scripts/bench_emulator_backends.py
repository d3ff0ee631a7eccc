#!/usr/bin/env python3
"""What a reset of the emulator and the first requests after it cost, as moto ships (its reset,
account lookup and default EC2 images) and as the emulator runs it (scripts/emulator_backends.py,
no default images): the reset itself, then the first use of the backends a two-account
pipeline test builds, with the account lookup every request makes.

    .venv/bin/python scripts/bench_emulator_backends.py [--runs N]

Each variant runs in its own interpreter: moto reads its image setting at import."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
ACCOUNTS = ("111111111111", "222222222222")
REGIONS = ("us-east-1", "eu-west-1")


def build_backends() -> None:
    from moto.ec2.models import ec2_backends
    from moto.ecs.models import ecs_backends
    from moto.elbv2.models import elbv2_backends
    from moto.iam import models as iam_models
    from moto.iam.models import iam_backends
    from moto.rds.models import rds_backends
    from moto.s3.models import s3_backends

    for account in ACCOUNTS:
        _ = iam_backends[account]["global"], s3_backends[account]["aws"]
        # As each request does: its account, from its access key (unknown here).
        iam_models.get_account_id_from(f"ASIA{account}")
        for region in REGIONS:
            _ = ec2_backends[account][region], ecs_backends[account][region]
            _ = rds_backends[account][region], elbv2_backends[account][region]


def measure(runs: int) -> dict[str, float]:
    """In the child: seconds for a reset, then for building the same backends again."""
    from moto.moto_api._internal.models import moto_api_backend

    if os.environ.get("BENCH_EMULATOR") == "1":
        import emulator_backends

        emulator_backends.install()
    resets, rebuilds = [], []
    build_backends()
    for _ in range(runs):
        started = time.perf_counter()
        moto_api_backend.reset()
        resets.append(time.perf_counter() - started)
        started = time.perf_counter()
        build_backends()
        rebuilds.append(time.perf_counter() - started)
    return {"reset": statistics.median(resets), "rebuild": statistics.median(rebuilds)}


def run_variant(emulator: bool, runs: int) -> dict[str, float]:
    env = {
        **os.environ,
        "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false" if emulator else "true",
        "BENCH_EMULATOR": "1" if emulator else "0",
        "PYTHONPATH": str(SCRIPTS),
    }
    child = subprocess.run(
        [sys.executable, __file__, "--child", "--runs", str(runs)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(child.stdout))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.runs)))
        return 0
    print(f"{len(ACCOUNTS)} accounts x {len(REGIONS)} regions, median of {args.runs} runs")
    print(f"{'variant':<36} {'reset (s)':>10} {'next use (s)':>13} {'total (s)':>10}")
    for label, emulator in (("moto as shipped", False), ("the emulator's", True)):
        figures = run_variant(emulator, args.runs)
        total = figures["reset"] + figures["rebuild"]
        print(f"{label:<36} {figures['reset']:>10.3f} {figures['rebuild']:>13.3f} {total:>10.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
