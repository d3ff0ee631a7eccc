"""How the bootstrap finds a Python 3.11+ on runners whose own python3 is older (GitHub's
ubuntu-22.04 has 3.10, Amazon Linux 2023 has 3.9): SLIPWAY_PYTHON_BASE, python3 on PATH,
the runner's tool cache, then a CPython installed by uv.

Every interpreter is real (runner_pythons.py). The uv-managed path is served by a local
download location in uv's own python-downloads JSON format, with an archive of Debian's
CPython: uv checks it against the SHA-256 in that JSON as it checks its own list."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from tests.integration.bootstrap.runner_pythons import (
    BOOTSTRAP,
    REPO,
    bootstrap_env,
    closed_port,
    debian_cpython_archive,
    download_location,
    path_with_python3,
    publish_cpython,
    real_python,
    run_bootstrap,
    tool_cache,
    version_of,
)

pytestmark = pytest.mark.integration

OLD = real_python(10)  # GitHub's ubuntu-22.04 has 3.10 as python3
PY311 = real_python(11)
PY312 = real_python(12)
PY313 = real_python(13)


@pytest.fixture
def old_path(tmp_path: Path) -> str:
    return path_with_python3(tmp_path / "old-bin", OLD)


@pytest.fixture(scope="session")
def cpython_archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return debian_cpython_archive(tmp_path_factory.mktemp("cpython-archive"))


def venv_python_version(stdout: str) -> str:
    return version_of(stdout.strip())


def test_old_python3_on_path_takes_the_newest_complete_311_from_the_tool_cache(
    tmp_path: Path, old_path: str
) -> None:
    cache = tool_cache(
        tmp_path / "toolcache",
        {"3.10.13": OLD, "3.11.7": PY311, "3.12.1": PY312, "3.13.0": PY313},
        # 3.13.0 is still being unpacked (no marker yet): it must not be taken.
        complete={"3.10.13", "3.11.7", "3.12.1"},
    )
    env = bootstrap_env(old_path, tmp_path / "job", RUNNER_TOOL_CACHE=str(cache))
    done = run_bootstrap(env)
    assert done.returncode == 0, done.stderr
    chosen = cache / "Python" / "3.12.1" / "x64" / "bin" / "python3"
    version = version_of(OLD)
    assert (
        f"Python {version_of(PY312)} from the runner's tool cache ({chosen}); "
        f"python3 on PATH is {version}"
    ) in done.stderr
    assert venv_python_version(done.stdout) == version_of(PY312)
    usage = subprocess.run(
        [done.stdout.strip(), "-m", "slipway"], capture_output=True, text=True, check=False
    )
    assert "commands: cw-alarms-check" in usage.stdout + usage.stderr


def test_a_tool_cache_holding_only_a_real_311_is_enough(tmp_path: Path, old_path: str) -> None:
    cache = tool_cache(tmp_path / "toolcache", {"3.11.7": PY311}, complete={"3.11.7"})
    env = bootstrap_env(old_path, tmp_path / "job", RUNNER_TOOL_CACHE=str(cache))
    done = run_bootstrap(env)
    assert done.returncode == 0, done.stderr
    assert venv_python_version(done.stdout) == version_of(PY311)
    probe = subprocess.run(
        [done.stdout.strip(), "-c", "import boto3, slipway, sys; print(sys.base_prefix)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(probe.stdout.strip()) == cache / "Python" / "3.11.7" / "x64"


def test_the_warm_path_runs_no_interpreter_and_a_new_python3_is_noticed(tmp_path: Path) -> None:
    # python3 on PATH is a wrapper that counts its runs, in front of a real 3.10.
    calls = tmp_path / "python3-calls"
    wrapper_dir = tmp_path / "old-bin"
    wrapper_dir.mkdir()
    wrapper = wrapper_dir / "python3"
    wrapper.write_text(f'#!/bin/sh\necho run >> "{calls}"\nexec "{OLD}" "$@"\n')
    wrapper.chmod(0o755)
    cache = tool_cache(tmp_path / "toolcache", {"3.11.7": PY311}, complete={"3.11.7"})
    env = bootstrap_env(
        f"{wrapper_dir}:/usr/bin:/bin", tmp_path / "job", RUNNER_TOOL_CACHE=str(cache)
    )
    first = run_bootstrap(env)
    assert first.returncode == 0, first.stderr
    runs_when_cold = calls.read_text().count("run")
    assert runs_when_cold >= 1
    second = run_bootstrap(env)
    assert (second.returncode, second.stdout, second.stderr) == (0, first.stdout, "")
    assert calls.read_text().count("run") == runs_when_cold  # no interpreter ran
    # A later step puts a 3.11 on PATH (as actions/setup-python would): chosen anew, and
    # the venv built for that same interpreter is reused.
    newer = path_with_python3(tmp_path / "new-bin", PY311)
    third = run_bootstrap({**env, "PATH": f"{newer}"})
    assert third.returncode == 0, third.stderr
    assert f"Python {version_of(PY311)} from python3 on PATH" in third.stderr
    assert "environment ready" not in third.stderr
    assert third.stdout == first.stdout


def test_uv_installs_cpython_into_the_tool_cache_when_it_holds_none(
    tmp_path: Path, old_path: str, cpython_archive: tuple[Path, str]
) -> None:
    archive, version = cpython_archive
    served = tmp_path / "downloads"
    served.mkdir()
    cache = tmp_path / "toolcache"
    cache.mkdir()
    with download_location(served) as (base_url, requested):
        # uv itself is fetched by the runner's old python3 (no SLIPWAY_UV, no uv on PATH).
        env = bootstrap_env(
            old_path,
            tmp_path / "job",
            RUNNER_TOOL_CACHE=str(cache),
            SLIPWAY_PYTHON_VERSION=version,  # the version of the archive served here
            UV_PYTHON_DOWNLOADS_JSON_URL=publish_cpython(served, base_url, archive, version),
        )
        done = run_bootstrap(env)
        assert done.returncode == 0, done.stderr
        assert f"/{archive.name}" in requested
        managed = cache / "slipway-python"
        interpreter = rf"{managed}/cpython-{version}-linux-\S+/bin/python3\.11"
        assert re.search(
            rf"Python {version} from uv-managed CPython in {managed} \({interpreter}\); "
            rf"python3 on PATH is {version_of(OLD)}\n",
            done.stderr,
        ), done.stderr
        assert venv_python_version(done.stdout) == version
        assert list((tmp_path / "job").glob("slipway-uv-*/bin/uv"))  # fetched by python 3.10
        # The next job on this runner (a new RUNNER_TEMP) finds it installed: no download.
        downloads = requested.count(f"/{archive.name}")
        again = run_bootstrap({**env, "RUNNER_TEMP": str(tmp_path / "next-job")})
        assert again.returncode == 0, again.stderr
        assert requested.count(f"/{archive.name}") == downloads
        assert venv_python_version(again.stdout) == version


def test_no_python_anywhere_is_one_line_naming_the_three_fixes(
    tmp_path: Path, old_path: str, pinned_uv: Path
) -> None:
    mirror = f"http://127.0.0.1:{closed_port()}/python"
    env = bootstrap_env(
        old_path,
        tmp_path / "job",
        RUNNER_TOOL_CACHE=str(tmp_path / "empty-toolcache"),
        SLIPWAY_UV=str(pinned_uv),
        UV_PYTHON_INSTALL_MIRROR=mirror,
        UV_HTTP_RETRIES="0",
    )
    done = run_bootstrap(env)
    assert (done.returncode, done.stdout) == (1, "")
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    line = lines[0]
    pinned = pinned_managed_version()
    assert line.startswith(
        f"slipway bootstrap: no Python 3.11+ found (python3 on PATH is {version_of(OLD)}; "
        f"no tool cache at {tmp_path}/empty-toolcache/Python; "
        f"`uv python install {pinned}` failed: Failed to download {mirror}/"
    )
    assert re.search(rf"/cpython-{re.escape(pinned)}%2B\d+-\S+-install_only\S*\.tar\.gz: ", line)
    assert "Connection refused" in line
    assert line.endswith(
        "Fix one: put Python 3.11+ on PATH as python3 (e.g. actions/setup-python), "
        "set SLIPWAY_PYTHON_BASE to a Python 3.11+ interpreter, or let the runner download "
        "CPython (network access, or a mirror in UV_PYTHON_INSTALL_MIRROR)"
    )
    assert not list((tmp_path / "job").glob("slipway-venv-*"))


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (
            {"SLIPWAY_PYTHON_BASE": str(OLD)},
            f"SLIPWAY_PYTHON_BASE={OLD} is Python {version_of(OLD)}; "
            "set it to a Python 3.11+ interpreter or unset it",
        ),
        (
            {"SLIPWAY_PYTHON_BASE": "/nowhere/python3"},
            "SLIPWAY_PYTHON_BASE=/nowhere/python3 is not an executable; "
            "set it to a Python 3.11+ interpreter or unset it",
        ),
        (
            {"SLIPWAY_PYTHON_VERSION": "3.10.13"},
            "SLIPWAY_PYTHON_VERSION=3.10.13: expected an exact CPython version of 3.11 "
            "or newer, e.g. 3.12.16",
        ),
    ],
    ids=["base-too-old", "base-missing", "version-too-old"],
)
def test_a_bad_setting_is_one_line_before_anything_is_written(
    tmp_path: Path, old_path: str, setting: dict[str, str], expected: str
) -> None:
    env = bootstrap_env(old_path, tmp_path / "job", **setting)
    done = run_bootstrap(env)
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        f"slipway bootstrap: {expected}\n",
    )
    assert not (tmp_path / "job").exists()


def test_slipway_python_base_wins_over_everything(tmp_path: Path, old_path: str) -> None:
    cache = tool_cache(tmp_path / "toolcache", {"3.12.1": PY312}, complete={"3.12.1"})
    env = bootstrap_env(
        old_path, tmp_path / "job", RUNNER_TOOL_CACHE=str(cache), SLIPWAY_PYTHON_BASE=str(PY311)
    )
    done = run_bootstrap(env)
    assert done.returncode == 0, done.stderr
    assert f"Python {version_of(PY311)} from SLIPWAY_PYTHON_BASE ({PY311})\n" in done.stderr
    assert venv_python_version(done.stdout) == version_of(PY311)


def pinned_managed_version() -> str:
    match = re.search(r"SLIPWAY_PYTHON_VERSION:-([0-9.]+)", BOOTSTRAP.read_text())
    assert match, "scripts/bootstrap names no default CPython version"
    return match.group(1)


def test_the_pinned_cpython_is_one_the_pinned_uv_knows(pinned_uv: Path) -> None:
    """uv checks a download against the SHA-256 in its own list: the pinned CPython must be
    in the list of the pinned uv, or every runner without Python 3.11+ fails."""
    pinned = pinned_managed_version()
    command = [str(pinned_uv), "python", "list", "--only-downloads", "--all-versions"]
    command += ["--all-platforms", "--all-arches", "--offline", "--output-format", "json"]
    listing = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO)
    keys = {entry["key"] for entry in json.loads(listing.stdout)}
    assert {f"cpython-{pinned}-linux-{arch}-gnu" for arch in ("x86_64", "aarch64")} <= keys


@pytest.mark.parametrize("minor", [8, 9])
def test_fetch_uv_compiles_on_the_older_runner_pythons(minor: int) -> None:
    """On a runner without Python 3.11+, its own python3 (Amazon Linux 2023: 3.9) fetches uv."""
    source = REPO / "scripts" / "fetch_uv.py"
    check = f"compile(open({str(source)!r}).read(), 'fetch_uv.py', 'exec')"
    done = subprocess.run(
        [str(real_python(minor)), "-c", check], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (0, "")
