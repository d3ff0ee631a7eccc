#!/usr/bin/env python3
"""Benchmark the action bootstrap and command start-up; prints figures, asserts nothing.

- cold: a new job (empty RUNNER_TEMP) with the package caches warm: bootstrap's own cost;
- cold + download: also with empty uv and pip caches, so wheels are fetched again;
- warm: a later step in the same job (the venv exists);
- start-up: from spawning `slipway cw-alarms-check` to its first request to AWS.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP = ROOT / "scripts" / "bootstrap"


def bootstrap(runner_temp: Path, extra_env: dict[str, str] | None = None) -> tuple[float, str]:
    env = {**os.environ, "RUNNER_TEMP": str(runner_temp), **(extra_env or {})}
    started = time.perf_counter()
    done = subprocess.run([str(BOOTSTRAP)], env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stdout.strip()


def first_request_latency(python: str, runs: int) -> list[float]:
    """Seconds from spawning the command to the first HTTP request reaching 'AWS'."""
    arrived: list[float] = []
    event = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if not event.is_set():
                arrived.append(time.perf_counter())
                event.set()
            self.send_response(500)
            self.end_headers()

        do_GET = do_POST

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{server.server_address[1]}",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }
    latencies = []
    for _ in range(runs):
        event.clear()
        arrived.clear()
        started = time.perf_counter()
        process = subprocess.Popen(
            [
                python,
                "-m",
                "slipway",
                "cw-alarms-check",
                "--alarm-names",
                "bench",
                "--bake-time",
                "0s",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        event.wait(timeout=30)
        process.kill()
        process.wait()
        if arrived:
            latencies.append(arrived[0] - started)
    server.shutdown()
    return latencies


def fmt(values: list[float]) -> str:
    return (
        f"median {statistics.median(values) * 1000:7.1f} ms  "
        f"min {min(values) * 1000:7.1f} ms  max {max(values) * 1000:7.1f} ms  (n={len(values)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--skip-download",
        action="store_true",
        help="skip the cold run with empty package caches (needs the network)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="slipway-bench-"))
    try:
        cold = [bootstrap(work / f"cold-{i}")[0] for i in range(args.runs)]
        python = bootstrap(work / "cold-0")[1]
        warm = [bootstrap(work / "cold-0")[0] for _ in range(args.runs * 4)]
        results = {"cold (caches warm)": cold, "warm (same job)": warm}
        if not args.skip_download:
            caches = {"UV_CACHE_DIR": str(work / "uv-cache"), "PIP_NO_CACHE_DIR": "1"}
            results["cold + download"] = [
                bootstrap(work / f"dl-{i}", caches)[0]
                for i in range(min(args.runs, 2))
                if not shutil.rmtree(work / "uv-cache", ignore_errors=True)
            ]
        results["start-up to first AWS call"] = first_request_latency(python, args.runs)
        print(f"slipway bootstrap benchmark ({sys.platform}, python {sys.version.split()[0]})")
        for name, values in results.items():
            print(f"  {name:28s} {fmt(values)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
