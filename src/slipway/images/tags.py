"""Which tags the ``ecr-build-push`` action gives an image.

For a commit ``sha`` built from ``ref``, in this order and without duplicates:

- the full 40-character commit SHA and its 7-character short form;
- for ``refs/heads/<branch>``: the branch name made a valid tag (lowercase, ``/`` → ``-``,
  other characters outside ``[a-z0-9_.-]`` → ``-``, no leading ``.``/``-``, at most 128
  characters);
- for ``refs/tags/vX.Y.Z`` (the ``v`` is optional): ``X.Y.Z``, ``X.Y`` and ``X``; a
  pre-release or build (``v1.2.3-rc.1``, ``v1.2.3+build.7``) gives only its full version,
  with ``+`` written ``-``; any other tag gives its name made a valid tag, like a branch;
- ``latest`` when asked;
- the custom tags, each checked against Docker's tag grammar.

:func:`tag_kinds` says which of them are fixed (the commit SHA, its short form, a git tag's
full version or name: never rewritten) and which are meant to move to later images (the
branch, ``latest``, and a release's ``X.Y`` and ``X``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from slipway.gha.inputs import InputError
from slipway.images.reference import TAG

SHORT_SHA_LENGTH = 7
MAX_TAG_LENGTH = 128
_SHA = re.compile(r"[0-9a-fA-F]{40}")
_NUMBER = r"0|[1-9][0-9]*"
_IDENTIFIERS = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
SEMVER_TAG = re.compile(
    rf"v?(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<prerelease>{_IDENTIFIERS}))?(?:\+(?P<build>{_IDENTIFIERS}))?"
)
_NOT_TAG_CHARACTER = re.compile(r"[^a-z0-9_.-]")
_TAG_EXPECTED = (
    "Docker tags of 1 to 128 letters, digits, '_', '.' or '-' that do not start with '.' or '-'"
)


def sanitize_tag(name: str) -> str:
    """``name`` (a branch or git tag) as a Docker tag; empty when nothing usable is left."""
    tag = _NOT_TAG_CHARACTER.sub("-", name.lower().replace("/", "-"))
    return tag.lstrip(".-")[:MAX_TAG_LENGTH]


def semver_tags(version: str) -> list[str]:
    """``1.2.3``, ``1.2``, ``1`` for ``v1.2.3``; only the full version for a pre-release or
    a build; ``[]`` when ``version`` is not semantic versioning."""
    match = SEMVER_TAG.fullmatch(version)
    if not match:
        return []
    major, minor, patch = match["major"], match["minor"], match["patch"]
    full = f"{major}.{minor}.{patch}"
    if match["prerelease"] is None and match["build"] is None:
        return [full, f"{major}.{minor}", major]
    if match["prerelease"] is not None:
        full += f"-{match['prerelease']}"
    if match["build"] is not None:
        full += f"-{match['build']}"
    return [full[:MAX_TAG_LENGTH]]


def ref_tags(ref: str) -> list[str]:
    """The tags that name ``ref``: a branch's sanitised name, a git tag's version(s)."""
    if ref.startswith("refs/heads/"):
        branch = sanitize_tag(ref.removeprefix("refs/heads/"))
        return [branch] if branch else []
    if ref.startswith("refs/tags/"):
        name = ref.removeprefix("refs/tags/")
        versions = semver_tags(name)
        if versions:
            return versions
        tag = sanitize_tag(name)
        return [tag] if tag else []
    return []


def validate_custom_tags(custom: Sequence[str]) -> list[str]:
    """The custom tags with surrounding blanks removed and empty entries dropped; raise
    :class:`~slipway.gha.inputs.InputError` naming input ``tags`` for an invalid one."""
    tags = []
    for item in custom:
        tag = item.strip()
        if not tag:
            continue
        if not TAG.fullmatch(tag):
            raise InputError("tags", _TAG_EXPECTED, tag)
        tags.append(tag)
    return tags


def compute_tags(sha: str, ref: str, *, latest: bool, custom: Sequence[str]) -> list[str]:
    """All tags for an image built from commit ``sha`` at ``ref`` (see the module docs)."""
    if not _SHA.fullmatch(sha):
        raise InputError("sha", "a full 40-character commit SHA", sha)
    full = sha.lower()
    candidates = [full, full[:SHORT_SHA_LENGTH], *ref_tags(ref)]
    if latest:
        candidates.append("latest")
    candidates.extend(validate_custom_tags(custom))
    return list(dict.fromkeys(candidates))


@dataclass(frozen=True)
class TagKinds:
    fixed: tuple[str, ...]  # name one image forever
    moving: tuple[str, ...]  # follow the newest image of a branch or release line


def tag_kinds(sha: str, ref: str, *, latest: bool) -> TagKinds:
    """Which computed tags are fixed and which move (custom tags are neither: the
    repository's setting decides for them)."""
    full = sha.lower()
    fixed = [full, full[:SHORT_SHA_LENGTH]]
    moving = []
    if ref.startswith("refs/heads/"):
        moving.extend(ref_tags(ref))
    elif ref.startswith("refs/tags/"):
        versions = ref_tags(ref)
        fixed.extend(versions[:1])
        moving.extend(versions[1:])
    if latest:
        moving.append("latest")
    return TagKinds(tuple(dict.fromkeys(fixed)), tuple(dict.fromkeys(moving)))
