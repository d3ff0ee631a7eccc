"""Image references: ``registry/repository:tag@sha256:digest`` and ECR registry hosts.

The grammar is Docker's (distribution/reference): an optional registry host with an optional
port, a lowercase repository path of ``/``-separated components, an optional tag and an
optional digest. The registry is the first path component only when it contains ``.`` or
``:``, is ``localhost``, or has uppercase letters; nothing is normalised (no implicit
``docker.io/library/``), so :func:`format_reference` gives back what was parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
REGISTRY = re.compile(rf"(?:{_HOST_LABEL}(?:\.{_HOST_LABEL})*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?")
REPOSITORY = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
MAX_NAME_LENGTH = 255

_REGION = r"[a-z]{2}(?:-[a-z]+)+-[0-9]+"
ECR_HOST = re.compile(
    rf"(?P<account>[0-9]{{12}})\.dkr\.(?P<service>ecr|ecr-fips)\.(?P<region>{_REGION})"
    r"\.(?P<suffix>amazonaws\.com|amazonaws\.com\.cn)"
)
ACCOUNT_ID = re.compile(r"[0-9]{12}")
REGION = re.compile(_REGION)


class ImageReferenceError(ValueError):
    """A text that is not a valid image reference (or part of one)."""


@dataclass(frozen=True)
class ImageReference:
    """A parsed image reference; ``str()`` formats it back."""

    repository: str
    registry: str | None = None
    tag: str | None = None
    digest: str | None = None

    def __post_init__(self) -> None:
        if self.registry is not None:
            validate_registry(self.registry)
        validate_repository(self.repository)
        if self.tag is not None:
            validate_tag(self.tag)
        if self.digest is not None:
            validate_digest(self.digest)
        if len(self.name) > MAX_NAME_LENGTH:
            raise ImageReferenceError(
                f"image name longer than {MAX_NAME_LENGTH} characters: {self.name!r}"
            )

    @property
    def name(self) -> str:
        """``registry/repository`` (or just the repository): the reference without tag/digest."""
        return f"{self.registry}/{self.repository}" if self.registry else self.repository

    def with_tag(self, tag: str | None) -> ImageReference:
        return ImageReference(self.repository, self.registry, tag, self.digest)

    def with_digest(self, digest: str | None) -> ImageReference:
        return ImageReference(self.repository, self.registry, self.tag, digest)

    def __str__(self) -> str:
        return format_reference(self.repository, self.registry, self.tag, self.digest)


def validate_registry(registry: str) -> str:
    """A registry host with an optional port (``127.0.0.1:5000``, ``[::1]:5000``)."""
    if not REGISTRY.fullmatch(registry):
        raise ImageReferenceError(f"not a registry host[:port]: {registry!r}")
    return registry


def validate_repository(repository: str) -> str:
    """A lowercase repository path such as ``team/web``."""
    if not REPOSITORY.fullmatch(repository):
        raise ImageReferenceError(
            f"not a repository path (lowercase letters, digits and separators '.', '_', '__', "
            f"'-' between '/'-separated components): {repository!r}"
        )
    return repository


def validate_tag(tag: str) -> str:
    """Docker's tag grammar: ``[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}``."""
    if not TAG.fullmatch(tag):
        raise ImageReferenceError(
            f"not a Docker tag (1 to 128 letters, digits, '_', '.' or '-', not starting with "
            f"'.' or '-'): {tag!r}"
        )
    return tag


def validate_digest(digest: str) -> str:
    """``sha256:`` followed by 64 lowercase hex digits."""
    if not DIGEST.fullmatch(digest):
        raise ImageReferenceError(f"not a digest sha256:<64 lowercase hex digits>: {digest!r}")
    return digest


def _split_registry(name: str) -> tuple[str | None, str]:
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        return first, rest
    return None, name


def parse_reference(text: str) -> ImageReference:
    """Parse ``[registry/]repository[:tag][@sha256:digest]``; raise :class:`ImageReferenceError`."""
    if not text or any(ch.isspace() for ch in text):
        raise ImageReferenceError(f"not an image reference: {text!r}")
    rest, at, digest = text.partition("@")
    if at and not digest:
        raise ImageReferenceError(f"empty digest after '@': {text!r}")
    registry, path = _split_registry(rest)
    # A ':' after the last '/' starts the tag (a ':' before it belongs to the registry port).
    repository, colon, tag = path.rpartition(":") if ":" in path else (path, "", "")
    if colon and not tag:
        raise ImageReferenceError(f"empty tag after ':': {text!r}")
    return ImageReference(
        repository=repository,
        registry=registry,
        tag=tag if colon else None,
        digest=digest if at else None,
    )


def format_reference(
    repository: str,
    registry: str | None = None,
    tag: str | None = None,
    digest: str | None = None,
) -> str:
    """``registry/repository:tag@digest`` with the absent parts left out."""
    text = f"{registry}/{repository}" if registry else repository
    if tag:
        text += f":{tag}"
    if digest:
        text += f"@{digest}"
    return text


@dataclass(frozen=True)
class EcrRegistry:
    """A private ECR registry: ``<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]``."""

    account_id: str
    region: str
    fips: bool = False

    def __post_init__(self) -> None:
        if not ACCOUNT_ID.fullmatch(self.account_id):
            raise ImageReferenceError(f"not a 12-digit AWS account id: {self.account_id!r}")
        if not REGION.fullmatch(self.region):
            raise ImageReferenceError(f"not an AWS region: {self.region!r}")

    @property
    def host(self) -> str:
        service = "ecr-fips" if self.fips else "ecr"
        suffix = "amazonaws.com.cn" if self.region.startswith("cn-") else "amazonaws.com"
        return f"{self.account_id}.dkr.{service}.{self.region}.{suffix}"

    def __str__(self) -> str:
        return self.host


def ecr_registry_host(account_id: str, region: str, *, fips: bool = False) -> str:
    """The registry host of an account's private ECR registry in a region."""
    return EcrRegistry(account_id, region, fips).host


def parse_ecr_registry(host: str) -> EcrRegistry | None:
    """The account and region of an ECR registry host (a port is not allowed); else None."""
    match = ECR_HOST.fullmatch(host.lower())
    if not match:
        return None
    china = match["region"].startswith("cn-")
    if china != (match["suffix"] == "amazonaws.com.cn"):
        return None
    return EcrRegistry(match["account"], match["region"], match["service"] == "ecr-fips")


def is_ecr_registry(host: str | None) -> bool:
    return host is not None and parse_ecr_registry(host) is not None
