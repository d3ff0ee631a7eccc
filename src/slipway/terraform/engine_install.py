"""Install an engine release into the runner's tool cache, verified before anything runs.

Order of trust, for an engine not yet cached:

1. ``<engine>_<v>_SHA256SUMS`` and its detached signature are downloaded, and the signature
   is checked against the vendor's key pinned in :mod:`slipway.terraform.release_keys`;
2. the archive is downloaded and its SHA-256 compared with the signed line for its name;
3. only then is it unpacked (regular files at the archive's top level only), into a private
   directory beside the cache entry, and the engine asked for its version;
4. that directory is renamed into place: ``<tool cache>/slipway/<engine>/<version>/<arch>``.
   A rename is atomic, so a concurrent job sees either nothing or a whole engine, and a later
   step or job on the same runner finds it there and fetches nothing.

Every refusal raises :class:`~slipway.terraform.engine_releases.ReleaseError` with one line
naming the file or input and what was wrong.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from slipway.terraform.engine_choice import EngineChoice, resolve_version
from slipway.terraform.engine_releases import (
    ReleaseError,
    ReleaseSource,
    parse_index,
    parse_sums,
    release_source,
)
from slipway.terraform.openpgp import SignatureError, verify_detached

Log = Callable[[str], None]

# A release index is reused this long before it is fetched again (a later job on the same
# runner resolving "newest" then costs nothing).
INDEX_TTL_SECONDS = 600
_MAX_ARCHIVE_BYTES = 512 * 1024 * 1024
_MAX_SMALL_FILE_BYTES = 32 * 1024 * 1024
_ATTEMPTS = 3


@dataclass(frozen=True)
class InstallSettings:
    tool_cache: Path
    os_name: str
    arch: str
    mirror: str | None = None
    # Another signing key for a mirror that re-signs releases (armored key, its fingerprint).
    signing_key: str | None = None
    fingerprint: str | None = None
    timeout: float = 60.0

    def source(self, engine: str) -> ReleaseSource:
        return release_source(engine, self.mirror, self.signing_key, self.fingerprint)


@dataclass(frozen=True)
class InstalledEngine:
    engine: str
    version: str
    binary: Path
    # True when the tool cache already held it (nothing was downloaded).
    cached: bool
    # Fingerprint of the key whose signature was verified (None when cached).
    signed_by: str | None = None
    seconds: float = 0.0


def default_tool_cache(env: Mapping[str, str]) -> Path:
    """``$RUNNER_TOOL_CACHE`` on a runner, the user's cache directory elsewhere."""
    if env.get("RUNNER_TOOL_CACHE"):
        return Path(env["RUNNER_TOOL_CACHE"])
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(base) / "slipway" / "tools"


def engine_dir(settings: InstallSettings, engine: str, version: str) -> Path:
    return settings.tool_cache / "slipway" / engine / version / settings.arch


def cached_binary(settings: InstallSettings, engine: str, version: str) -> Path | None:
    binary = engine_dir(settings, engine, version) / engine
    return binary if binary.is_file() and os.access(binary, os.X_OK) else None


# --- fetching ------------------------------------------------------------------------------


def _describe(url: str, settings: InstallSettings) -> str:
    return f"input 'release-mirror': {url}" if settings.mirror else url


def _open(url: str, settings: InstallSettings) -> IO[bytes]:
    """An open response for ``url``; retries passing failures, refuses 4xx at once."""
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("https", "http", "file"):
        raise ReleaseError(f"{_describe(url, settings)}: only https, http or file URLs")
    request = urllib.request.Request(url, headers={"User-Agent": "slipway-engine-install"})
    delay = 1.0
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            response: IO[bytes] = urllib.request.urlopen(request, timeout=settings.timeout)
            return response
        except urllib.error.HTTPError as error:
            if error.code < 500 or attempt == _ATTEMPTS:
                raise ReleaseError(
                    f"{_describe(url, settings)}: HTTP {error.code} {error.reason}"
                ) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            if attempt == _ATTEMPTS:
                reason = getattr(error, "reason", error)
                raise ReleaseError(
                    f"{_describe(url, settings)}: cannot reach it ({reason})"
                ) from None
        time.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")


def _read(url: str, settings: InstallSettings, limit: int = _MAX_SMALL_FILE_BYTES) -> bytes:
    with _open(url, settings) as response:
        data: bytes = response.read(limit + 1)
    if len(data) > limit:
        raise ReleaseError(f"{_describe(url, settings)}: larger than {limit} bytes")
    return data


def _download(url: str, target: Path, settings: InstallSettings) -> str:
    """Stream ``url`` into ``target``; returns its SHA-256 (hex)."""
    digest = hashlib.sha256()
    size = 0
    with _open(url, settings) as response, target.open("wb") as out:
        while chunk := response.read(1 << 20):
            size += len(chunk)
            if size > _MAX_ARCHIVE_BYTES:
                raise ReleaseError(
                    f"{_describe(url, settings)}: larger than {_MAX_ARCHIVE_BYTES} bytes"
                )
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def release_versions(engine: str, settings: InstallSettings, log: Log) -> list[str]:
    """The versions the release index lists, reusing a copy younger than INDEX_TTL_SECONDS."""
    source = settings.source(engine)
    key = hashlib.sha256(source.index_url.encode()).hexdigest()[:16]
    copy = settings.tool_cache / "slipway" / engine / f".index-{key}.json"
    try:
        fresh = time.time() - copy.stat().st_mtime < INDEX_TTL_SECONDS
    except OSError:
        fresh = False
    if fresh:
        try:
            return parse_index(engine, copy.read_bytes())
        except (OSError, ReleaseError):
            pass
    log(f"reading the {engine} release index: {source.index_url}")
    data = _read(source.index_url, settings, limit=64 * 1024 * 1024)
    versions = parse_index(engine, data)
    copy.parent.mkdir(parents=True, exist_ok=True)
    tmp = copy.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(copy)
    return versions


