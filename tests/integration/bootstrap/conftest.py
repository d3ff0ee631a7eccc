"""The uv that scripts/bootstrap uses, fetched once per session the way it fetches it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
UV_LOCK = REPO / "requirements" / "uv.lock"


@pytest.fixture(scope="session")
def pinned_uv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("pinned-uv")
    fetch = [sys.executable, str(REPO / "scripts" / "fetch_uv.py"), str(UV_LOCK), str(target)]
    status = subprocess.run(fetch, check=False).returncode
    if status == 3:  # no JSON index here: pip, as the bootstrap falls back to
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
        pip += ["--require-hashes", "--target", str(target), "-r", str(UV_LOCK)]
        status = subprocess.run(pip, check=False).returncode
    assert status == 0
    uv = target / "bin" / "uv"
    locked = re.search(r"^uv==(\S+)", UV_LOCK.read_text(), re.MULTILINE)
    assert locked
    version = subprocess.run([str(uv), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.split()[:2] == ["uv", locked.group(1)]
    return uv
