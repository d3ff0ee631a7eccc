"""Helpers shared by tests (no fixtures here: see conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import BaseServer
from typing import Any

# How often a test server's serve_forever looks for a shutdown request: the standard 0.5 s
# made every test that stops one wait up to half a second for nothing.
SHUTDOWN_POLL_S = 0.05


def serve_in_background(
    server: BaseServer, name: str | None = None, poll: float = SHUTDOWN_POLL_S
) -> threading.Thread:
    """Start ``server.serve_forever`` in a daemon thread that notices a shutdown request
    within ``poll`` seconds; the caller shuts the server down (or uses ``serving``)."""
    thread = threading.Thread(target=server.serve_forever, args=(poll,), name=name, daemon=True)
    thread.start()
    return thread


@contextmanager
def serving(server: BaseServer, poll: float = SHUTDOWN_POLL_S) -> Iterator[None]:
    """``server`` answers in a background thread for the block; then it is shut down, its
    socket closed and its thread joined. A fixture that every test of a file starts and stops
    passes a shorter ``poll``."""
    thread = serve_in_background(server, poll=poll)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def parse_github_output(text: str) -> dict[str, str]:
    """GitHub's file-command semantics: ``name=value`` or ``name<<DELIM`` ... ``DELIM``."""
    result: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        heredoc = line.find("<<")
        equals = line.find("=")
        if heredoc != -1 and (equals == -1 or heredoc < equals):
            name, delimiter = line[:heredoc], line[heredoc + 2 :]
            assert name and delimiter
            value_lines: list[str] = []
            while True:
                assert index < len(lines), f"missing delimiter {delimiter!r}"
                current = lines[index]
                index += 1
                if current == delimiter:
                    break
                value_lines.append(current)
            result[name] = "\n".join(value_lines)
        else:
            assert equals > 0, line
            result[line[:equals]] = line[equals + 1 :]
    return result


def put_metric_alarm(cloudwatch: Any, name: str, tags: Mapping[str, str] | None = None) -> None:
    """A CPU alarm as the monitoring module would create it (state starts OK on moto)."""
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/ECS",
        MetricName="CPUUtilization",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=70,
        ComparisonOperator="GreaterThanThreshold",
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    )


def read_outputs(path: Path) -> dict[str, str]:
    return parse_github_output(path.read_text()) if path.exists() else {}


class CountingEndpoint:
    """An HTTP server that answers 500 to everything and counts requests: pointed at as the
    AWS endpoint, it proves a command made no AWS call."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                outer.requests.append(f"{self.command} {self.path}")
                self.send_response(500)
                self.end_headers()

            do_GET = do_POST = do_PUT = _any

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@contextmanager
def counting_endpoint() -> Iterator[CountingEndpoint]:
    endpoint = CountingEndpoint()
    with serving(endpoint.server):
        yield endpoint


def in_account(service: str, account: str) -> Any:
    """A boto3 client of the emulator acting in ``account`` (moto keeps accounts apart by the
    keys of an assumed role: the role need not exist), from the environment's keys."""
    import boto3

    keys = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/test-admin", RoleSessionName="test"
    )["Credentials"]
    return boto3.client(
        service,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    )
