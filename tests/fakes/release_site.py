"""A local stand-in for the engines' release sites, serving real engine builds.

What it models (the layouts slipway's installer reads, see
``slipway.terraform.engine_releases``):

- releases.hashicorp.com: ``terraform/index.json`` (the shape of HashiCorp's index: versions,
  ``shasums``, ``shasums_signature(s)``, ``builds`` with os/arch/filename/url),
  ``terraform/<v>/index.json``, and per version ``terraform_<v>_<os>_<arch>.zip`` (the engine
  plus ``LICENSE.txt``), ``terraform_<v>_SHA256SUMS`` and its binary detached signature
  ``terraform_<v>_SHA256SUMS.sig``
  (https://developer.hashicorp.com/well-architected-framework/operational-excellence/verify-hashicorp-binary);
- OpenTofu: ``tofu/api.json`` as get.opentofu.org publishes it (``versions[].id``,
  ``versions[].files``) and the GitHub release assets
  ``opentofu/opentofu/releases/download/v<v>/tofu_<v>_<os>_<arch>.zip``,
  ``tofu_<v>_SHA256SUMS`` and ``tofu_<v>_SHA256SUMS.gpgsig`` (gpg --detach-sign, as
  OpenTofu's .goreleaser.yaml does), all under one base URL, as a ``release-mirror``.

The engines are real builds (scripts/build-engines builds them from the Go module proxy).
The checksums are signed at set-up time by a throw-away key made with the real ``gpg``; the
tests trust that key through the installer's ``release-signing-key`` and its fingerprint,
exactly as a company mirror that re-signs releases would be trusted.

Not modelled: the vendors' own signatures (their private keys are not ours; the verifier is
checked against the vendors' real public keys and self-signatures instead), cosign
signatures, HTTP caching headers, and any build but this machine's platform.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from tests.support import serving

# Fixed entry times make the archives byte-identical from one set-up to the next.
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class EngineBuild:
    engine: str  # terraform or tofu
    version: str
    binary: Path


@dataclass(frozen=True)
class SigningKey:
    home: Path  # GNUPGHOME holding the secret key
    fingerprint: str
    armored: str  # the public key, as a mirror publishes it


def make_signing_key(home: Path, name: str = "slipway test releases") -> SigningKey:
    """A new RSA signing key in a private GNUPGHOME (gpg's own key generation)."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {**os.environ, "GNUPGHOME": str(home)}
    gpg = ["gpg", "--batch", "--quiet", "--no-tty"]
    subprocess.run(
        [*gpg, "--passphrase", "", "--quick-gen-key", f"{name} <releases@example.invalid>",
         "rsa3072", "sign", "never"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    listing = subprocess.run(
        [*gpg, "--with-colons", "--list-keys"], env=env, check=True, capture_output=True, text=True
    ).stdout
    fingerprint = next(
        line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr")
    )
    armored = subprocess.run(
        [*gpg, "--armor", "--export", fingerprint],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return SigningKey(home, fingerprint, armored)


def stop_gpg_agent(home: Path) -> None:
    """gpg starts an agent per GNUPGHOME that outlives the command: stop it with the home."""
    subprocess.run(
        ["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"],
        env={**os.environ, "GNUPGHOME": str(home)}, check=False, capture_output=True,
    )  # fmt: skip


def sign(key: SigningKey, path: Path, target: Path) -> None:
    """A binary detached signature of ``path`` by ``key`` in ``target``."""
    target.unlink(missing_ok=True)
    subprocess.run(
        ["gpg", "--batch", "--quiet", "--no-tty", "--local-user", f"{key.fingerprint}!",
         "--output", str(target), "--detach-sign", str(path)],
        env={**os.environ, "GNUPGHOME": str(key.home)}, check=True, capture_output=True,
    )  # fmt: skip


def _zip(target: Path, files: Sequence[tuple[str, Path | bytes, int]]) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for name, content, mode in files:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100000 | mode) << 16
            if isinstance(content, Path):
                with content.open("rb") as source, out.open(info, "w") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
            else:
                out.writestr(info, content)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Release:
    engine: str
    version: str
    directory: Path  # where the version's files are
    archive: Path
    sums: Path
    signature: Path


class ReleaseSite:
    """The site's files under ``root``; build with :meth:`publish`, serve with :func:`serve`."""

    def __init__(self, root: Path, key: SigningKey, os_name: str, arch: str) -> None:
        self.root = root
        self.key = key
        self.os_name = os_name
        self.arch = arch
        self.releases: dict[tuple[str, str], Release] = {}

    def release_dir(self, engine: str, version: str) -> Path:
        if engine == "terraform":
            return self.root / "terraform" / version
        return self.root / "opentofu" / "opentofu" / "releases" / "download" / f"v{version}"

    def publish(self, build: EngineBuild, archive_cache: Path | None = None) -> Release:
        """Zip, checksum and sign one engine build; rewrite the indexes."""
        directory = self.release_dir(build.engine, build.version)
        directory.mkdir(parents=True, exist_ok=True)
        prefix = f"{build.engine}_{build.version}"
        archive = directory / f"{prefix}_{self.os_name}_{self.arch}.zip"
        # The binary's size and time name the cached archive, so a rebuild makes a new one.
        facts = build.binary.stat()
        cached = (
            archive_cache / f"{archive.name}.{facts.st_size}-{int(facts.st_mtime)}"
            if archive_cache
            else None
        )
        if cached is not None and cached.is_file():
            shutil.copyfile(cached, archive)
        else:
            license_name = "LICENSE.txt" if build.engine == "terraform" else "LICENSE"
            _zip(
                archive,
                [(build.engine, build.binary, 0o755), (license_name, b"test build\n", 0o644)],
            )
            if cached is not None:
                # Another test process may read the cache meanwhile: it sees a whole file.
                cached.parent.mkdir(parents=True, exist_ok=True)
                partial = cached.with_name(f".{cached.name}.{os.getpid()}")
                shutil.copyfile(archive, partial)
                partial.replace(cached)
        sums = directory / f"{prefix}_SHA256SUMS"
        sums.write_text(f"{_sha256(archive)}  {archive.name}\n")
        suffix = ".sig" if build.engine == "terraform" else ".gpgsig"
        signature = sums.with_name(sums.name + suffix)
        sign(self.key, sums, signature)
        release = Release(build.engine, build.version, directory, archive, sums, signature)
        self.releases[(build.engine, build.version)] = release
        self._write_indexes()
        return release

    def _write_indexes(self) -> None:
        terraform: dict[str, object] = {}
        tofu: list[dict[str, object]] = []
        for (engine, version), release in sorted(self.releases.items()):
            files = sorted(p.name for p in release.directory.iterdir() if p.is_file())
            if engine == "terraform":
                entry = {
                    "name": "terraform",
                    "version": version,
                    "shasums": release.sums.name,
                    "shasums_signature": release.signature.name,
                    "shasums_signatures": [release.signature.name],
                    "builds": [
                        {
                            "name": "terraform",
                            "version": version,
                            "os": self.os_name,
                            "arch": self.arch,
                            "filename": release.archive.name,
                            "url": f"terraform/{version}/{release.archive.name}",
                        }
                    ],
                }
                terraform[version] = entry
                (release.directory / "index.json").write_text(json.dumps(entry))
            else:
                tofu.append({"id": version, "files": files})
        (self.root / "terraform").mkdir(parents=True, exist_ok=True)
        (self.root / "terraform" / "index.json").write_text(
            json.dumps({"name": "terraform", "versions": terraform})
        )
        (self.root / "tofu").mkdir(parents=True, exist_ok=True)
        (self.root / "tofu" / "api.json").write_text(json.dumps({"versions": tofu[::-1]}))


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404)  # release sites list nothing: a path is a file or a 404


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_Handler, directory=str(root))
    )
    with serving(server):
        yield f"http://127.0.0.1:{server.server_address[1]}"


