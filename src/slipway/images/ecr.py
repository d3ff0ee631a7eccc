"""The ECR repository an image goes to: its settings from the action's inputs, making sure it
exists, and the registry login ``get_authorization_token`` gives."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slipway.gha.inputs import InputError

MUTABILITY = ("IMMUTABLE", "MUTABLE")
ENCRYPTION = ("AES256", "KMS")


@dataclass(frozen=True)
class RepositorySettings:
    name: str
    registry_id: str | None = None
    tag_mutability: str = "IMMUTABLE"
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
            "imageTagMutability": self.tag_mutability,
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


def ensure_repository(
    ecr: Any,
    settings: RepositorySettings,
    *,
    create: bool,
    log: Callable[[str], None] = lambda _: None,
) -> bool:
    """Make sure the repository exists (creating it when ``create``) and carries the lifecycle
    policy; True when it was created."""
    ids = {"registryId": settings.registry_id} if settings.registry_id else {}
    created = False
    try:
        ecr.describe_repositories(repositoryNames=[settings.name], **ids)
        log(f"repository {settings.name} exists")
    except ecr.exceptions.RepositoryNotFoundException:
        if not create:
            raise LookupError(
                f"ECR repository '{settings.name}' does not exist (create-repository is false)"
            ) from None
        ecr.create_repository(**settings.create_request())
        created = True
        log(
            f"created repository {settings.name} ({settings.tag_mutability}, scan on push "
            f"{'on' if settings.scan_on_push else 'off'}, {settings.encryption})"
        )
    if settings.lifecycle_policy:
        ecr.put_lifecycle_policy(
            repositoryName=settings.name, lifecyclePolicyText=settings.lifecycle_policy, **ids
        )
        log(f"lifecycle policy set on {settings.name}")
    return created


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
