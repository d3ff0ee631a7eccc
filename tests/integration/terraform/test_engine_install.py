"""Installing engines from the local release site (real Terraform and OpenTofu builds, signed
checksums), and every way a tampered or missing release is refused before anything runs."""

from __future__ import annotations

import hashlib
import platform
import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fakes.release_site import (
    EngineBuild,
    ServedSite,
    make_signing_key,
    running_site,
    sign,
    stop_gpg_agent,
)

from slipway.terraform.engine_choice import choose_engine
from slipway.terraform.engine_install import (
    InstallSettings,
    cached_binary,
    install_engine,
    reported_version,
)
from slipway.terraform.engine_releases import ReleaseError, platform_names

pytestmark = pytest.mark.integration

OS_NAME, ARCH = platform_names(platform.system(), platform.machine())


def settings(site: ServedSite | str, cache: Path) -> InstallSettings:
    if isinstance(site, str):
        return InstallSettings(tool_cache=cache, os_name=OS_NAME, arch=ARCH, mirror=site)
    return InstallSettings(
        tool_cache=cache,
        os_name=OS_NAME,
        arch=ARCH,
        mirror=site.url,
        signing_key=site.key_file.read_text(),
        fingerprint=site.site.key.fingerprint,
    )


def version_of(builds: list[EngineBuild], engine: str) -> str:
    return next(b.version for b in builds if b.engine == engine)


@pytest.mark.parametrize("engine", ["terraform", "tofu"])
def test_install_verifies_then_a_second_install_costs_nothing(
    release_site: ServedSite, engine_builds: list[EngineBuild], tmp_path: Path, engine: str
) -> None:
    lines: list[str] = []
    choice = choose_engine(tmp_path, tmp_path, engine)  # newest stable, from the index
    first = install_engine(choice, settings(release_site, tmp_path), lines.append)
    version = version_of(engine_builds, engine)
    assert (first.engine, first.version, first.cached) == (engine, version, False)
    assert first.signed_by == release_site.site.key.fingerprint
    assert first.binary == tmp_path / "slipway" / engine / version / ARCH / engine
    assert reported_version(first.binary) == version
    assert any("release index" in line for line in lines)
    # Nothing but the finished engine and the index copy is left beside it.
    assert sorted(p.name for p in first.binary.parent.parent.iterdir()) == [ARCH]

    # The same version again, with the site gone: found in the tool cache, nothing fetched.
    again = install_engine(
        choose_engine(tmp_path, tmp_path, engine, version),
        settings("http://127.0.0.1:9", tmp_path),
        lines.append,
    )
    assert (again.binary, again.cached) == (first.binary, True)


def test_newest_from_the_index_is_reused_within_its_lifetime(
    release_site: ServedSite, tmp_path: Path
) -> None:
    install_engine(
        choose_engine(tmp_path, tmp_path, "tofu"), settings(release_site, tmp_path), print
    )
    lines: list[str] = []
    # The index copy is fresh: "newest" resolves without the site.
    offline = InstallSettings(
        tool_cache=tmp_path, os_name=OS_NAME, arch=ARCH, mirror=release_site.url
    )
    found = install_engine(choose_engine(tmp_path, tmp_path, "tofu"), offline, lines.append)
    assert found.cached
    assert not any("release index" in line for line in lines)


# --- tampering -------------------------------------------------------------------------------


@pytest.fixture
def site(engine_builds: list[EngineBuild], tmp_path: Path) -> Iterator[ServedSite]:
    """A private copy of the release site, for one test to tamper with."""
    terraform = [b for b in engine_builds if b.engine == "terraform"]
    with running_site(tmp_path / "site", terraform, OS_NAME, ARCH) as served:
        yield served


MARKER = "planted-engine-ran"


def plant(site: ServedSite, tmp_path: Path) -> tuple[Path, str]:
    """An attacker's archive in place of the real one: an 'engine' that leaves a marker when
    run. Returns (archive, its sha256)."""
    release = next(iter(site.site.releases.values()))
    script = tmp_path / "terraform"
    script.write_text(f"#!/bin/sh\ntouch {tmp_path / MARKER}\necho '{{}}'\n")
    with zipfile.ZipFile(release.archive, "w") as archive:
        info = zipfile.ZipInfo("terraform")
        info.external_attr = 0o100755 << 16
        archive.writestr(info, script.read_bytes())
    return release.archive, hashlib.sha256(release.archive.read_bytes()).hexdigest()


def refused(site: ServedSite | str, tmp_path: Path, version: str | None = None) -> str:
    cache = tmp_path / "toolcache"
    with pytest.raises(ReleaseError) as error:
        install_engine(
            choose_engine(tmp_path, tmp_path, "terraform", version), settings(site, cache), print
        )
    # Nothing installed, nothing half-unpacked, nothing run.
    assert cached_binary(settings(site, cache), "terraform", version or "1.11.4") is None
    assert list(cache.glob("slipway/terraform/*/.*")) == []
    assert not (tmp_path / MARKER).exists()
    return str(error.value)


