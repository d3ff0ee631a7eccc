#!/usr/bin/env python3
"""Fetch the uv binary pinned in requirements/uv.lock into DIR/bin/uv, stdlib only.

Runners do not ship uv, and `pip install uv` costs seconds of pip start-up and resolution
before the first byte moves. This asks the package index's JSON API (PEP 691) for the
pinned version, picks the wheel for this platform whose SHA-256 the lock lists, verifies
it, and extracts only the `uv` binary. Exit status 3 means "cannot do it this way" (no
JSON API, no matching wheel): the caller falls back to pip.

It runs on Python 3.8 and newer: on a runner whose python3 is older than 3.11 (Amazon
Linux 2023 has 3.9), that python3 fetches the uv that installs a newer CPython.

    python3 scripts/fetch_uv.py requirements/uv.lock DIR
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import sys
import tempfile
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

FALLBACK = 3


def read_lock(text: str) -> tuple[str, set[str]]:
    """The pinned version and the allowed SHA-256 hashes of `uv==X` in a hashed lock."""
    match = re.search(r"^uv==(\S+)", text, re.MULTILINE)
    if not match:
        raise ValueError("the lock does not pin uv")
    return match.group(1), set(re.findall(r"--hash=sha256:([0-9a-f]{64})", text))


def platform_markers(system: str, machine: str, libc: str) -> tuple[str, ...] | None:
    """Substrings a wheel's platform tag must contain for this machine, most specific first."""
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine.lower(), machine.lower())
    if system == "linux":
        family = "musllinux" if libc == "musl" else "manylinux"
        return (family, arch)
    if system == "darwin":
        return ("macosx", "arm64" if arch == "aarch64" else arch)
    return None


def choose_wheel(
    files: list[dict[str, object]], version: str, hashes: set[str], markers: tuple[str, ...]
) -> dict[str, object] | None:
    for entry in files:
        name = str(entry.get("filename", ""))
        digest = entry.get("hashes", {})
        sha = digest.get("sha256") if isinstance(digest, dict) else None
        if (
            name.startswith(f"uv-{version}-")
            and name.endswith(".whl")
            and all(marker in name.rsplit("-", 1)[-1] for marker in markers)
            and sha in hashes
        ):
            return entry
    return None


def main(lock_path: str, target: str) -> int:
    version, hashes = read_lock(Path(lock_path).read_text())
    libc = "musl" if "musl" in (platform.libc_ver()[0] or "") else "glibc"
    markers = platform_markers(sys.platform, platform.machine(), libc)
    if markers is None:
        return FALLBACK
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
    request = urllib.request.Request(
        f"{index}/uv/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            if "json" not in response.headers.get("Content-Type", ""):
                return FALLBACK
            files = json.load(response).get("files", [])
        wheel = choose_wheel(files, version, hashes, markers)
        if wheel is None:
            return FALLBACK
        url = urllib.parse.urljoin(f"{index}/uv/", str(wheel["url"]))
        digest = hashlib.sha256()
        bin_dir = Path(target) / "bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=target) as spool:
            with urllib.request.urlopen(url, timeout=120) as response:
                while chunk := response.read(1 << 20):
                    digest.update(chunk)
                    spool.write(chunk)
            if digest.hexdigest() not in hashes:
                print(f"fetch_uv: {url} does not match the lock's hashes", file=sys.stderr)
                return 1
            spool.seek(0)
            with zipfile.ZipFile(spool) as archive:
                member = next(n for n in archive.namelist() if n.endswith(".data/scripts/uv"))
                partial = bin_dir / ".uv.partial"
                with archive.open(member) as source, partial.open("wb") as out:
                    while chunk := source.read(1 << 20):
                        out.write(chunk)
                partial.chmod(0o755)
                partial.rename(bin_dir / "uv")
    except (OSError, ValueError, StopIteration, zipfile.BadZipFile) as error:
        print(f"fetch_uv: {error}; falling back to pip", file=sys.stderr)
        return FALLBACK
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