# --- verifying and unpacking -----------------------------------------------------------------


def verified_sums(
    source: ReleaseSource, version: str, settings: InstallSettings
) -> tuple[dict[str, str], str]:
    """The signed checksums of a release, and the fingerprint of the key that signed them."""
    sums_name = source.sums_name(version)
    sums_url = source.file_url(version, sums_name)
    try:
        sums = _read(sums_url, settings)
    except ReleaseError as error:
        if "HTTP 404" in str(error):
            raise ReleaseError(
                f"{source.engine} {version}: no such release ({sums_url}: HTTP 404)"
            ) from None
        raise
    signature_name = source.signature_name(version)
    signature_url = source.file_url(version, signature_name)
    try:
        signature = _read(signature_url, settings)
    except ReleaseError as error:
        raise ReleaseError(f"{signature_name}: refusing an unsigned release ({error})") from None
    try:
        signer = verify_detached(sums, signature, source.signing_key.encode(), source.fingerprint)
    except SignatureError as error:
        raise ReleaseError(f"{sums_name}: signature check failed: {error}") from None
    return parse_sums(sums.decode("utf-8", errors="replace"), sums_name), signer


def unpack(archive: Path, target: Path, engine: str) -> Path:
    """The archive's top-level regular files into ``target``; returns the engine binary."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [m for m in bundle.infolist() if not m.is_dir()]
            total = sum(m.file_size for m in members)
            if total > 4 * _MAX_ARCHIVE_BYTES:
                raise ReleaseError(f"{archive.name}: unpacks to more than 2 GiB")
            for member in members:
                name = member.filename
                if "/" in name or "\\" in name or name in (".", "..") or name.startswith("."):
                    raise ReleaseError(f"{archive.name}: unexpected entry {name!r}")
                if stat.S_ISLNK(member.external_attr >> 16):
                    raise ReleaseError(f"{archive.name}: entry {name!r} is a link")
                with bundle.open(member) as source, (target / name).open("wb") as out:
                    shutil.copyfileobj(source, out)
                (target / name).chmod(0o755 if name == engine else 0o644)
    except zipfile.BadZipFile:
        raise ReleaseError(f"{archive.name}: not a zip archive") from None
    binary = target / engine
    if not binary.is_file():
        raise ReleaseError(f"{archive.name}: holds no '{engine}' executable")
    return binary


def reported_version(binary: Path) -> str:
    """The version the unpacked engine reports (it runs only once its archive checked out)."""
    from slipway.terraform.engine import EngineError, engine_version

    try:
        return engine_version(binary).version
    except EngineError as error:
        raise ReleaseError(f"{binary.name}: the unpacked engine does not run ({error})") from None


# --- the whole install -----------------------------------------------------------------------


def install_engine(choice: EngineChoice, settings: InstallSettings, log: Log) -> InstalledEngine:
    """The engine ``choice`` names, from the tool cache or freshly installed there."""
    started = time.monotonic()
    engine = choice.engine
    if choice.exact is not None:
        version = choice.exact
    else:
        version = resolve_version(choice, release_versions(engine, settings, log))
    hit = cached_binary(settings, engine, version)
    if hit is not None:
        return InstalledEngine(engine, version, hit, cached=True)
    source = settings.source(engine)
    final = engine_dir(settings, engine, version)
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{settings.arch}.", dir=final.parent))
    try:
        sums, signer = verified_sums(source, version, settings)
        name = source.archive_name(version, settings.os_name, settings.arch)
        expected = sums.get(name)
        if expected is None:
            raise ReleaseError(
                f"{source.sums_name(version)}: no checksum for {name} (no build for this platform)"
            )
        archive = work / name
        url = source.file_url(version, name)
        log(f"downloading {url}")
        actual = _download(url, archive, settings)
        if actual != expected:
            raise ReleaseError(
                f"{name}: SHA-256 {actual} does not match the signed checksum {expected} "
                f"({source.sums_name(version)})"
            )
        unpacked = work / "engine"
        unpacked.mkdir()
        binary = unpack(archive, unpacked, engine)
        archive.unlink()
        found = reported_version(binary)
        if found != version:
            raise ReleaseError(f"{name}: the engine reports version {found}, not {version}")
        try:
            unpacked.rename(final)
        except OSError:
            # Another job installed it first: theirs is as good as ours.
            if cached_binary(settings, engine, version) is None:
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return InstalledEngine(
        engine,
        version,
        final / engine,
        cached=False,
        signed_by=signer,
        seconds=time.monotonic() - started,
    )
