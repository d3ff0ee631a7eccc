#!/usr/bin/env python3
"""Benchmark the action bootstrap and command start-up; prints figures, asserts nothing.

- cold: a new job (empty RUNNER_TEMP) with the package caches warm: bootstrap's own cost;
- cold + download: also with empty uv and pip caches, so wheels are fetched again;
- warm: a later step in the same job (the venv exists);
- start-up: from spawning `slipway cw-alarms-check` to its first request to AWS;
- cold, per interpreter source: a Python 3.11 as python3 on PATH; python3 3.10 on PATH and
  a 3.11 in the runner's tool cache; python3 3.10 and no tool cache, so uv installs CPython
  (first job on the runner: download and unpack; a later job: already in the tool cache).
  These use the layouts of the bootstrap tests (tests/integration/bootstrap/runner_pythons.py):
  real interpreters of this machine, and a local download location serving Debian's CPython
  in uv's downloads JSON format, so the download is a local one.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.integration.bootstrap import runner_pythons as pythons

ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP = ROOT / "scripts" / "bootstrap"


def bootstrap(runner_temp: Path, extra_env: dict[str, str] | None = None) -> tuple[float, str]:
    env = {**os.environ, "RUNNER_TEMP": str(runner_temp), **(extra_env or {})}
    started = time.perf_counter()
    done = subprocess.run([str(BOOTSTRAP)], env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stdout.strip()


def timed(env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = pythons.run_bootstrap(env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return elapsed


def per_source(work: Path, runs: int) -> dict[str, list[float]]:
    """Cold bootstrap seconds for each interpreter source, `runs` new jobs each."""
    old_path = pythons.path_with_python3(work / "old-bin", pythons.real_python(10))
    new_path = pythons.path_with_python3(work / "new-bin", pythons.real_python(11))
    cache = pythons.tool_cache(
        work / "toolcache", {"3.11.7": pythons.real_python(11)}, complete={"3.11.7"}
    )
    results = {
        "cold, python3 on PATH": [
            timed(pythons.bootstrap_env(new_path, work / f"path-{i}")) for i in range(runs)
        ],
        "cold, tool cache": [
            timed(
                pythons.bootstrap_env(old_path, work / f"cache-{i}", RUNNER_TOOL_CACHE=str(cache))
            )
            for i in range(runs)
        ],
    }
    archive, version = pythons.debian_cpython_archive(work)
    served = work / "downloads"
    served.mkdir()
    with pythons.download_location(served) as (base_url, _):
        listing = pythons.publish_cpython(served, base_url, archive, version)

        def managed(job: str, tool_cache: Path) -> dict[str, str]:
            return pythons.bootstrap_env(
                old_path,
                work / job,
                RUNNER_TOOL_CACHE=str(tool_cache),
                SLIPWAY_PYTHON_VERSION=version,
                UV_PYTHON_DOWNLOADS_JSON_URL=listing,
            )

        results["cold, uv installs CPython"] = [
            timed(managed(f"uv-{i}", work / f"uv-cache-{i}")) for i in range(runs)
        ]
        results["cold, uv's CPython cached"] = [
            timed(managed(f"uv-again-{i}", work / "uv-cache-0")) for i in range(runs)
        ]
    return results


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
        results.update(per_source(work / "sources", args.runs))
        print(f"slipway bootstrap benchmark ({sys.platform}, python {sys.version.split()[0]})")
        for name, values in results.items():
            print(f"  {name:28s} {fmt(values)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