def test_a_changed_archive_is_refused(site: ServedSite, tmp_path: Path) -> None:
    release = next(iter(site.site.releases.values()))
    expected = release.sums.read_text().split()[0]
    _, planted = plant(site, tmp_path)
    assert refused(site, tmp_path) == (
        f"{release.archive.name}: SHA-256 {planted} does not match the signed checksum "
        f"{expected} ({release.sums.name})"
    )


def test_a_changed_checksum_file_is_refused(site: ServedSite, tmp_path: Path) -> None:
    release = next(iter(site.site.releases.values()))
    archive, planted = plant(site, tmp_path)
    release.sums.write_text(f"{planted}  {archive.name}\n")
    assert refused(site, tmp_path) == (
        f"{release.sums.name}: signature check failed: the signature does not match the data"
    )


def test_a_signature_by_another_key_is_refused(site: ServedSite, tmp_path: Path) -> None:
    release = next(iter(site.site.releases.values()))
    archive, planted = plant(site, tmp_path)
    release.sums.write_text(f"{planted}  {archive.name}\n")
    mallory = make_signing_key(tmp_path / "mallory", "mallory")
    sign(mallory, release.sums, release.signature)
    stop_gpg_agent(mallory.home)
    assert refused(site, tmp_path) == (
        f"{release.sums.name}: signature check failed: signed by key {mallory.fingerprint}, "
        f"not by the pinned key {site.site.key.fingerprint}"
    )


def test_the_vendor_key_is_required_without_a_mirror_key(site: ServedSite, tmp_path: Path) -> None:
    """A mirror serving releases signed by anyone but HashiCorp needs its key named."""
    message = refused(site.url, tmp_path)
    assert message.startswith("terraform_1.11.4_SHA256SUMS: signature check failed: signed by key")
    assert message.endswith("not by the pinned key C874011F0AB405110D02105534365D9472D7468F")


def test_an_unsigned_release_is_refused(site: ServedSite, tmp_path: Path) -> None:
    release = next(iter(site.site.releases.values()))
    release.signature.unlink()
    assert refused(site, tmp_path) == (
        f"{release.signature.name}: refusing an unsigned release (input 'release-mirror': "
        f"{site.url}/terraform/1.11.4/{release.signature.name}: HTTP 404 File not found)"
    )


def test_a_version_that_does_not_exist(site: ServedSite, tmp_path: Path) -> None:
    assert refused(site, tmp_path, "9.9.9") == (
        f"terraform 9.9.9: no such release ({site.url}/terraform/9.9.9/"
        "terraform_9.9.9_SHA256SUMS: HTTP 404)"
    )


def test_a_constraint_no_release_satisfies(site: ServedSite, tmp_path: Path) -> None:
    assert refused(site, tmp_path, "~> 0.12.0") == (
        "no terraform release satisfies ~> 0.12.0 (input 'engine-version'); the newest is 1.11.4"
    )


def test_an_unreachable_mirror(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    message = refused(f"http://127.0.0.1:{port}", tmp_path, "1.11.4")
    assert message.startswith(
        f"input 'release-mirror': http://127.0.0.1:{port}/terraform/1.11.4/"
        "terraform_1.11.4_SHA256SUMS: cannot reach it ("
    )
    assert "Connection refused" in message


def test_an_archive_with_a_path_outside_is_refused(site: ServedSite, tmp_path: Path) -> None:
    release = next(iter(site.site.releases.values()))
    with zipfile.ZipFile(release.archive, "w") as archive:
        archive.writestr("../terraform", "#!/bin/sh\n")
    release.sums.write_text(
        f"{hashlib.sha256(release.archive.read_bytes()).hexdigest()}  {release.archive.name}\n"
    )
    sign(site.site.key, release.sums, release.signature)  # signed by the trusted key itself
    assert refused(site, tmp_path) == f"{release.archive.name}: unexpected entry '../terraform'"


def test_a_job_that_loses_the_install_race_uses_the_winners_engine(
    site: ServedSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slipway.terraform import engine_install

    cache = tmp_path / "toolcache"
    choice = choose_engine(tmp_path, tmp_path, "terraform", "1.11.4")
    winner = install_engine(choice, settings(site, cache), print)
    # The loser looked before the winner renamed its directory into place.
    real = engine_install.cached_binary
    looks: list[Path | None] = []

    def late(*args: object) -> Path | None:
        looks.append(None if not looks else real(*args))  # type: ignore[arg-type]
        return looks[-1]

    monkeypatch.setattr(engine_install, "cached_binary", late)
    loser = install_engine(choice, settings(site, cache), print)
    assert loser.binary == winner.binary
    assert reported_version(loser.binary) == "1.11.4"
    assert sorted(p.name for p in winner.binary.parent.parent.iterdir()) == [ARCH]
