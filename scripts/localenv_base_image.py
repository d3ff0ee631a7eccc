"""The base image the tests and the demo build on (``local/python-base:bookworm``): a Debian
minbase with python3, made once with debootstrap from the mirror apt uses here, cached as a
tarball and imported into each new engine, so no engine ever pulls from Docker Hub.

localenv_images reuses the cache and the debootstrap for the other platform's base image.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from localenv_docker import docker_cli
from localenv_process import reporting

BASE_IMAGE = "local/python-base:bookworm"
DEFAULT_DEBIAN_MIRROR = "http://deb.debian.org/debian"


def cache_dir() -> Path:
    return Path(os.environ.get("SLIPWAY_CACHE", Path.home() / ".cache" / "slipway"))


def mirror_in_sources(text: str) -> str | None:
    """The first Debian (not security) mirror named by an apt sources file, one-line
    (``deb URL ...``) or deb822 (``URIs: URL``)."""
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if words[:1] == ["deb"]:
            urls = [word for word in words[1:] if "://" in word][:1]
        elif words[:1] == ["URIs:"]:
            urls = words[1:]
        else:
            continue
        for url in urls:
            trimmed = url.rstrip("/")
            if trimmed.endswith("/debian") and "security" not in trimmed:
                return trimmed
    return None


def debian_mirror() -> str:
    """The Debian mirror apt uses here (``$SLIPWAY_DEBIAN_MIRROR`` overrides)."""
    override = os.environ.get("SLIPWAY_DEBIAN_MIRROR")
    if override:
        return override
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for source in sources:
        try:
            text = source.read_text()
        except OSError:
            continue
        mirror = mirror_in_sources(text)
        if mirror:
            return mirror
    return DEFAULT_DEBIAN_MIRROR


def _docker(docker_host: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCKER_HOST": docker_host}
    return subprocess.run(
        [docker_cli(), *args], env=env, text=True, capture_output=True, check=False
    )


def build_base_tarball(tarball: Path, suite: str, arch: str | None = None) -> None:
    """debootstrap a minbase with python3 for ``arch`` (default: the host's) and tar it to
    ``tarball``, built beside it and renamed into place so a cut-short run leaves none."""
    prefix = f"rootfs-{arch}-" if arch else "rootfs-"
    work = Path(tempfile.mkdtemp(prefix=prefix, dir=tarball.parent))
    # Minutes once per machine (through QEMU for another arch), and debootstrap's own
    # messages go to stdout, which is dropped: say that it is going.
    what = f"base image: debootstrap {suite} for {arch or 'this machine'} (once, then cached)"
    with reporting(what):
        try:
            rootfs = work / "rootfs"
            subprocess.run(
                [
                    "debootstrap",
                    *([f"--arch={arch}"] if arch else []),
                    "--variant=minbase",
                    "--include=python3",
                    suite,
                    str(rootfs),
                    debian_mirror(),
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
                for path in (rootfs / leftover).glob("*"):
                    if path.is_file():
                        path.unlink()
            partial = work / "rootfs.tar"
            subprocess.run(
                ["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(partial), "."], check=True
            )
            partial.replace(tarball)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def ensure_base_image(docker_host: str, image: str = BASE_IMAGE, suite: str = "bookworm") -> str:
    """Make ``image`` (a Debian minbase with python3) exist in the engine; say how.

    Returns "present" (already in the engine), "imported" (from the cached tarball) or
    "built" (debootstrap, then import). The tarball is cached under
    ``$SLIPWAY_CACHE/base-images`` so a new engine only needs the import.
    """
    if _docker(docker_host, "image", "inspect", image).returncode == 0:
        return "present"
    cache = cache_dir() / "base-images"
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / f"python-base-{suite}.tar"
    how = "imported"
    with (cache / f"python-base-{suite}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one debootstrap at a time across processes
        if not tarball.exists():
            build_base_tarball(tarball, suite)
            how = "built"
    result = _docker(
        docker_host,
        "import",
        "--change",
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "--change",
        "ENV LANG=C.UTF-8",
        "--change",
        'CMD ["python3"]',
        str(tarball),
        image,
    )
    if result.returncode != 0:
        raise SystemExit(f"docker import of {tarball} failed:\n{result.stderr}")
    return how
