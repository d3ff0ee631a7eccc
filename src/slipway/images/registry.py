"""The Registry HTTP API v2, for what the docker CLI cannot do cheaply: asking whether a tag
exists (and its digest) without pulling, and adding a tag to a manifest already pushed.

Plain HTTP for a registry on the loopback interface (``127.0.0.1``, ``localhost``, ``[::1]``),
HTTPS otherwise; basic authentication when credentials are given (ECR accepts the
``AWS:<password>`` pair its authorization token decodes to).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
)
_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
TIMEOUT_S = 30.0


class RegistryError(RuntimeError):
    """The registry answered something other than what the API documents."""


class TagRefusedError(RegistryError):
    """The registry refused to point a tag at another image (ECR: ``TAG_INVALID``)."""

    def __init__(self, tag: str, detail: str) -> None:
        super().__init__(f"the registry refused tag {tag}: {detail}")
        self.tag = tag


@dataclass(frozen=True)
class Manifest:
    digest: str
    media_type: str
    body: bytes


def registry_base_url(host: str) -> str:
    """``http://127.0.0.1:5000`` for a loopback registry, ``https://<host>`` otherwise."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    scheme = "http" if name in _LOOPBACK else "https"
    return f"{scheme}://{host}"


def manifest_url(host: str, repository: str, reference: str) -> str:
    """``<base>/v2/<repository>/manifests/<tag or digest>``."""
    return f"{registry_base_url(host)}/v2/{repository}/manifests/{reference}"


def basic_auth(username: str, password: str) -> str:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return f"Basic {token}"


@dataclass(frozen=True)
class RegistryClient:
    host: str
    username: str | None = None
    password: str | None = None

    def _request(
        self,
        method: str,
        repository: str,
        reference: str,
        *,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> urllib.request.Request:
        headers = {"Accept": ", ".join(MANIFEST_TYPES)}
        if self.username is not None and self.password is not None:
            headers["Authorization"] = basic_auth(self.username, self.password)
        if content_type is not None:
            headers["Content-Type"] = content_type
        return urllib.request.Request(
            manifest_url(self.host, repository, reference),
            data=body,
            headers=headers,
            method=method,
        )

    def head_manifest(self, repository: str, reference: str) -> str | None:
        """The digest of ``repository:reference``, or None when the registry does not have it."""
        try:
            with urllib.request.urlopen(
                self._request("HEAD", repository, reference), timeout=TIMEOUT_S
            ) as response:
                digest = response.headers.get("Docker-Content-Digest")
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise RegistryError(
                f"HEAD {repository}:{reference} on {self.host}: HTTP {error.code}"
            ) from None
        except OSError as error:
            raise RegistryError(f"registry {self.host} unreachable: {error}") from None
        if not digest:
            raise RegistryError(f"{self.host} gave no Docker-Content-Digest for {reference}")
        return str(digest)

    def get_manifest(self, repository: str, reference: str) -> Manifest:
        try:
            with urllib.request.urlopen(
                self._request("GET", repository, reference), timeout=TIMEOUT_S
            ) as response:
                body = response.read()
                return Manifest(
                    digest=str(response.headers.get("Docker-Content-Digest", "")),
                    media_type=str(response.headers.get("Content-Type", "")).split(";")[0],
                    body=body,
                )
        except urllib.error.HTTPError as error:
            raise RegistryError(
                f"GET {repository}:{reference} on {self.host}: HTTP {error.code}"
            ) from None
        except OSError as error:
            raise RegistryError(f"registry {self.host} unreachable: {error}") from None

    def get_blob(self, repository: str, digest: str) -> bytes:
        request = self._request("GET", repository, digest)
        request.full_url = f"{registry_base_url(self.host)}/v2/{repository}/blobs/{digest}"
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as error:
            raise RegistryError(
                f"GET blob {repository}@{digest} on {self.host}: HTTP {error.code}"
            ) from None
        except OSError as error:
            raise RegistryError(f"registry {self.host} unreachable: {error}") from None

    def put_manifest(self, repository: str, tag: str, manifest: Manifest) -> str:
        """Store ``manifest`` under ``tag`` (a new tag for an image already pushed)."""
        request = self._request(
            "PUT", repository, tag, body=manifest.body, content_type=manifest.media_type
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                return str(response.headers.get("Docker-Content-Digest") or manifest.digest)
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace").strip()[:300]
            if error.code == 400 and "TAG_INVALID" in detail:
                raise TagRefusedError(tag, detail) from None
            raise RegistryError(
                f"PUT {repository}:{tag} on {self.host}: HTTP {error.code} {detail}"
            ) from None
        except OSError as error:
            raise RegistryError(f"registry {self.host} unreachable: {error}") from None

    def add_tags(self, repository: str, digest: str, tags: list[str]) -> list[str]:
        """Point each of ``tags`` at ``digest`` (the manifest stored again under the tag);
        the tags written."""
        if not tags:
            return []
        manifest = self.get_manifest(repository, digest)
        for tag in tags:
            self.put_manifest(repository, tag, manifest)
        return list(tags)


INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)


@dataclass(frozen=True)
class PlatformImage:
    platform: str  # linux/arm64, linux/arm/v7
    digest: str


def format_platform(platform: Mapping[str, Any]) -> str:
    text = f"{platform.get('os', '')}/{platform.get('architecture', '')}"
    return f"{text}/{platform['variant']}" if platform.get("variant") else text


def index_images(index: Mapping[str, Any]) -> list[PlatformImage]:
    """The runnable images of an image index, without BuildKit's attestation manifests
    (annotated ``vnd.docker.reference.type: attestation-manifest``, platform unknown/unknown)."""
    images = []
    for entry in index.get("manifests", []):
        annotations = entry.get("annotations") or {}
        if annotations.get("vnd.docker.reference.type") == "attestation-manifest":
            continue
        platform = entry.get("platform") or {}
        if platform.get("os") in (None, "unknown"):
            continue
        images.append(PlatformImage(format_platform(platform), str(entry["digest"])))
    return images


def attestation_count(index: Mapping[str, Any]) -> int:
    return sum(
        1
        for entry in index.get("manifests", [])
        if (entry.get("annotations") or {}).get("vnd.docker.reference.type")
        == "attestation-manifest"
    )


def image_platforms(client: RegistryClient, repository: str, digest: str) -> list[PlatformImage]:
    """The platform images of ``digest``: an index's entries, or the one image a plain
    manifest is (its platform read from its config)."""
    manifest = client.get_manifest(repository, digest)
    body = json.loads(manifest.body)
    if manifest.media_type in INDEX_TYPES or "manifests" in body:
        return index_images(body)
    config = json.loads(client.get_blob(repository, str(body["config"]["digest"])))
    return [PlatformImage(format_platform(config), digest)]
