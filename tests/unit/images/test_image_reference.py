from __future__ import annotations

import pytest

from slipway.images.reference import (
    EcrRegistry,
    ImageReference,
    ImageReferenceError,
    ecr_registry_host,
    format_reference,
    is_ecr_registry,
    parse_ecr_registry,
    parse_reference,
    validate_digest,
    validate_tag,
)

DIGEST = "sha256:" + "ab" * 32
ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("web", ImageReference("web")),
        ("web:1.2.3", ImageReference("web", tag="1.2.3")),
        ("team/web", ImageReference("team/web")),
        (f"{ECR}/team/web:abc", ImageReference("team/web", ECR, "abc")),
        (f"{ECR}/web@{DIGEST}", ImageReference("web", ECR, None, DIGEST)),
        (f"{ECR}/web:1@{DIGEST}", ImageReference("web", ECR, "1", DIGEST)),
        (
            "127.0.0.1:5000/slipway/hello:v1",
            ImageReference("slipway/hello", "127.0.0.1:5000", "v1"),
        ),
        ("localhost/app", ImageReference("app", "localhost")),
        ("localhost:5000/app", ImageReference("app", "localhost:5000")),
        ("Registry/app", ImageReference("app", "Registry")),
        ("[::1]:5000/app:x", ImageReference("app", "[::1]:5000", "x")),
        ("a__b/c-d--e.f:_T", ImageReference("a__b/c-d--e.f", tag="_T")),
        ("localhost:5000", ImageReference("localhost", tag="5000")),
    ],
)
def test_parse_and_format_round_trip(text: str, expected: ImageReference) -> None:
    assert parse_reference(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Web",
        "web:",
        "web@",
        "web@sha256:abc",
        f"web@sha256:{'AB' * 32}",
        "web:.bad",
        "web:" + "x" * 129,
        "team//web",
        "team/web/",
        "-web",
        "web_",
        "we b",
        "host:port/web",
        "bad_host.com/web",
        "a" * 256,
    ],
)
def test_invalid_references(text: str) -> None:
    with pytest.raises(ImageReferenceError):
        parse_reference(text)


def test_reference_parts() -> None:
    reference = parse_reference(f"{ECR}/team/web:1")
    assert reference.name == f"{ECR}/team/web"
    assert str(reference.with_tag(None).with_digest(DIGEST)) == f"{ECR}/team/web@{DIGEST}"
    assert str(reference.with_tag("2")) == f"{ECR}/team/web:2"
    with pytest.raises(ImageReferenceError):
        reference.with_tag("-no")
    assert format_reference("web") == "web"
    assert format_reference("web", "r.io", "t", DIGEST) == f"r.io/web:t@{DIGEST}"


def test_validators_return_their_argument() -> None:
    assert validate_tag("v1.2") == "v1.2"
    assert validate_digest(DIGEST) == DIGEST
    with pytest.raises(ImageReferenceError, match="not a Docker tag"):
        validate_tag("a+b")
    with pytest.raises(ImageReferenceError, match="not a digest"):
        validate_digest("md5:" + "a" * 32)
    assert issubclass(ImageReferenceError, ValueError)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        (ECR, EcrRegistry("123456789012", "eu-west-1")),
        (
            "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
            EcrRegistry("123456789012", "us-gov-west-1", fips=True),
        ),
        (
            "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
            EcrRegistry("123456789012", "cn-north-1"),
        ),
        ("123456789012.DKR.ECR.US-EAST-1.AMAZONAWS.COM", EcrRegistry("123456789012", "us-east-1")),
        ("12345678901.dkr.ecr.us-east-1.amazonaws.com", None),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com:443", None),
        ("123456789012.dkr.ecr.cn-north-1.amazonaws.com", None),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com.cn", None),
        ("public.ecr.aws", None),
        ("127.0.0.1:5000", None),
    ],
)
def test_parse_ecr_registry(host: str, expected: EcrRegistry | None) -> None:
    assert parse_ecr_registry(host) == expected
    assert is_ecr_registry(host) is (expected is not None)


def test_ecr_registry_hosts() -> None:
    assert ecr_registry_host("123456789012", "eu-west-1") == ECR
    assert (
        ecr_registry_host("123456789012", "us-gov-east-1", fips=True)
        == "123456789012.dkr.ecr-fips.us-gov-east-1.amazonaws.com"
    )
    assert (
        str(EcrRegistry("210987654321", "cn-northwest-1"))
        == "210987654321.dkr.ecr.cn-northwest-1.amazonaws.com.cn"
    )
    assert is_ecr_registry(None) is False
    with pytest.raises(ImageReferenceError, match="12-digit AWS account id"):
        EcrRegistry("1234", "us-east-1")
    with pytest.raises(ImageReferenceError, match="not an AWS region"):
        EcrRegistry("123456789012", "mars")
