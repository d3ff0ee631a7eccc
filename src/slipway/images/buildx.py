"""Building with buildx, as GitHub's runners do (Docker 29: ``docker build`` is buildx), and
choosing between it and the classic builder.

:func:`buildx_argv` is the exact ``docker buildx build`` command line: platforms, provenance
and SBOM attestations, registry cache, and a push of every tag in one go (an OCI image index
when there are several platforms or attestations), or with no tag the same image exported
nowhere. :func:`read_metadata` reads what buildx wrote to ``--metadata-file``: the digest (the
index's for an index), its media type and the platforms built. :func:`choose_builder` picks
buildx when the docker client has it and falls back to the classic ``docker build`` (Debian's
Docker 20.10 without the plugin), saying which and why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slipway.gha.inputs import InputError
from slipway.images.build import BuildSpec

PLATFORM = re.compile(r"[a-z0-9]+/[a-z0-9_]+(?:/v[0-9]+)?")
CACHE_TYPES = ("registry", "inline", "local", "gha", "s3", "azblob")
BUILDERS = ("auto", "buildx", "classic")
# What buildx does when --provenance is not given and an image is pushed.
DEFAULT_PROVENANCE = "mode=min"


@dataclass(frozen=True)
class Attestations:
    provenance: str  # "false", "mode=min" or "mode=max"
    sbom: bool

    @property
    def any(self) -> bool:
        return self.provenance != "false" or self.sbom


def parse_platforms(values: Sequence[str]) -> tuple[str, ...]:
    """``linux/amd64,linux/arm64`` (commas or lines) as a tuple without duplicates."""
    platforms = list(dict.fromkeys(value.strip().lower() for value in values if value.strip()))
    for value in platforms:
        if not PLATFORM.fullmatch(value):
            raise InputError("platforms", "os/architecture[/variant] such as linux/arm64", value)
    return tuple(platforms)


def parse_provenance(value: str | None) -> str:
    """``false``, ``true``/``mode=min`` or ``mode=max`` (buildx's ``--provenance``)."""
    text = (value or DEFAULT_PROVENANCE).strip().lower()
    if text in ("true", "1", "mode=min"):
        return "mode=min"
    if text in ("false", "0"):
        return "false"
    if text == "mode=max":
        return "mode=max"
    raise InputError("provenance", "false, true, mode=min or mode=max", value or "")


def parse_cache(values: Sequence[str], input_name: str) -> tuple[str, ...]:
    """buildx cache specs (``type=registry,ref=…,mode=max``); ``cache-from`` also takes a
    plain image reference, buildx's shorthand for ``type=registry,ref=<image>``."""
    specs = []
    for item in values:
        value = item.strip()
        if not value:
            continue
        fields = dict(part.partition("=")[::2] for part in value.split(","))
        kind = fields.get("type")
        if kind is None and input_name == "cache-from" and "=" not in value:
            specs.append(value)
            continue
        if kind not in CACHE_TYPES:
            raise InputError(
                input_name, "type=" + "|".join(CACHE_TYPES) + "[,key=value…] per line", value
            )
        if kind == "registry" and not fields.get("ref"):
            raise InputError(input_name, "type=registry with ref=<image>", value)
        specs.append(value)
    return tuple(specs)


def cache_refs(specs: Sequence[str]) -> list[str]:
    """The image references registry caches write to (their tags must be allowed to move)."""
    refs = []
    for spec in specs:
        fields = dict(part.partition("=")[::2] for part in spec.split(","))
        if fields.get("type") == "registry" and fields.get("ref"):
            refs.append(fields["ref"])
    return refs


@dataclass(frozen=True)
class BuildxSpec:
    """What buildx needs on top of the classic spec."""

    base: BuildSpec
    platforms: tuple[str, ...] = ()
    attestations: Attestations = Attestations(DEFAULT_PROVENANCE, False)
    cache_from: tuple[str, ...] = ()
    cache_to: tuple[str, ...] = ()


def buildx_argv(docker: str, spec: BuildxSpec, tags: Sequence[str], metadata: str) -> list[str]:
    """The exact ``docker buildx build`` command line: builds every platform, pushes every tag
    and writes the metadata file. Without tags the image (manifests, attestations, index) is
    made as for a push, unnamed, and exported to no registry."""
    base = spec.base
    argv = [docker, "buildx", "build", "--progress", "plain", "--metadata-file", metadata]
    if base.dockerfile is not None:
        argv += ["--file", str(base.dockerfile)]
    if base.target:
        argv += ["--target", base.target]
    if base.network:
        argv += ["--network", base.network]
    if spec.platforms:
        argv += ["--platform", ",".join(spec.platforms)]
    for key, value in base.build_args.items():
        argv += ["--build-arg", f"{key}={value}"]
    for secret in base.secrets:
        argv += ["--secret", f"id={secret.id},src={secret.path}"]
    for key, value in base.labels.items():
        argv += ["--label", f"{key}={value}"]
    argv += ["--provenance", spec.attestations.provenance]
    argv += ["--sbom", "true" if spec.attestations.sbom else "false"]
    for source in spec.cache_from:
        argv += ["--cache-from", source]
    for target in spec.cache_to:
        argv += ["--cache-to", target]
    if tags:
        names = ",".join(tags)
        argv += ["--output", f'type=image,"name={names}",push=true']
    else:
        argv += ["--output", "type=image,push=false"]
    argv.append(str(base.context))
    return argv


@dataclass(frozen=True)
class BuildMetadata:
    digest: str  # the pushed index's digest (or the manifest's, for a plain image)
    media_type: str
    platforms: tuple[str, ...] = ()  # as the build's provenance names them; () when it has none


_PROVENANCE = "buildx.build.provenance"


def metadata_platforms(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The platforms built, from the provenance buildx writes to its metadata file
    (``BUILDX_METADATA_PROVENANCE``, on by default): one ``buildx.build.provenance/<platform>``
    key per platform of a multi-platform build; for a single platform one key, whose build
    environment names the platform (the builder's own, as nothing else was asked)."""
    keyed = [key.split("/", 1)[1] for key in data if key.startswith(_PROVENANCE + "/")]
    if keyed:
        return tuple(keyed)
    provenance = data.get(_PROVENANCE)
    if not isinstance(provenance, Mapping):
        return ()
    environment = (provenance.get("invocation") or {}).get("environment") or {}
    platform = environment.get("platform") if isinstance(environment, Mapping) else None
    return (platform,) if isinstance(platform, str) and PLATFORM.fullmatch(platform) else ()


def read_metadata(text: str) -> BuildMetadata:
    """``containerimage.digest``, the descriptor's media type and the platforms built from
    buildx's metadata."""
    data: Mapping[str, Any] = json.loads(text or "{}")
    digest = str(data.get("containerimage.digest", ""))
    descriptor = data.get("containerimage.descriptor") or {}
    if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
        raise ValueError("buildx wrote no image digest to its metadata file")
    return BuildMetadata(digest, str(descriptor.get("mediaType", "")), metadata_platforms(data))


@dataclass(frozen=True)
class Builder:
    kind: str  # "buildx" or "classic"
    reason: str  # for the log: which builder and why

    @property
    def is_buildx(self) -> bool:
        return self.kind == "buildx"


def choose_builder(wanted: str, probe: Callable[[], str | None], env: Mapping[str, str]) -> Builder:
    """``auto``: buildx when ``probe()`` (``docker buildx version``) answers, else the classic
    builder. ``buildx`` without the plugin is an input error; ``classic`` never probes."""
    if wanted == "classic":
        return Builder("classic", "classic builder (docker build, BuildKit): asked by input")
    version = probe()
    named = env.get("BUILDX_BUILDER")
    where = f"builder {named}" if named else "the current builder"
    if version:
        return Builder("buildx", f"buildx {version} ({where})")
    if wanted == "buildx":
        raise InputError("builder", "buildx to be available to the docker client", "buildx")
    return Builder(
        "classic",
        "classic builder (docker build, BuildKit): the docker client has no buildx plugin",
    )


def check_classic(
    platforms: Sequence[str],
    attestations: Attestations,
    provenance_given: bool,
    cache_from: Sequence[str],
    cache_to: Sequence[str],
) -> None:
    """What the classic builder cannot do, refused before anything runs."""
    if len(platforms) > 1:
        raise InputError(
            "platforms", "one platform with the classic builder (buildx is not available)",
            ",".join(platforms),
        )  # fmt: skip
    if attestations.sbom:
        raise InputError("sbom", "false with the classic builder (buildx is not available)", "true")
    if provenance_given and attestations.provenance != "false":
        raise InputError(
            "provenance",
            "false with the classic builder (buildx is not available)",
            attestations.provenance,
        )
    for spec in cache_to:
        if spec.strip() != "type=inline":
            raise InputError(
                "cache-to", "type=inline (the only cache export of the classic builder)", spec
            )
    for spec in cache_from:
        if spec.startswith("type=") and not spec.startswith("type=registry,"):
            raise InputError(
                "cache-from", "image references (the classic builder has no other cache)", spec
            )
