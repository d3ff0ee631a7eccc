"""Time and memory of reading and rendering a large plan (10,000 resource changes).

Builds a synthetic ``terraform show -json`` document shaped like the engine's (resource
changes with before/after bodies, planned values, prior state), then measures
``load_plan`` + ``render_comment``. Prints figures only; targets: under 1 s (the median of
``--runs`` untraced runs), and peak memory under 3x the JSON's size.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from slipway.terraform import load_plan, render_comment

ACTIONS = [["create"]] * 4 + [["update"]] * 3 + [["delete"]] + [["delete", "create"]] + [["no-op"]]


def _attributes(rng: random.Random, n: int) -> dict[str, Any]:
    return {
        "name": f"svc-{n}",
        "arn": f"arn:aws:ecs:eu-west-1:123456789012:service/app/svc-{n}",
        "desired_count": rng.randint(1, 10),
        "tags": {"env": "prod", "team": f"team-{n % 17}", "cost_center": str(n % 5)},
        "policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": ["s3:*"] * 8}]}),
        "subnets": [f"subnet-{n:08x}{i}" for i in range(3)],
        "description": "x" * rng.randint(20, 200),
    }


def build_document(count: int = 10_000) -> dict[str, Any]:
    rng = random.Random(7)
    changes = []
    planned = []
    for n in range(count):
        actions = ACTIONS[n % len(ACTIONS)]
        module = f'module.app["svc{n % 40}"].module.inner[{n % 3}]'
        address = f"{module}.aws_ecs_service.this[{n}]"
        before = None if actions == ["create"] else _attributes(rng, n)
        after = None if actions == ["delete"] else _attributes(rng, n + 1)
        changes.append(
            {
                "address": address,
                "module_address": module,
                "mode": "managed",
                "type": "aws_ecs_service",
                "name": "this",
                "index": n,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {
                    "actions": actions,
                    "before": before,
                    "after": after,
                    "after_unknown": {"id": True} if after else {},
                    "before_sensitive": {"tags": {}} if before else False,
                    "after_sensitive": {"tags": {}} if after else False,
                },
            }
        )
        if after:
            planned.append({"address": address, "values": after})
    return {
        "format_version": "1.2",
        "terraform_version": "1.15.5",
        "variables": {"db_password": {"value": "not-for-eyes"}},
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "output_changes": {"url": {"actions": ["update"], "before": "a", "after": "b"}},
        "prior_state": {"values": {"root_module": {"resources": planned}}},
        "applyable": True,
        "complete": True,
        "errored": False,
    }


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--runs", type=int, default=5, help="untraced runs to time; the median is reported"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def _timed_run(path: Path) -> float:
    start = time.perf_counter()
    render_comment(load_plan(path), title="bench", full_plan_text=None)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> None:
    args = _parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        path.write_text(json.dumps(build_document(), separators=(",", ":")), encoding="utf-8")
        size = path.stat().st_size
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        tracemalloc.start()
        start = time.perf_counter()
        plan = load_plan(path)
        comment = render_comment(plan, title="bench", full_plan_text=None)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        kept = f"resource changes kept: {len(plan.changes)}  counts: {plan.counts}"
        del plan
        # tracemalloc slows allocation-heavy code: time untraced runs too.
        untraced = [_timed_run(path) for _ in range(args.runs)]
    mib = 1024 * 1024
    print(kept)
    print(f"JSON size:            {size / mib:8.1f} MiB")
    print(
        f"time (untraced):      {statistics.median(untraced):8.3f} s  median of {args.runs} "
        f"(min {min(untraced):.3f}, max {max(untraced):.3f})"
    )
    print(f"time (tracemalloc):   {elapsed:8.3f} s")
    print(f"tracemalloc peak:     {peak / mib:8.1f} MiB  ({peak / size:.2f}x the JSON)")
    delta = rss_after - rss_before
    print(f"max RSS delta:        {delta / mib:8.1f} MiB  ({delta / size:.2f}x the JSON)")
    print(f"comment length:       {len(comment)} characters")


if __name__ == "__main__":
    main()
