"""Where tflint comes from: its official release archive (here from a local server with the
GitHub release downloads' layout, serving the locally built tflint) when that answers, a
source build otherwise; SLIPWAY_TFLINT_SOURCE chooses."""

from __future__ import annotations

import hashlib
import http.server
import os
import platform
import subprocess
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from tests.support import serving

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "build-tflint"
VERSION = "v0.64.0"
ARCHIVE = "tflint_linux_{}.zip".format(
    {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """GitHub's release downloads for tflint, as a mirror holds them: the archive and its
    checksums.txt, from the tflint built from source."""
    built = subprocess.run([str(SCRIPT)], capture_output=True, text=True, check=True,
                           env={**os.environ, "SLIPWAY_TFLINT_SOURCE": "build"})  # fmt: skip
    root = tmp_path_factory.mktemp("tflint-releases")
    directory = root / VERSION
    directory.mkdir()
    with zipfile.ZipFile(directory / ARCHIVE, "w", zipfile.ZIP_DEFLATED) as bundle:
        info = zipfile.ZipInfo("tflint", date_time=(2024, 1, 1, 0, 0, 0))
        info.external_attr = 0o100755 << 16
        bundle.writestr(info, (Path(built.stdout.strip()) / "tflint").read_bytes())
    digest = hashlib.sha256((directory / ARCHIVE).read_bytes()).hexdigest()
    (directory / "checksums.txt").write_text(f"{digest}  {ARCHIVE}\n{'0' * 64}  other.zip\n")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    with serving(server):
        yield f"http://127.0.0.1:{server.server_address[1]}", directory


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, "SLIPWAY_CACHE": str(tmp_path / "cache"), **env},
    )  # fmt: skip


def test_the_release_is_installed_checked_where_it_answers(
    releases: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = releases
    assert run(tmp_path, "--status", SLIPWAY_TFLINT_RELEASES=url).returncode == 0
    done = run(tmp_path, SLIPWAY_TFLINT_RELEASES=url)
    assert done.returncode == 0, done.stderr
    assert f"installed TFLint version 0.64.0 from {url}/{VERSION}" in done.stderr
    tflint = Path(done.stdout.strip()) / "tflint"
    version = subprocess.run([str(tflint), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("TFLint version 0.64.0")
    # Installed: the next call is a few file checks, even with the release gone.
    again = run(tmp_path, SLIPWAY_TFLINT_RELEASES="http://127.0.0.1:9")
    assert again.returncode == 0 and "already in" in again.stderr


def test_a_changed_archive_is_refused_and_nothing_installed(
    releases: tuple[str, Path], tmp_path: Path
) -> None:
    url, directory = releases
    original = (directory / ARCHIVE).read_bytes()
    try:
        (directory / ARCHIVE).write_bytes(original + b"tampered")
        done = run(tmp_path, SLIPWAY_TFLINT_SOURCE="release", SLIPWAY_TFLINT_RELEASES=url)
        assert done.returncode != 0
        actual = hashlib.sha256(original + b"tampered").hexdigest()
        assert (
            done.stderr.strip()
            .splitlines()[-1]
            .startswith(f"build-tflint: {ARCHIVE}: SHA-256 {actual} does not match checksums.txt")
        )
        assert not (tmp_path / "cache" / "tflint" / "tflint").exists()
    finally:
        (directory / ARCHIVE).write_bytes(original)


def test_a_bad_source_is_one_line(tmp_path: Path) -> None:
    done = run(tmp_path, SLIPWAY_TFLINT_SOURCE="github")
    assert (done.returncode, done.stderr.strip()) == (
        2,
        "build-tflint: SLIPWAY_TFLINT_SOURCE must be auto, release or build, got 'github'",
    )
