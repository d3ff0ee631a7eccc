"""The ``images`` input: container=image items, Docker's reference grammar, one-line errors."""

from __future__ import annotations

import pytest

from slipway.ecs.images import ANY_CONTAINER, image_problem, parse_image_map
from slipway.gha.inputs import InputError

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
DIGEST = "sha256:" + "ab12" * 16


def test_names_and_images_separated_by_commas_and_newlines() -> None:
    text = f"web={ECR}/shop/web@{DIGEST},\n worker={ECR}/shop/worker:1.4.3\n\nproxy=nginx"
    assert parse_image_map(text) == {
        "web": f"{ECR}/shop/web@{DIGEST}",
        "worker": f"{ECR}/shop/worker:1.4.3",
        "proxy": "nginx",
    }


def test_empty_input_sets_no_image() -> None:
    assert parse_image_map("  \n ") == {}


def test_single_bare_image_is_for_the_only_container() -> None:
    assert parse_image_map(f"{ECR}/web:2") == {ANY_CONTAINER: f"{ECR}/web:2"}


@pytest.mark.parametrize(
    "reference",
    [
        "nginx",
        "library/nginx:1.27-alpine",
        "public.ecr.aws/docker/library/redis:7",
        "localhost:5000/shop/web:latest",
        "127.0.0.1:5000/web@" + DIGEST,
        f"{ECR}/shop/web:1.2.3@{DIGEST}",
        "Registry.Example.com:443/app:v1",  # a registry host may have uppercase letters
        "a__b/c-d.e:tag_1",
    ],
)
def test_valid_references(reference: str) -> None:
    assert image_problem(reference) is None
    assert parse_image_map(f"web={reference}") == {"web": reference}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"web={ECR}/web@sha256:abc",
            f"input 'images': expected a digest written sha256:<64 lowercase hex digits> after "
            f"'@', got 'web={ECR}/web@sha256:abc'",
        ),
        (
            "web=",
            "input 'images': expected an image reference such as "
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.2.3 or …/web@sha256:<64 hex "
            "digits> (no spaces), got 'web='",
        ),
        (
            "web=shop/web: 1",
            "input 'images': expected an image reference such as "
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.2.3 or …/web@sha256:<64 hex "
            "digits> (no spaces), got 'web=shop/web: 1'",
        ),
        (
            "web=Shop:1",
            "input 'images': expected a repository path of lowercase letters, digits and "
            "separators ('.', '_', '-'), got 'web=Shop:1'",
        ),
        (
            "web=shop/web:-bad",
            "input 'images': expected a tag of up to 128 letters, digits, '_', '.' or '-' (not "
            "starting with those), got 'web=shop/web:-bad'",
        ),
        (
            "my web=nginx",
            "input 'images': expected a container name of 1 to 255 letters, digits, '-' or '_' "
            "before '=', got 'my web=nginx'",
        ),
        (
            "web=nginx,web=nginx:2",
            "input 'images': expected each container named once, got 'web=nginx:2'",
        ),
        (
            "web=nginx\nnginx:2",
            "input 'images': expected name=image for each container when several are given, "
            "got 'nginx:2'",
        ),
        (
            "web=bad!host.io/x:1",
            "input 'images': expected a registry host such as "
            "123456789012.dkr.ecr.us-east-1.amazonaws.com, got 'web=bad!host.io/x:1'",
        ),
    ],
)
def test_errors_name_the_input_and_the_item(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_image_map(text)
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_error_names_the_given_input() -> None:
    with pytest.raises(InputError, match=r"^input 'sidecar-images': "):
        parse_image_map("web=", input_name="sidecar-images")


def test_too_long_name_and_tag() -> None:
    assert image_problem("a/" + "b" * 254) == "an image name of at most 255 characters"
    assert image_problem("web:" + "t" * 129) is not None
    assert image_problem("web:" + "t" * 128) is None
