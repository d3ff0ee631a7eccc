"""The local image registry (driven by scripts/docker-env): Debian's docker-registry on
127.0.0.1 without auth, its storage under ``<state dir>/docker/registry`` beside the engine's.

Apart from the engine because it is a separate process with its own lifetime; the registry
front that refuses what ECR refuses sits in front of it (localenv_images).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from localenv_docker import docker_dir
from localenv_process import (
    HEALTH_TIMEOUT_S,
    Service,
    free_port,
    http_ok,
    launch,
    running,
    state_dir,
    stop_service,
)


def _registry_healthy(address: str) -> bool:
    return http_ok(f"http://{address}/v2/")


def registry_config(address: str, storage: Path) -> str:
    """The registry's configuration: listen on ``address``, keep blobs under ``storage``,
    allow deletes."""
    return (
        "version: 0.1\n"
        "log:\n"
        "  level: info\n"
        "  fields:\n"
        "    service: registry\n"
        "storage:\n"
        "  cache:\n"
        "    blobdescriptor: inmemory\n"
        "  filesystem:\n"
        f"    rootdirectory: {json.dumps(str(storage))}\n"
        "  delete:\n"
        "    enabled: true\n"
        "http:\n"
        f"  addr: {address}\n"
        "  headers:\n"
        "    X-Content-Type-Options: [nosniff]\n"
    )


def start_registry(directory: Path | None = None) -> Service:
    """Start Debian's docker-registry on 127.0.0.1 (or reuse a healthy one); no auth.

    The endpoint is ``127.0.0.1:<port>``; storage lives under ``<state dir>/docker/registry``.
    """
    directory = directory or state_dir()
    state = docker_dir(directory)
    state.mkdir(parents=True, exist_ok=True)
    current = running("registry", state)
    if current and _registry_healthy(current.endpoint):
        return current
    if current:
        stop_registry(directory)

    registry = shutil.which("docker-registry") or "/usr/bin/docker-registry"
    if not Path(registry).exists():
        raise SystemExit("docker-registry not found: run scripts/docker-env install first")
    port = free_port()
    address = f"127.0.0.1:{port}"
    config = state / "registry.yml"
    config.write_text(registry_config(address, state / "registry"))
    return launch(
        state,
        "registry",
        [registry, "serve", str(config)],
        address,
        lambda: _registry_healthy(address),
        timeout=HEALTH_TIMEOUT_S,
        on_failure=lambda: stop_registry(directory),
        what="the registry",
    )


def stop_registry(directory: Path | None = None) -> bool:
    """Stop the registry started by :func:`start_registry`."""
    return stop_service("registry", docker_dir(directory or state_dir()), grace_s=10.0)
