"""Start, stop and inspect the local services slipway's tests and demo run against.

Stdlib only, so it runs before any environment exists. Each service runs detached, bound to
127.0.0.1 on a free port, with its pid, endpoint and log under a state directory
(``$SLIPWAY_STATE_DIR``, default ``<repo>/.local``). ``start`` is idempotent: a live, healthy
service is reused.

    python3 scripts/localenv.py emulator start|stop|status|env
    python3 scripts/localenv.py docker|registry start|stop|status|env
    python3 scripts/localenv.py base-image
    python3 scripts/localenv.py postgres start [--port N]|stop|status|env

This module is the command line and the one import its callers use (``import localenv``);
each service lives in a module beside it, and the names callers use are re-exported here:
localenv_process (running any service), localenv_emulator, localenv_docker and
localenv_docker_bridge (the engine), localenv_registry, localenv_base_image, and
localenv_postgres with localenv_postgres_cluster.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# Callers load this file by path (tests/conftest.py, examples/app/tests/conftest.py) before
# scripts/ is on sys.path; appended, so it shadows none of theirs.
_SCRIPTS = str(Path(__file__).resolve().parent)
if _SCRIPTS not in sys.path:
    sys.path.append(_SCRIPTS)

from localenv_base_image import (  # noqa: E402
    BASE_IMAGE,
    DEFAULT_DEBIAN_MIRROR,
    cache_dir,
    debian_mirror,
    ensure_base_image,
)
from localenv_docker import (  # noqa: E402
    DEBIAN_DOCKER_CLI,
    DOCKER_HEALTH_TIMEOUT_S,
    docker_cli,
    docker_dir,
    docker_env,
    start_docker,
    stop_docker,
)
from localenv_emulator import emulator_env, reset_emulator, start_emulator  # noqa: E402
from localenv_postgres import (  # noqa: E402
    POSTGRES_HEALTH_TIMEOUT_S,
    Postgres,
    postgres_dir,
    postgres_env,
    running_postgres,
    start_postgres,
    stop_postgres,
    temporary_postgres,
)
from localenv_postgres_cluster import (  # noqa: E402
    POSTGRES_DATABASE,
    POSTGRES_INSTALL_HINT,
    POSTGRES_USER,
    postgres_bin,
)
from localenv_process import (  # noqa: E402
    HEALTH_TIMEOUT_S,
    REPO,
    Service,
    free_port,
    running,
    state_dir,
    stop,
)
from localenv_registry import start_registry, stop_registry  # noqa: E402

__all__ = [
    "BASE_IMAGE",
    "DEBIAN_DOCKER_CLI",
    "DEFAULT_DEBIAN_MIRROR",
    "DOCKER_HEALTH_TIMEOUT_S",
    "HEALTH_TIMEOUT_S",
    "POSTGRES_DATABASE",
    "POSTGRES_HEALTH_TIMEOUT_S",
    "POSTGRES_INSTALL_HINT",
    "POSTGRES_USER",
    "REPO",
    "Postgres",
    "Service",
    "cache_dir",
    "debian_mirror",
    "docker_cli",
    "docker_dir",
    "docker_env",
    "docker_main",
    "emulator_env",
    "ensure_base_image",
    "free_port",
    "main",
    "postgres_bin",
    "postgres_dir",
    "postgres_env",
    "postgres_main",
    "reset_emulator",
    "running",
    "running_postgres",
    "start_docker",
    "start_emulator",
    "start_postgres",
    "start_registry",
    "state_dir",
    "stop",
    "stop_docker",
    "stop_postgres",
    "stop_registry",
    "temporary_postgres",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("service", choices=["emulator"])
    parser.add_argument("action", choices=["start", "stop", "status", "env"])
    args = parser.parse_args(argv)
    if args.action == "start":
        started = start_emulator()
        print(f"{started.name}: {started.endpoint} (pid {started.pid})")
    elif args.action == "stop":
        print(f"{args.service}: {'stopped' if stop(args.service) else 'not running'}")
    elif args.action == "status":
        service = running(args.service)
        print(f"{args.service}: {service.endpoint if service else 'not running'}")
        return 0 if service else 1
    else:
        service = running(args.service)
        if not service:
            print(f"{args.service} is not running", file=sys.stderr)
            return 1
        for key, value in emulator_env(service.endpoint).items():
            print(f"export {key}={value}")
    return 0


def docker_main(argv: list[str]) -> int:
    """``docker|registry start|stop|status|env`` and ``base-image``."""
    parser = argparse.ArgumentParser(prog="localenv.py", description="local docker services")
    parser.add_argument("service", choices=["docker", "registry", "base-image"])
    parser.add_argument("action", nargs="?", choices=["start", "stop", "status", "env"])
    args = parser.parse_args(argv)
    name = "dockerd" if args.service == "docker" else args.service
    if args.service == "base-image":
        service = running("dockerd", docker_dir())
        if not service:
            print("dockerd is not running: scripts/docker-env start", file=sys.stderr)
            return 1
        started = time.monotonic()
        how = ensure_base_image(service.endpoint)
        print(f"{BASE_IMAGE}: {how} ({time.monotonic() - started:.1f}s)")
    elif args.action == "start":
        started = time.monotonic()
        service = start_docker() if args.service == "docker" else start_registry()
        elapsed = time.monotonic() - started
        print(f"{args.service}: {service.endpoint} (pid {service.pid}, {elapsed:.1f}s)")
    elif args.action == "stop":
        stopped = stop_docker() if args.service == "docker" else stop_registry()
        print(f"{args.service}: {'stopped' if stopped else 'not running'}")
    elif args.action == "status":
        service = running(name, docker_dir())
        print(f"{args.service}: {service.endpoint if service else 'not running'}")
        return 0 if service else 1
    else:
        service = running(name, docker_dir())
        if not service:
            print(f"{args.service} is not running", file=sys.stderr)
            return 1
        if args.service == "docker":
            print(f"export DOCKER_HOST={service.endpoint}")
            print(f"export SLIPWAY_DOCKER={docker_cli()}")
        else:
            print(f"export SLIPWAY_REGISTRY={service.endpoint}")
    return 0


def postgres_main(argv: list[str]) -> int:
    """``postgres start [--port N]|stop|status|env``."""
    parser = argparse.ArgumentParser(prog="localenv.py postgres", description="local PostgreSQL")
    parser.add_argument("action", choices=["start", "stop", "status", "env"])
    parser.add_argument("--port", type=int, help="port to listen on (start; default: a free one)")
    args = parser.parse_args(argv)
    if args.action == "start":
        started = time.monotonic()
        cluster = start_postgres(port=args.port)
        elapsed = time.monotonic() - started
        print(
            f"postgres: {cluster.host}:{cluster.port} (pid {cluster.pid}, {elapsed:.1f}s)",
            file=sys.stderr,
        )
        print(cluster.url)
    elif args.action == "stop":
        print(f"postgres: {'stopped' if stop_postgres() else 'not running'}")
    else:
        current = running_postgres()
        if args.action == "status":
            print(f"postgres: {f'{current.host}:{current.port}' if current else 'not running'}")
            return 0 if current else 1
        if not current:
            print("postgres is not running: scripts/postgres-env start", file=sys.stderr)
            return 1
        for key, value in postgres_env(current).items():
            print(f"export {key}={value}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["postgres"]:
        sys.exit(postgres_main(sys.argv[2:]))
    if sys.argv[1:2] and sys.argv[1] in ("docker", "registry", "base-image"):
        sys.exit(docker_main(sys.argv[1:]))
    sys.exit(main())
