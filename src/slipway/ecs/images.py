"""Parse the ``images`` input: which image each container of the task definition runs.

The grammar of an image reference is Docker's (distribution/reference): an optional registry
host (with an optional port), a lowercase repository path, an optional tag and an optional
``sha256`` digest. Everything is checked before any AWS call, so a typo fails the step with a
message naming the item instead of a task that cannot pull its image.
"""

from __future__ import annotations

import re

from slipway.gha.inputs import InputError
from slipway.images.reference import DIGEST, MAX_NAME_LENGTH, REGISTRY, REPOSITORY, TAG

# The key of an image given without ``name=``: the only container of the task definition.
ANY_CONTAINER = "*"

CONTAINER_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
_CONTAINER_EXPECTED = "a container name of 1 to 255 letters, digits, '-' or '_' before '='"


_IMAGE_EXAMPLE = (
    "an image reference such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.2.3 "
    "or …/web@sha256:<64 hex digits>"
)


def _split_registry(name: str) -> tuple[str | None, str]:
    """Docker's rule: the first component is a registry when it has '.' or ':', is
    ``localhost``, or has uppercase letters (repository paths are lowercase)."""
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        return first, rest
    return None, name


def image_problem(reference: str) -> str | None:
    """What a valid reference would look like (an "expected …" text for an error) when
    ``reference`` is not one, else ``None``."""
    if not reference or any(ch.isspace() for ch in reference):
        return _IMAGE_EXAMPLE + " (no spaces)"
    name, at, digest = reference.partition("@")
    if at and not DIGEST.fullmatch(digest):
        return "a digest written sha256:<64 lowercase hex digits> after '@'"
    # A ':' after the last '/' starts the tag; one before it belongs to a registry port.
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
        if not TAG.fullmatch(tag):
            return "a tag of up to 128 letters, digits, '_', '.' or '-' (not starting with those)"
    registry, repository = _split_registry(name)
    if registry is not None and not REGISTRY.fullmatch(registry):
        return "a registry host such as 123456789012.dkr.ecr.us-east-1.amazonaws.com"
    if not REPOSITORY.fullmatch(repository):
        return "a repository path of lowercase letters, digits and separators ('.', '_', '-')"
    if len(name) > MAX_NAME_LENGTH:
        return f"an image name of at most {MAX_NAME_LENGTH} characters"
    return None


def parse_image_map(text: str, input_name: str = "images") -> dict[str, str]:
    """``web=<image>,worker=<image>`` (commas or newlines) into ``{container: image}``.

    A single image without ``name=`` is kept under :data:`ANY_CONTAINER`; it is resolved to
    the task definition's only container when rendering. An empty input gives ``{}``.
    """
    items = [item.strip() for item in re.split(r"[\n,]", text) if item.strip()]
    result: dict[str, str] = {}
    for item in items:
        name, sep, image = item.partition("=")
        if not sep:
            if len(items) > 1:
                raise InputError(
                    input_name, "name=image for each container when several are given", item
                )
            name, image = ANY_CONTAINER, item
        elif not CONTAINER_NAME.fullmatch(name):
            raise InputError(input_name, _CONTAINER_EXPECTED, item)
        problem = image_problem(image)
        if problem is not None:
            raise InputError(input_name, problem, item)
        if name in result:
            raise InputError(input_name, "each container named once", item)
        result[name] = image
    return result
