"""Runners' Pythons, laid out for the bootstrap tests: an older `python3` first on PATH,
a tool cache as actions/setup-python fills it, and a download location for uv-managed
CPython. Every interpreter here is a real one from this machine: pyenv's CPythons and
Debian's python3.11. Only the places they sit in are made up."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import socket
import subprocess
import tarfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support import serving

REPO = Path(__file__).resolve().parents[3]
BOOTSTRAP = REPO / "scripts" / "bootstrap"
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
# actions/setup-python's names for the machine's architecture.
ARCH = {"x86_64": "x64", "aarch64": "arm64"}[platform.machine()]
# Debian links libpython into the executable, so the interpreter and its standard library
# can move anywhere (pyenv's builds load libpython from their own prefix).
DEBIAN_PYTHON = Path("/usr/bin/python3.11")


def real_python(minor: int) -> Path:
    """A real CPython 3.<minor> on this machine: pyenv's, else Debian's."""
    candidates = sorted(PYENV_VERSIONS.glob(f"3.{minor}.*/bin/python3.{minor}"))
    candidates.append(Path(f"/usr/bin/python3.{minor}"))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise AssertionError(f"no CPython 3.{minor} here (looked in {PYENV_VERSIONS} and /usr/bin)")


def version_of(python: Path | str) -> str:
    done = subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def path_with_python3(directory: Path, python: Path) -> str:
    """A PATH whose `python3` is `python`, then the system's directories (whose own
    python3 comes later and is never found first)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "python3").symlink_to(python)
    return f"{directory}:/usr/local/bin:/usr/bin:/bin"


def tool_cache(root: Path, pythons: Mapping[str, Path], complete: set[str]) -> Path:
    """RUNNER_TOOL_CACHE with Python/<name>/<arch> linked to each interpreter's prefix;
    only the names in `complete` get the `<arch>.complete` marker setup-python writes last."""
    for name, python in pythons.items():
        folder = root / "Python" / name
        folder.mkdir(parents=True)
        (folder / ARCH).symlink_to(python.resolve().parents[1])
        if name in complete:
            (folder / f"{ARCH}.complete").touch()
    return root


def bootstrap_env(path: str, runner_temp: Path, **extra: str) -> dict[str, str]:
    """The environment of one action step: this process's, without any interpreter or
    mirror setting of its own, with `path` as PATH. uv's package cache stays the usual one
    (the figures the design targets are for a runner whose package caches are warm)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLIPWAY_", "RUNNER_", "UV_PYTHON", "VIRTUAL_ENV", "UV_HTTP"))
    }
    env.setdefault("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv"))
    return {**env, "PATH": path, "RUNNER_TEMP": str(runner_temp), **extra}


def run_bootstrap(env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BOOTSTRAP)], env=dict(env), capture_output=True, text=True, timeout=300, check=False
    )


def _add_tree(archive: tarfile.TarFile, source: Path, name: str, leave_out: set[str]) -> None:
    """Add `source` as `name`, without the top-level entries in `leave_out`; a link that
    points outside (Debian links sitecustomize.py into /etc) is stored as the file it
    names, as uv refuses absolute link targets."""
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if relative.parts[0] in leave_out:
            continue
        if path.is_symlink() and os.readlink(path).startswith("/"):
            archive.add(path.resolve(), f"{name}/{relative}", recursive=False)
        else:
            archive.add(path, f"{name}/{relative}", recursive=False)


def debian_cpython_archive(target: Path) -> tuple[Path, str]:
    """Debian's CPython as an install-only archive (python/bin, python/lib), the layout of
    the python-build-standalone archives uv installs. Returns the archive and its version."""
    version = version_of(DEBIAN_PYTHON)
    archive_path = target / f"cpython-{version}-linux-{platform.machine()}-gnu.tar.gz"
    with tarfile.open(archive_path, "w:gz", compresslevel=1) as archive:
        archive.add(DEBIAN_PYTHON, "python/bin/python3.11")
        link = tarfile.TarInfo("python/bin/python3")
        link.type, link.linkname = tarfile.SYMTYPE, "python3.11"
        archive.addfile(link)
        # Left out: the test suite (half the size, never run here) and Debian's PEP 668
        # marker, which a standalone build does not have.
        leave_out = {"test", "EXTERNALLY-MANAGED"}
        _add_tree(archive, Path("/usr/lib/python3.11"), "python/lib/python3.11", leave_out)
    return archive_path, version


def downloads_json(url: str, archive: Path, version: str) -> dict[str, object]:
    """uv's python-downloads JSON (its own download-metadata.json format) for one archive."""
    major, minor, patch = (int(part) for part in version.split("."))
    machine = platform.machine()
    return {
        f"cpython-{version}-linux-{machine}-gnu": {
            "name": "cpython",
            "arch": {"family": machine, "variant": None},
            "os": "linux",
            "libc": "gnu",
            "major": major,
            "minor": minor,
            "patch": patch,
            "prerelease": "",
            "url": url,
            "sha256": hashlib.sha256(archive.read_bytes()).hexdigest(),
            "variant": None,
            "build": None,
        }
    }


@contextmanager
def download_location(directory: Path) -> Iterator[tuple[str, list[str]]]:
    """Serve `directory` on 127.0.0.1; yields the base URL and the list of paths requested."""
    requested: list[str] = []

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(directory), **kwargs)  # type: ignore[arg-type]

        def end_headers(self) -> None:
            # Each test's files are new: no cached copy of an earlier one may answer.
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def do_GET(self) -> None:
            requested.append(self.path)
            super().do_GET()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with serving(server):
        yield f"http://127.0.0.1:{server.server_address[1]}", requested


def publish_cpython(directory: Path, base_url: str, archive: Path, version: str) -> str:
    """Put the archive and its downloads JSON in the served directory; returns the JSON's URL."""
    served = directory / archive.name
    if not served.exists():
        served.symlink_to(archive)
    listing = downloads_json(f"{base_url}/{archive.name}", archive, version)
    (directory / "downloads.json").write_text(json.dumps(listing))
    return f"{base_url}/downloads.json"


def closed_port() -> int:
    """A local port nothing listens on: a download from it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
