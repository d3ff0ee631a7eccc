"""Where each engine's releases live, and reading what those sites publish.

The layouts are the vendors' own:

- Terraform, https://releases.hashicorp.com: ``terraform/index.json`` lists every version;
  a version's files are ``terraform/<v>/terraform_<v>_<os>_<arch>.zip``,
  ``terraform_<v>_SHA256SUMS`` and its detached signature ``terraform_<v>_SHA256SUMS.sig``.
- OpenTofu: https://get.opentofu.org/tofu/api.json lists every version; a version's files
  are GitHub release assets, ``opentofu/opentofu/releases/download/v<v>/tofu_<v>_<os>_<arch>.zip``,
  ``tofu_<v>_SHA256SUMS`` and its detached signature ``tofu_<v>_SHA256SUMS.gpgsig``.

A mirror (``release-mirror``) keeps those paths under one base URL: ``<mirror>/terraform/…``
as on releases.hashicorp.com, and for OpenTofu ``<mirror>/tofu/api.json`` and
``<mirror>/opentofu/opentofu/releases/download/…`` as on the two OpenTofu hosts.
Everything here is pure: the installer does the fetching.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from slipway.terraform.release_keys import (
    HASHICORP_FINGERPRINT,
    HASHICORP_KEY,
    OPENTOFU_FINGERPRINT,
    OPENTOFU_KEY,
)
from slipway.terraform.versions import Constraint, Version, allows, compare, parse_version

ENGINES = ("terraform", "tofu")


class ReleaseError(ValueError):
    """A release cannot be found or does not check out; the message says which and why."""


@dataclass(frozen=True)
class ReleaseSource:
    """How to reach one engine's releases, and whose signature to require."""

    engine: str
    index_url: str
    # Base URL of a version's files: "<files_base>/<file>" after formatting with the version.
    files_base: str
    signature_suffix: str
    signing_key: str
    fingerprint: str

    def file_url(self, version: str, name: str) -> str:
        return f"{self.files_base.format(version=version)}/{name}"

    def archive_name(self, version: str, os_name: str, arch: str) -> str:
        return f"{self.engine}_{version}_{os_name}_{arch}.zip"

    def sums_name(self, version: str) -> str:
        return f"{self.engine}_{version}_SHA256SUMS"

    def signature_name(self, version: str) -> str:
        return self.sums_name(version) + self.signature_suffix


HASHICORP = "https://releases.hashicorp.com"
OPENTOFU_INDEX = "https://get.opentofu.org"
OPENTOFU_FILES = "https://github.com"


def release_source(
    engine: str,
    mirror: str | None = None,
    signing_key: str | None = None,
    fingerprint: str | None = None,
) -> ReleaseSource:
    """The official release site of ``engine`` (or ``mirror`` with the same layout), with the
    vendor's pinned key unless another key and its fingerprint are given."""
    base = mirror.rstrip("/") if mirror else None
    if engine == "terraform":
        root = base or HASHICORP
        source = ReleaseSource(
            engine="terraform",
            index_url=f"{root}/terraform/index.json",
            files_base=f"{root}/terraform/{{version}}",
            signature_suffix=".sig",
            signing_key=HASHICORP_KEY,
            fingerprint=HASHICORP_FINGERPRINT,
        )
    elif engine == "tofu":
        source = ReleaseSource(
            engine="tofu",
            index_url=f"{base or OPENTOFU_INDEX}/tofu/api.json",
            files_base=f"{base or OPENTOFU_FILES}/opentofu/opentofu/releases/download/v{{version}}",
            signature_suffix=".gpgsig",
            signing_key=OPENTOFU_KEY,
            fingerprint=OPENTOFU_FINGERPRINT,
        )
    else:
        raise ReleaseError(f"unknown engine {engine!r} (terraform or tofu)")
    if signing_key is not None and fingerprint is not None:
        source = ReleaseSource(
            engine=source.engine,
            index_url=source.index_url,
            files_base=source.files_base,
            signature_suffix=source.signature_suffix,
            signing_key=signing_key,
            fingerprint=fingerprint,
        )
    return source


def parse_index(engine: str, text: bytes | str) -> list[str]:
    """The versions a release index lists (HashiCorp's index.json, OpenTofu's api.json)."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ReleaseError(f"the {engine} release index is not JSON") from None
    versions: Iterable[object]
    if engine == "terraform" and isinstance(data, dict) and isinstance(data.get("versions"), dict):
        versions = data["versions"].keys()
    elif engine == "tofu" and isinstance(data, dict) and isinstance(data.get("versions"), list):
        versions = [item.get("id") for item in data["versions"] if isinstance(item, dict)]
    else:
        raise ReleaseError(f"the {engine} release index has no version list")
    found = []
    for item in versions:
        if isinstance(item, str):
            try:
                parse_version(item)
            except ValueError:
                continue
            found.append(item)
    return found


def newest(
    versions: Sequence[str], constraints: Sequence[Constraint] = (), stable_only: bool = True
) -> str | None:
    """The newest of ``versions`` meeting every constraint; pre-releases only when asked for
    (a constraint naming a pre-release lets matching ones in, as go-version does)."""
    best: tuple[Version, str] | None = None
    for text in versions:
        version = parse_version(text)
        if (
            version.prerelease
            and stable_only
            and not any(c.version.prerelease for c in constraints)
        ):
            continue
        if not all(allows(c, version) for c in constraints):
            continue
        if best is None or compare(version, best[0]) > 0:
            best = (version, text)
    return best[1] if best else None


_SUMS_LINE = re.compile(r"^([0-9a-fA-F]{64})[ \t]+\*?(\S+)$")


def parse_sums(text: str, source_name: str) -> dict[str, str]:
    """``{file name: sha256 hex}`` from a SHA256SUMS file; a malformed line is refused."""
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _SUMS_LINE.match(line.strip())
        if match is None:
            raise ReleaseError(f"{source_name}: line {number} is not '<sha256>  <file>'")
        sums[match.group(2)] = match.group(1).lower()
    return sums


def platform_names(system: str, machine: str) -> tuple[str, str]:
    """``("linux", "amd64")`` from ``platform.system()`` and ``platform.machine()``."""
    os_name = system.lower()
    if os_name not in ("linux", "darwin"):
        raise ReleaseError(f"no engine releases for {system} here (Linux or macOS runners only)")
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        machine.lower()
    )
    if arch is None:
        raise ReleaseError(f"no engine releases for the {machine} architecture (x64 or arm64)")
    return os_name, arch
