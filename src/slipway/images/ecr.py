"""The ECR repository an image goes to: its settings from the action's inputs, making sure it
exists, and the registry login ``get_authorization_token`` gives."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slipway.gha.inputs import InputError
from slipway.images.mutability import MUTABILITY, TagMutability

__all__ = ["ENCRYPTION", "MUTABILITY", "RegistryLogin", "Repository", "RepositorySettings"]

ENCRYPTION = ("AES256", "KMS")


@dataclass(frozen=True)
class RepositorySettings:
    name: str
    registry_id: str | None = None
    tag_mutability: TagMutability = field(default_factory=TagMutability)
    scan_on_push: bool = True
    encryption: str = "AES256"
    kms_key: str | None = None
    lifecycle_policy: str | None = None  # JSON text

    def create_request(self) -> dict[str, Any]:
        """The ``create_repository`` arguments."""
        encryption: dict[str, str] = {"encryptionType": self.encryption}
        if self.kms_key:
            encryption["kmsKey"] = self.kms_key
        request: dict[str, Any] = {
            "repositoryName": self.name,
            **self.tag_mutability.request(),
            "imageScanningConfiguration": {"scanOnPush": self.scan_on_push},
            "encryptionConfiguration": encryption,
        }
        if self.registry_id:
            request["registryId"] = self.registry_id
        return request


def parse_lifecycle_policy(text: str | None, base: Path) -> str | None:
    """The lifecycle policy as compact JSON: ``text`` itself when it is JSON, else the file it
    names (relative to ``base``). It must be an object with a non-empty ``rules`` list."""
    if not text:
        return None
    if text.lstrip().startswith("{"):
        source = text
    else:
        file = base / text
        if not file.is_file():
            raise InputError("lifecycle-policy", "a JSON policy or the path of a JSON file", text)
        source = file.read_text()
    try:
        policy = json.loads(source)
    except json.JSONDecodeError as error:
        raise InputError(
            "lifecycle-policy", f"valid JSON ({error.msg} at line {error.lineno})", text
        ) from None
    if not isinstance(policy, dict) or not isinstance(policy.get("rules"), list):
        raise InputError("lifecycle-policy", 'a JSON object with a "rules" list', text)
    if not policy["rules"]:
        raise InputError("lifecycle-policy", "at least one rule", text)
    return json.dumps(policy, separators=(",", ":"))


@dataclass(frozen=True)
class Repository:
    """The repository as ECR has it: what decides which tags may be written."""

    name: str
    mutability: TagMutability
    created: bool


def ensure_repository(
    ecr: Any,
    settings: RepositorySettings,
    *,
    create: bool,
    log: Callable[[str], None] = lambda _: None,
) -> Repository:
    """Make sure the repository exists (creating it when ``create``) and carries the lifecycle
    policy; its tag mutability as ECR reports it."""
    ids = {"registryId": settings.registry_id} if settings.registry_id else {}
    created = False
    try:
        found = ecr.describe_repositories(repositoryNames=[settings.name], **ids)
        mutability = TagMutability.from_repository(found["repositories"][0])
        log(f"repository {settings.name} exists ({mutability.describe()})")
    except ecr.exceptions.RepositoryNotFoundException:
        if not create:
            raise LookupError(
                f"ECR repository '{settings.name}' does not exist (create-repository is false)"
            ) from None
        made = ecr.create_repository(**settings.create_request())
        mutability = TagMutability.from_repository(made["repository"])
        created = True
        log(
            f"created repository {settings.name} ({mutability.describe()}, scan on push "
            f"{'on' if settings.scan_on_push else 'off'}, {settings.encryption})"
        )
    if settings.lifecycle_policy:
        ecr.put_lifecycle_policy(
            repositoryName=settings.name, lifecyclePolicyText=settings.lifecycle_policy, **ids
        )
        log(f"lifecycle policy set on {settings.name}")
    return Repository(settings.name, mutability, created)


@dataclass(frozen=True)
class RegistryLogin:
    username: str
    password: str
    endpoint: str


def decode_authorization(data: dict[str, Any]) -> RegistryLogin:
    """``AWS:<password>`` out of one ``authorizationData`` entry."""
    decoded = base64.b64decode(data["authorizationToken"]).decode()
    username, sep, password = decoded.partition(":")
    if not sep:
        raise ValueError("ECR authorization token is not user:password")
    return RegistryLogin(username, password, str(data.get("proxyEndpoint", "")))


def authorization(ecr: Any, registry_id: str | None) -> RegistryLogin:
    """The registry login for ``registry_id`` (the caller's account when None)."""
    ids = {"registryIds": [registry_id]} if registry_id else {}
    response = ecr.get_authorization_token(**ids)
    return decode_authorization(response["authorizationData"][0])


class TagCollisionError(RuntimeError):
    """ECR refused to point ``tag`` at the image: it names another one."""

    def __init__(self, tag: str, existing: str) -> None:
        super().__init__(f"tag {tag} names {existing or 'another image'}")
        self.tag = tag
        self.existing = existing


def put_tags(
    ecr: Any, repository: str, registry_id: str | None, digest: str, tags: list[str]
) -> list[str]:
    """Add ``tags`` to the image ``digest`` with ECR's API (BatchGetImage, then PutImage per
    tag: the retagging AWS documents); the tags written. A refusal raises
    :class:`TagCollisionError`: ECR's ``ImageTagAlreadyExistsException``, or the
    ``ImageAlreadyExistsException`` ECR gives for a push that changes nothing (and moto gives
    for a collision), told apart by what the tag names afterwards."""
    from botocore.exceptions import ClientError

    from slipway.images.mutability import COLLISION_ERROR_CODES
    from slipway.images.registry import MANIFEST_TYPES

    ids = {"registryId": registry_id} if registry_id else {}
    found = ecr.batch_get_image(
        repositoryName=repository,
        imageIds=[{"imageDigest": digest}],
        acceptedMediaTypes=list(MANIFEST_TYPES),
        **ids,
    )["images"]
    if not found:
        raise LookupError(f"ECR repository {repository} has no image {digest}")
    manifest = found[0]["imageManifest"]
    media_type = found[0].get("imageManifestMediaType")
    written = []
    for tag in tags:
        request: dict[str, Any] = {
            "repositoryName": repository,
            "imageManifest": manifest,
            "imageTag": tag,
            "imageDigest": digest,
            **ids,
        }
        if media_type:
            request["imageManifestMediaType"] = media_type
        try:
            ecr.put_image(**request)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in COLLISION_ERROR_CODES:
                raise
            now = _tag_digest(ecr, repository, tag, ids)
            if now != digest:
                raise TagCollisionError(tag, now or "") from None
            continue  # the tag named this image already: nothing changed
        written.append(tag)
    return written


def _tag_digest(ecr: Any, repository: str, tag: str, ids: dict[str, str]) -> str | None:
    try:
        images = ecr.describe_images(
            repositoryName=repository, imageIds=[{"imageTag": tag}], **ids
        )["imageDetails"]
    except ecr.exceptions.ImageNotFoundException:
        return None
    return str(images[0]["imageDigest"]) if images else None
