#!/usr/bin/env python3
"""`make demo`: both pipelines, through the real workflows, against local services.

Starts (or reuses) the AWS emulator, the Docker engine, the registry and PostgreSQL, then
tells the story in scripts/localrun/demo_flow.py: two accounts onboarded, the infrastructure
pipeline for dev and prod (plan on a pull request, approval, apply), the application
pipeline (test, build, push, deploy, bake), the image promoted to prod, and a second deploy
whose alarm fires and is rolled back. Safe to run again (the emulator is reset first);
`make demo-down` stops everything."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT)]
import localenv  # noqa: E402
import localenv_images  # noqa: E402
from localenv_process import run_build  # noqa: E402
from localrun.demo_flow import ACCOUNTS, REGION, Demo, DemoError, Services, Stage  # noqa: E402
from tests.fakes.ecs_progressor import EcsProgressor  # noqa: E402
from tests.fakes.github_api import FakeGitHub  # noqa: E402
from tests.fakes.release_site import built_engines, running_site  # noqa: E402

from slipway.terraform.engine_releases import platform_names  # noqa: E402

BOLD, DIM, RED, GREEN, RESET = (
    ("\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[0m")
    if sys.stdout.isatty()
    else ("", "", "", "", "")
)
JOB_END = re.compile(r"^\[([^\]]+)\]\s+🏁\s+Job (succeeded|failed)")


def say(text: str) -> None:
    print(text, flush=True)


def prepare() -> dict[str, Any]:
    """Install and start what the demo needs; returns their addresses."""
    started = time.monotonic()
    say(f"{BOLD}━━ Local environment{RESET}")
    for script in ("docker-env", "postgres-env"):
        subprocess.run([str(ROOT / "scripts" / script), "install"], check=True)
    tf_cli_config = run_build(ROOT / "scripts" / "build-aws-provider")
    engines = built_engines(ROOT)
    say(
        "  engines "
        + ", ".join(f"{b.engine} {b.version}" for b in engines)
        + " (built from source)"
    )
    emulator = localenv.start_emulator()
    localenv.reset_emulator(emulator.endpoint)
    engine = localenv.start_docker()
    plain_registry = localenv.start_registry()
    # Pushes go through the front that refuses what ECR refuses, as dev's ECR registry.
    registry = localenv_images.start_registry_front(
        localenv.state_dir(), plain_registry.endpoint, emulator.endpoint,
        account=ACCOUNTS["dev"], region=REGION,
    )  # fmt: skip
    kit = localenv_images.start_buildkit(
        localenv.state_dir(), [registry.endpoint, plain_registry.endpoint]
    )
    base_image = localenv_images.push_base_image(
        engine.endpoint, plain_registry.endpoint, kit, localenv.docker_dir()
    )
    database = localenv.start_postgres()
    say(f"  AWS emulator {emulator.endpoint} (reset), Docker {engine.endpoint}")
    say(f"  registry {registry.endpoint} (ECR's rules), PostgreSQL 127.0.0.1:{database.port}")
    say(f"  BuildKit {kit.service.endpoint}: {', '.join(kit.platforms)}")
    say(f"  {DIM}ready in {time.monotonic() - started:.0f} s{RESET}")
    return {
        "endpoint": emulator.endpoint,
        "docker_host": engine.endpoint,
        "registry": registry.endpoint,
        "buildx": kit.env(),
        "base_image": base_image,
        "database_url": database.url,
        "tf_cli_config": tf_cli_config,
        "engines": engines,
    }


def print_stage(stage: Stage) -> None:
    mark = f"{GREEN}✔{RESET}" if stage.ok else f"{RED}✘{RESET}"
    say(f"{BOLD}━━ {mark} {stage.title}{RESET} {DIM}({stage.seconds:.0f} s){RESET}")
    for fact in stage.facts:
        say(f"     {fact}")


def print_job_ends(line: str) -> None:
    match = JOB_END.match(line)
    if match:
        colour = GREEN if match.group(2) == "succeeded" else RED
        say(f"   {DIM}job {match.group(1)}:{RESET} {colour}{match.group(2)}{RESET}")


def main() -> int:
    os.environ.pop("GITHUB_ACTIONS", None)
    began = time.monotonic()
    local = prepare()
    work = ROOT / ".local" / "demo"
    releases = work / "releases"
    shutil.rmtree(releases, ignore_errors=True)
    releases.mkdir(parents=True)
    os_name, arch = platform_names(platform.system(), platform.machine())
    with (
        FakeGitHub(
            tokens={"demo-token": "github-actions[bot]"}, repositories=("acme/shop",)
        ) as github,
        EcsProgressor(local["endpoint"]) as progressor,
        running_site(releases, local["engines"], os_name, arch) as site,
    ):
        say(f"  engine release site {site.url} (signed by {site.site.key.fingerprint[-16:]})")
        services = Services(
            endpoint=local["endpoint"],
            registry=local["registry"],
            docker={
                **localenv.docker_env(local["docker_host"], local["registry"]),
                **local["buildx"],
            },
            base_image=local["base_image"],
            database_url=local["database_url"],
            github=github,
            progressor=progressor,
            tf_cli_config=local["tf_cli_config"],
            engine_env=site.env(work / "toolcache"),
        )
        demo = Demo(services, work, report=print_stage, log=print_job_ends)
        try:
            outcome = demo.run()
        except DemoError as error:
            say(f"{RED}{error}{RESET}")
            say(f"act logs: {work / 'act'}")
            return 1
    say(f"\n{BOLD}Done in {time.monotonic() - began:.0f} s.{RESET} Every stage ran the real")
    say("workflows (examples/workflows → .github/workflows) through act; logs in")
    say(f"{work / 'act'}. `make demo-down` stops the local services.")
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
