"""The action bootstrap: uv selection logic, and the venv it builds and reuses."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]


def load_fetch_uv() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fetch_uv", REPO / "scripts" / "fetch_uv.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fetch_uv = load_fetch_uv()
H1, H2 = "a" * 64, "b" * 64


def test_read_lock_gives_version_and_hashes() -> None:
    text = (REPO / "requirements" / "uv.lock").read_text()
    version, hashes = fetch_uv.read_lock(text)
    assert version == "0.13.9"
    assert len(hashes) > 5
    assert all(len(h) == 64 for h in hashes)
    with pytest.raises(ValueError, match="does not pin uv"):
        fetch_uv.read_lock("boto3==1.0 \\\n --hash=sha256:" + H1)


@pytest.mark.parametrize(
    ("system", "machine", "libc", "expected"),
    [
        ("linux", "x86_64", "glibc", ("manylinux", "x86_64")),
        ("linux", "aarch64", "musl", ("musllinux", "aarch64")),
        ("darwin", "arm64", "", ("macosx", "arm64")),
        ("win32", "AMD64", "", None),
    ],
)
def test_platform_markers(system: str, machine: str, libc: str, expected: object) -> None:
    assert fetch_uv.platform_markers(system, machine, libc) == expected


def test_choose_wheel_requires_version_platform_and_a_locked_hash() -> None:
    files = [
        {"filename": "uv-0.13.9.tar.gz", "hashes": {"sha256": H1}},
        {"filename": "uv-0.13.9-py3-none-musllinux_1_1_x86_64.whl", "hashes": {"sha256": H1}},
        {"filename": "uv-0.13.8-py3-none-manylinux_2_17_x86_64.whl", "hashes": {"sha256": H1}},
        {"filename": "uv-0.13.9-py3-none-manylinux_2_17_x86_64.whl", "hashes": {"sha256": H2}},
        {"filename": "uv-0.13.9-py3-none-manylinux_2_17_aarch64.whl", "hashes": {"sha256": H1}},
        {"filename": "uv-0.13.9-py3-none-manylinux_2_17_x86_64.whl", "hashes": {"sha256": H1}},
    ]
    chosen = fetch_uv.choose_wheel(files, "0.13.9", {H1}, ("manylinux", "x86_64"))
    assert chosen is files[5]
    assert fetch_uv.choose_wheel(files, "0.13.9", {"c" * 64}, ("manylinux", "x86_64")) is None


def run_bootstrap(runner_temp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUNNER_TEMP": str(runner_temp)}
    return subprocess.run(
        [str(REPO / "scripts" / "bootstrap")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )


def test_bootstrap_builds_a_private_venv_once_and_reuses_it(tmp_path: Path) -> None:
    first = run_bootstrap(tmp_path)
    python = Path(first.stdout.strip())
    assert python.is_relative_to(tmp_path)
    assert "environment ready" in first.stderr
    second = run_bootstrap(tmp_path)
    assert second.stdout.strip() == str(python)
    assert second.stderr == ""  # the warm path does no work worth reporting
    probe = subprocess.run(
        [str(python), "-c", "import boto3, slipway, sys; print(sys.prefix, slipway.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    prefix, package = probe.stdout.split()
    assert Path(prefix).is_relative_to(tmp_path)  # not the runner's system Python
    assert package == str(REPO / "src" / "slipway" / "__init__.py")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".slipway-venv")] == []


def test_bootstrap_venv_key_follows_the_lock(tmp_path: Path) -> None:
    python = run_bootstrap(tmp_path).stdout.strip()
    key = Path(python).parents[1].name
    assert key.startswith("slipway-venv-")
    assert len(key) == len("slipway-venv-") + 16
