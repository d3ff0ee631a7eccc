#!/usr/bin/env python3
"""The emulator's CPU per request, with and without scripts/emulator_dispatch.py (each
host's backend found once, one botocore loader for every service model): the same mixed
requests (STS, S3, EC2, IAM, ECS, CloudWatch over CBOR, RDS, ELBv2) against a fresh server of
each kind, the first requests, which load the models, included.

    .venv/bin/python scripts/bench_emulator_dispatch.py [--rounds N]

The figure is the server process's own CPU time (user and system, from /proc), not the
client's, and not wall time: the machine may be busy with other work."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import boto3

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))
from localenv_emulator import health_url  # noqa: E402 - beside this file
from localenv_process import HEALTH_TIMEOUT_S, free_port, http_ok, launch, stop  # noqa: E402

# moto's dispatch as shipped: the emulator with emulator_dispatch's install left out.
WITHOUT_DISPATCH = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); import emulator_dispatch; "
    "emulator_dispatch.install = lambda: None; import emulator_server; "
    "emulator_server.main(sys.argv[1:])"
)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_command(with_dispatch: bool, port: int) -> list[str]:
    args = ["-H", "127.0.0.1", "-p", str(port)]
    if with_dispatch:
        return [sys.executable, str(SCRIPTS / "emulator_server.py"), *args]
    return [sys.executable, "-c", WITHOUT_DISPATCH, str(SCRIPTS), *args]


def requests(endpoint: str, rounds: int) -> int:
    session = boto3.Session(
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="bench",
        region_name="us-east-1",
    )
    names = ("sts", "s3", "ec2", "iam", "ecs", "cloudwatch", "rds", "elbv2")
    c = {name: session.client(name, endpoint_url=endpoint) for name in names}
    for _ in range(rounds):
        c["sts"].get_caller_identity()
        c["s3"].list_buckets()
        c["ec2"].describe_vpcs()
        c["iam"].list_roles(MaxItems=5)
        c["ecs"].list_clusters()
        c["cloudwatch"].describe_alarms()
        c["rds"].describe_db_instances()
        c["elbv2"].describe_load_balancers()
    return rounds * len(names)


def measure(with_dispatch: bool, rounds: int) -> tuple[int, float]:
    """A fresh server of the kind asked, started as the tests start theirs; its CPU for
    ``rounds`` of requests."""
    with tempfile.TemporaryDirectory(prefix="bench-emulator-") as work:
        directory = Path(work)
        port = free_port()
        endpoint = f"http://127.0.0.1:{port}"
        server = launch(
            directory,
            "emulator",
            server_command(with_dispatch, port),
            endpoint,
            lambda: http_ok(health_url(endpoint)),
            timeout=HEALTH_TIMEOUT_S,
            on_failure=lambda: stop("emulator", directory),
            what="the AWS emulator",
        )
        try:
            before = cpu_seconds(server.pid)
            count = requests(endpoint, rounds)
            return count, cpu_seconds(server.pid) - before
        finally:
            stop("emulator", directory)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60, help="rounds of 8 requests (60)")
    rounds = parser.parse_args().rounds
    if rounds < 1:
        parser.error(f"--rounds: expected a positive number, got {rounds}")
    print(f"{'emulator':<34} {'requests':>8} {'CPU s':>7} {'ms/request':>10}")
    for label, with_dispatch in (("moto's dispatch", False), ("with emulator_dispatch", True)):
        count, seconds = measure(with_dispatch, rounds)
        print(f"{label:<34} {count:>8} {seconds:>7.2f} {1000 * seconds / count:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