def built_engines(repo: Path) -> list[EngineBuild]:
    """The engines scripts/build-engines built (building them when missing). Its progress
    (stderr) is not captured: on a first run it is what shows the build moving."""
    done = subprocess.run(
        [str(repo / "scripts" / "build-engines")], check=True, stdout=subprocess.PIPE, text=True
    )
    builds = []
    for line in done.stdout.splitlines():
        engine, version, binary = line.split(" ", 2)
        builds.append(EngineBuild(engine, version, Path(binary)))
    return builds


@dataclass(frozen=True)
class ServedSite:
    url: str
    site: ReleaseSite
    key_file: Path  # the signing key's public half, as a mirror publishes it

    def env(self, tool_cache: Path) -> dict[str, str]:
        """What a runner needs to install engines from this site into ``tool_cache``."""
        return {
            "SLIPWAY_RELEASE_MIRROR": self.url,
            "SLIPWAY_RELEASE_SIGNING_KEY": str(self.key_file),
            "SLIPWAY_RELEASE_SIGNING_KEY_FINGERPRINT": self.site.key.fingerprint,
            "RUNNER_TOOL_CACHE": str(tool_cache),
        }


def archive_cache() -> Path:
    cache = Path(os.environ.get("SLIPWAY_CACHE") or Path.home() / ".cache" / "slipway")
    return cache / "engines" / "archives"


@contextmanager
def running_site(
    directory: Path, builds: Sequence[EngineBuild], os_name: str, arch: str
) -> Iterator[ServedSite]:
    """A site in ``directory`` with ``builds`` zipped and signed by a new key, served."""
    key = make_signing_key(directory / "gnupg")
    site = ReleaseSite(directory / "site", key, os_name, arch)
    for build in builds:
        site.publish(build, archive_cache=archive_cache())
    key_file = directory / "release-signing-key.asc"
    key_file.write_text(key.armored)
    try:
        with serve(site.root) as url:
            yield ServedSite(url, site, key_file)
    finally:
        stop_gpg_agent(key.home)
