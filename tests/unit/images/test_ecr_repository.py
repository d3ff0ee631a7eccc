"""The ECR repository from the action's inputs, ensured against moto in-process, the registry
login, and Registry HTTP API URLs."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from slipway.gha.inputs import InputError
from slipway.images.ecr import (
    Repository,
    RepositorySettings,
    TagCollisionError,
    authorization,
    decode_authorization,
    ensure_repository,
    parse_lifecycle_policy,
    put_tags,
)
from slipway.images.mutability import TagMutability
from slipway.images.registry import basic_auth, manifest_url, registry_base_url

POLICY = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "expire untagged images after a week",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 7,
            },
            "action": {"type": "expire"},
        }
    ]
}


@pytest.fixture
def ecr(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("ecr", region_name="eu-west-1")


def test_create_request() -> None:
    settings = RepositorySettings(
        name="acme/web", registry_id="222222222222", tag_mutability=TagMutability("IMMUTABLE"),
        scan_on_push=True, encryption="KMS", kms_key="alias/ecr",
    )  # fmt: skip
    assert settings.create_request() == {
        "repositoryName": "acme/web",
        "registryId": "222222222222",
        "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfiguration": {"encryptionType": "KMS", "kmsKey": "alias/ecr"},
    }
    assert RepositorySettings("web").create_request()["encryptionConfiguration"] == {
        "encryptionType": "AES256"
    }
    excepted = RepositorySettings("web", tag_mutability=TagMutability(filters=("latest", "main")))
    assert excepted.create_request()["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert excepted.create_request()["imageTagMutabilityExclusionFilters"] == [
        {"filterType": "WILDCARD", "filter": "latest"},
        {"filterType": "WILDCARD", "filter": "main"},
    ]


def test_lifecycle_policy_from_text_or_file(tmp_path: Path) -> None:
    assert parse_lifecycle_policy(None, tmp_path) is None
    compact = json.dumps(POLICY, separators=(",", ":"))
    assert parse_lifecycle_policy(json.dumps(POLICY, indent=2), tmp_path) == compact
    (tmp_path / "policy.json").write_text(json.dumps(POLICY))
    assert parse_lifecycle_policy("policy.json", tmp_path) == compact


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{not json",
            "input 'lifecycle-policy': expected valid JSON (Expecting property name "
            "enclosed in double quotes at line 1), got '{not json'",
        ),
        (
            '{"rules": {}}',
            "input 'lifecycle-policy': expected a JSON object with a \"rules\" "
            "list, got '{\"rules\": {}}'",
        ),
        (
            '{"rules": []}',
            "input 'lifecycle-policy': expected at least one rule, got '{\"rules\": []}'",
        ),
        (
            "missing.json",
            "input 'lifecycle-policy': expected a JSON policy or the path of a "
            "JSON file, got 'missing.json'",
        ),
    ],
)
def test_bad_lifecycle_policy(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        parse_lifecycle_policy(text, tmp_path)
    assert str(error.value) == message


def test_ensure_creates_with_the_settings_then_finds_it(ecr: Any) -> None:
    settings = RepositorySettings(
        name="acme/web", tag_mutability=TagMutability(filters=("latest", "main-*")),
        scan_on_push=True, lifecycle_policy=json.dumps(POLICY),
    )  # fmt: skip
    log: list[str] = []
    created = ensure_repository(ecr, settings, create=True, log=log.append)
    assert created.created is True
    assert created.mutability == TagMutability("IMMUTABLE_WITH_EXCLUSION", ("latest", "main-*"))
    repo = ecr.describe_repositories(repositoryNames=["acme/web"])["repositories"][0]
    assert repo["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert repo["imageTagMutabilityExclusionFilters"] == [
        {"filterType": "WILDCARD", "filter": "latest"},
        {"filterType": "WILDCARD", "filter": "main-*"},
    ]
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    assert (
        json.loads(ecr.get_lifecycle_policy(repositoryName="acme/web")["lifecyclePolicyText"])
        == POLICY
    )
    assert log[0] == (
        "created repository acme/web (IMMUTABLE_WITH_EXCLUSION (excluded: latest, main-*), "
        "scan on push on, AES256)"
    )
    found = ensure_repository(ecr, settings, create=True)
    assert found == Repository("acme/web", created.mutability, created=False)


def test_missing_repository_without_create(ecr: Any) -> None:
    with pytest.raises(
        LookupError, match=r"'acme/api' does not exist \(create-repository is false\)"
    ):
        ensure_repository(ecr, RepositorySettings("acme/api"), create=False)
    assert ecr.describe_repositories()["repositories"] == []


def test_authorization_token_decodes(ecr: Any) -> None:
    login = authorization(ecr, None)
    assert login.username == "AWS"
    assert login.password
    assert login.endpoint.startswith("https://")
    data = {"authorizationToken": base64.b64encode(b"AWS:pa:ss").decode(), "proxyEndpoint": "e"}
    assert decode_authorization(data).password == "pa:ss"


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("localhost:5000", "http://localhost:5000"),
        ("localhost", "http://localhost"),
        ("[::1]:5000", "http://[::1]:5000"),
        (
            "111122223333.dkr.ecr.eu-west-1.amazonaws.com",
            "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com",
        ),
        ("registry.example.com:5000", "https://registry.example.com:5000"),
    ],
)
def test_registry_base_url(host: str, url: str) -> None:
    assert registry_base_url(host) == url


def test_manifest_url_and_auth() -> None:
    assert manifest_url("127.0.0.1:5000", "acme/web", "main") == (
        "http://127.0.0.1:5000/v2/acme/web/manifests/main"
    )
    assert basic_auth("AWS", "pw") == "Basic " + base64.b64encode(b"AWS:pw").decode()


def _manifest(layer: str) -> str:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 2,
                "digest": "sha256:" + "c" * 64,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 3,
                    "digest": "sha256:" + layer * 64,
                }
            ],
        }
    )


def test_retagging_through_ecrs_api_and_its_refusals(ecr: Any) -> None:
    """ECR's documented retagging (BatchGetImage, PutImage per tag) on an IMMUTABLE
    repository: new tags are added, a tag already on the image changes nothing (ECR's
    ImageAlreadyExistsException), a tag on another image is a collision (AWS documents
    ImageTagAlreadyExistsException; moto raises ImageAlreadyExistsException for it too)."""
    ecr.create_repository(repositoryName="acme/web", imageTagMutability="IMMUTABLE")
    first = ecr.put_image(repositoryName="acme/web", imageManifest=_manifest("a"), imageTag="v1")
    digest = first["image"]["imageId"]["imageDigest"]
    other = ecr.put_image(repositoryName="acme/web", imageManifest=_manifest("b"), imageTag="v2")
    other_digest = other["image"]["imageId"]["imageDigest"]

    assert put_tags(ecr, "acme/web", None, digest, ["abc1234", "v1"]) == ["abc1234"]
    tags = ecr.describe_images(repositoryName="acme/web", imageIds=[{"imageDigest": digest}])
    assert sorted(tags["imageDetails"][0]["imageTags"]) == ["abc1234", "v1"]

    with pytest.raises(TagCollisionError) as error:
        put_tags(ecr, "acme/web", None, digest, ["v2"])
    assert (error.value.tag, error.value.existing) == ("v2", other_digest)
