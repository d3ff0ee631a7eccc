"""The local AWS emulator: moto plus the RPC v2 CBOR protocol (scripts/emulator_server.py),
and the variables that point boto3, the AWS CLI and Terraform at it.

Its own module because it is the one service every integration test needs, and the only one
that runs on the development environment's interpreter rather than a system binary.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

from localenv_process import (
    HEALTH_TIMEOUT_S,
    REPO,
    Service,
    free_port,
    http_ok,
    launch,
    running,
    state_dir,
    stop,
)


def health_url(endpoint: str) -> str:
    return endpoint + "/moto-api/data.json"


def start_emulator(directory: Path | None = None) -> Service:
    """Start the AWS emulator (moto plus the RPC v2 CBOR protocol, scripts/emulator_server.py)
    or reuse a healthy one, and return its endpoint."""
    directory = directory or state_dir()
    directory.mkdir(parents=True, exist_ok=True)
    current = running("emulator", directory)
    if current and http_ok(health_url(current.endpoint)):
        return current
    if current:
        stop("emulator", directory)

    # The server needs the project's locked moto and cbor2: the development environment's
    # interpreter, whichever python runs this script.
    python = REPO / ".venv" / "bin" / "python"
    if not python.exists():
        raise SystemExit("the development environment is missing: run scripts/dev-env first")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = REPO / "scripts" / "emulator_server.py"
    return launch(
        directory,
        "emulator",
        [str(python), str(server), "-H", "127.0.0.1", "-p", str(port)],
        endpoint,
        lambda: http_ok(health_url(endpoint)),
        timeout=HEALTH_TIMEOUT_S,
        on_failure=lambda: stop("emulator", directory),
        what="the AWS emulator",
    )


def reset_emulator(endpoint: str, timeout: float = 60) -> None:
    """Forget every account's resources. A reset takes milliseconds (scripts/emulator_backends.py);
    the timeout leaves room for a machine busy with a test worker per core and more."""
    request = urllib.request.Request(endpoint + "/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if response.status != 200:
            raise RuntimeError(f"the emulator at {endpoint} refused a reset: {response.status}")


def emulator_env(endpoint: str) -> dict[str, str]:
    """Variables that point boto3, the AWS CLI and Terraform at the emulator."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
