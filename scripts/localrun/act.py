"""Run a workflow with act on this host (`-P ubuntu-latest=-self-hosted`), the way GitHub
would run it, with the local emulator's endpoints in the job environment.

act has no GitHub environments: every job of one invocation sees the same `vars`. Callers
that need an environment's variables run one invocation per environment."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ACT = ROOT / ".venv" / "bin" / "act"
# How the reusable workflows name this repository; act maps it to a local folder.
SLIPWAY_REPOSITORY = "slipway-platform/slipway@v0"
# actions/cache, pinned as the workflows pin it, is served by a stand-in (its README says
# what it models): act cannot fetch it here, and a job naming it does not start without it.
ACTIONS_CACHE_REPOSITORY = "actions/cache@55cc8345863c7cc4c66a329aec7e433d2d1c52a9"
ACTIONS_CACHE_STAND_IN = ROOT / "tests" / "fakes" / "actions_cache"


# Set on some hosts, never on GitHub's hosted runners, where a job's later slipway steps
# reuse the bytecode its first step compiled. act's host runner passes the host's variables
# to every step, so they are dropped to run the steps as GitHub does.
NOT_ON_HOSTED_RUNNERS = frozenset({"PYTHONDONTWRITEBYTECODE"})


def host_runner_environment(environ: Mapping[str, str], files: Path, tmp: Path) -> dict[str, str]:
    """The variables act's host runner hands its steps: this host's, as on a hosted runner.

    XDG_CACHE_HOME points into ``files``, keeping act's own cache (its actions, tool cache and
    job directories) per invocation; uv's cache, which that would move too, stays where uv
    keeps it on this host, so the jobs' venvs are linked from wheels unpacked once.

    TMPDIR (``tmp``) too is the invocation's own: a hosted job starts on a fresh machine with
    an empty /tmp, while the host's /tmp holds whatever this host left there. A job's pytest,
    for one, removes all but the newest three of the host's /tmp/pytest-of-<user>
    directories when it starts (tens of seconds behind a test run, and other runs' files
    gone)."""
    env = {name: value for name, value in environ.items() if name not in NOT_ON_HOSTED_RUNNERS}
    uv_cache = Path(environ.get("XDG_CACHE_HOME") or Path(environ.get("HOME", "/")) / ".cache")
    env.setdefault("UV_CACHE_DIR", str(uv_cache / "uv"))
    env["XDG_CACHE_HOME"] = str(files / "cache")
    env["TMPDIR"] = str(tmp)
    return env


@contextlib.contextmanager
def fresh_tmp() -> Iterator[Path]:
    """An empty directory that serves as a job's /tmp, made like /tmp (anyone may create
    files in it, as the PostgreSQL account does for a test's cluster) in the host's temporary
    directory, so that every account can reach it; removed with what the run left in it."""
    tmp = Path(tempfile.mkdtemp(prefix="slipway-act-tmp-"))
    try:
        tmp.chmod(0o1777)
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class ActRun:
    returncode: int
    log: str

    @property
    def succeeded(self) -> bool:
        return self.returncode == 0


def _lines(values: Mapping[str, str]) -> str:
    for name, value in values.items():
        if "\n" in value:
            raise ValueError(f"{name}: act env and var files hold one line per value")
    return "".join(f"{name}={value}\n" for name, value in values.items())


def act_command(
    event: str,
    workflow: Path,
    files: Path,
    *,
    has_payload: bool,
    secrets: Mapping[str, str],
    inputs: Mapping[str, str],
    local_repositories: Mapping[str, Path],
) -> list[str]:
    command = [
        str(ACT),
        event,
        "-W",
        str(workflow),
        "-P",
        "ubuntu-latest=-self-hosted",
        "--env-file",
        str(files / "act.env"),
        "--var-file",
        str(files / "act.vars"),
        "--action-offline-mode",
    ]
    if has_payload:
        command += ["-e", str(files / "event.json")]
    for repository, path in local_repositories.items():
        command += ["--local-repository", f"{repository}={path}"]
    for name in secrets:
        # The value comes from the environment, so it never shows in a process listing.
        command += ["-s", name]
    for name, value in inputs.items():
        command += ["--input", f"{name}={value}"]
    return command


def run_act(
    workspace: Path,
    workflow: str,
    files: Path,
    *,
    event: str = "push",
    env: Mapping[str, str] | None = None,
    variables: Mapping[str, str] | None = None,
    secrets: Mapping[str, str] | None = None,
    payload: Mapping[str, Any] | None = None,
    inputs: Mapping[str, str] | None = None,
    local_repositories: Mapping[str, Path] | None = None,
    on_line: Callable[[str], None] | None = None,
    timeout: float = 1200,
) -> ActRun:
    """Run `workflow` (a path inside the workspace repository) for `event`. `files` is a
    directory for act's env, var and event files and its cache (one per invocation). The
    actions/cache stand-in keeps its entries in SLIPWAY_ACTIONS_CACHE_DIR (default: in
    `files`); runs that should share entries, as a repository's runs do, give one directory."""
    files.mkdir(parents=True, exist_ok=True)
    env = {"SLIPWAY_ACTIONS_CACHE_DIR": str(files / "actions-cache"), **(env or {})}
    (files / "act.env").write_text(_lines(env))
    (files / "act.vars").write_text(_lines(variables or {}))
    if payload is not None:
        (files / "event.json").write_text(json.dumps(payload))
    repositories = {
        ACTIONS_CACHE_REPOSITORY: ACTIONS_CACHE_STAND_IN,
        **(local_repositories or {SLIPWAY_REPOSITORY: workspace}),
    }
    command = act_command(
        event,
        workspace / workflow,
        files,
        has_payload=payload is not None,
        secrets=secrets or {},
        inputs=inputs or {},
        local_repositories=repositories,
    )
    with fresh_tmp() as tmp:
        process = subprocess.Popen(
            command,
            cwd=workspace,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**host_runner_environment(os.environ, files, tmp), **(secrets or {})},
        )
        lines: list[str] = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if on_line:
                on_line(line)
        returncode = process.wait(timeout=timeout)
    log = "".join(lines)
    (files / "act.log").write_text(log)
    return ActRun(returncode, log)


def step_outputs(log: str) -> list[tuple[str, str, str]]:
    """Every step output act logged, in order: (job label, name, value). act prints them as
    `[<workflow>/<job>]   ⚙  ::set-output:: name=value` (single-line values)."""
    pattern = r"^\[([^\]]+)\]\s+⚙\s+::set-output:: ([\w-]+)=(.*)$"
    return [(job, name, value) for job, name, value in re.findall(pattern, log, re.MULTILINE)]
