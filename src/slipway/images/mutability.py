"""ECR's tag mutability, and which of an image's tags may be written to a repository.

A repository is ``MUTABLE``, ``IMMUTABLE``, or one of them with exceptions:
``IMMUTABLE_WITH_EXCLUSION`` (immutable, except the tags an exclusion filter matches) and
``MUTABLE_WITH_EXCLUSION`` (the reverse). A filter is a ``WILDCARD`` pattern of letters,
digits, ``.``, ``_``, ``-`` and at most two ``*``, each standing for any run of characters,
matched against the whole tag; a repository has one to five of them (botocore's ECR model:
``ImageTagMutabilityExclusionFilters``, min 1, max 5; ``ImageTagMutabilityExclusionFilterValue``
``^[0-9a-zA-Z._*-]{1,128}$``). ECR refuses to point an immutable tag at another image
(``ImageTagAlreadyExistsException``; a docker push reports ``tag invalid``).

:func:`plan_tags` is the pure decision slipway takes before it writes a tag: commit and
version tags are never rewritten, moving tags (a branch, ``latest``, ``X.Y`` and ``X``) are
written only where the repository lets them move.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from slipway.gha.inputs import InputError

MUTABILITY = ("IMMUTABLE_WITH_EXCLUSION", "IMMUTABLE", "MUTABLE", "MUTABLE_WITH_EXCLUSION")
WITH_EXCLUSION = ("IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION")
MAX_FILTERS = 5
MAX_WILDCARDS = 2
FILTER = re.compile(r"[0-9a-zA-Z._*-]{1,128}")


def wildcard_matches(pattern: str, tag: str) -> bool:
    """ECR's WILDCARD filter: ``*`` is any run of characters (also none); the rest is literal;
    the whole tag must match."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, tag) is not None


def parse_exclusion_filters(values: Sequence[str], input_name: str) -> tuple[str, ...]:
    """Filters as the API takes them, checked against its model; duplicates dropped."""
    filters = list(dict.fromkeys(value.strip() for value in values if value.strip()))
    for value in filters:
        if not FILTER.fullmatch(value) or value.count("*") > MAX_WILDCARDS:
            raise InputError(
                input_name,
                "wildcard filters of 1 to 128 letters, digits, '.', '_', '-' and at most two '*'",
                value,
            )
    if len(filters) > MAX_FILTERS:
        raise InputError(input_name, f"at most {MAX_FILTERS} filters", ", ".join(filters))
    return tuple(filters)


@dataclass(frozen=True)
class TagMutability:
    """A repository's ``imageTagMutability`` and its exclusion filters."""

    setting: str = "IMMUTABLE_WITH_EXCLUSION"
    filters: tuple[str, ...] = ()

    @classmethod
    def from_repository(cls, repository: Mapping[str, Any]) -> TagMutability:
        """From a ``describe_repositories`` item (MUTABLE when ECR leaves it out)."""
        filters = tuple(
            str(item.get("filter", ""))
            for item in repository.get("imageTagMutabilityExclusionFilters") or []
            if item.get("filterType", "WILDCARD") == "WILDCARD"
        )
        return cls(str(repository.get("imageTagMutability") or "MUTABLE"), filters)

    def request(self) -> dict[str, Any]:
        """The ``imageTagMutability`` (and filters) arguments of a create or put call."""
        request: dict[str, Any] = {"imageTagMutability": self.setting}
        if self.setting in WITH_EXCLUSION:
            request["imageTagMutabilityExclusionFilters"] = [
                {"filterType": "WILDCARD", "filter": value} for value in self.filters
            ]
        return request

    def excluded(self, tag: str) -> bool:
        return any(wildcard_matches(pattern, tag) for pattern in self.filters)

    def lets_move(self, tag: str) -> bool:
        """Whether ``tag`` may be pointed at another image once it exists."""
        if self.setting == "MUTABLE":
            return True
        if self.setting == "IMMUTABLE":
            return False
        if self.setting == "IMMUTABLE_WITH_EXCLUSION":
            return self.excluded(tag)
        return not self.excluded(tag)  # MUTABLE_WITH_EXCLUSION

    def describe(self) -> str:
        """``IMMUTABLE_WITH_EXCLUSION (excluded: latest, main)``: the setting as a reader needs
        it in an error."""
        if self.setting in WITH_EXCLUSION:
            return f"{self.setting} (excluded: {', '.join(self.filters) or 'none'})"
        return self.setting


@dataclass(frozen=True)
class TagCollision:
    tag: str
    existing: str  # digest the tag names now
    reason: str


@dataclass
class TagPlan:
    """What to do with each tag of an image: write it, leave it (it already names the image),
    skip it (a moving tag the repository keeps still), or fail (a collision)."""

    write: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    collisions: list[TagCollision] = field(default_factory=list)


def plan_tags(
    tags: Iterable[str],
    *,
    moving: Iterable[str],
    fixed: Iterable[str],
    mutability: TagMutability,
    existing: Mapping[str, str | None],
    digest: str | None,
) -> TagPlan:
    """Decide each tag's fate for an image of ``digest`` (None: not built yet, so every tag
    that exists names another image).

    ``moving`` tags are meant to move (branch, ``latest``, ``X.Y``, ``X``): written only when
    the repository lets them move, else skipped. ``fixed`` tags (commit SHA, short SHA, full
    version) are never rewritten, whatever the repository allows. Any other tag (a custom
    one) is written when it is new or may move. ``existing`` maps a tag to the digest it names
    now (None or missing: the tag does not exist).
    """
    moving_set, fixed_set = set(moving), set(fixed)
    plan = TagPlan()
    for tag in tags:
        current = existing.get(tag)
        if tag in moving_set:
            if not mutability.lets_move(tag):
                plan.skipped.append(tag)
            elif current is not None and current == digest:
                plan.present.append(tag)
            else:
                plan.write.append(tag)
            continue
        if current is None:
            plan.write.append(tag)
        elif current == digest:
            plan.present.append(tag)
        elif tag in fixed_set:
            plan.collisions.append(
                TagCollision(tag, current, "a commit or version tag is never rewritten")
            )
        elif mutability.lets_move(tag):
            plan.write.append(tag)
        else:
            plan.collisions.append(
                TagCollision(tag, current, f"the repository is {mutability.describe()}")
            )
    return plan


def collision_message(repository: str, collision: TagCollision, mutability: TagMutability) -> str:
    """One line: which tag, what it names, and the repository's setting."""
    return (
        f"tag {collision.tag} of {repository} already names {collision.existing} and cannot be "
        f"rewritten ({collision.reason}; repository setting {mutability.describe()})"
    )


def skipped_notice(repository: str, tags: Sequence[str], mutability: TagMutability) -> str:
    """Why moving tags were not pushed, and how to let them move."""
    listed = ", ".join(tags)
    return (
        f"{listed} not pushed to {repository}: the repository is {mutability.describe()}, so "
        f"{'this tag' if len(tags) == 1 else 'these tags'} could never move to a later image; "
        "add an exclusion filter matching them (IMMUTABLE_WITH_EXCLUSION) to push them"
    )


# How a registry reports a refused overwrite: ECR's API exception names (moto raises the
# second for the same case) and the registry error a docker push prints (``tag invalid: The
# image tag 'main' already exists in the 'shop/web' repository and cannot be overwritten
# because the repository is immutable.``).
COLLISION_ERROR_CODES = ("ImageTagAlreadyExistsException", "ImageAlreadyExistsException")
_PUSH_REFUSAL = re.compile(
    r"The image tag '(?P<tag>[^']+)' already exists in the '(?P<repository>[^']+)' repository"
)
# BuildKit reports a refused manifest PUT by its URL and status only.
_BUILDKIT_REFUSAL = re.compile(r"PUT request to \S+/manifests/(?P<tag>[A-Za-z0-9_][\w.-]*): 400")


def refused_tag(output: str) -> str | None:
    """The tag a registry refused to overwrite, from a push's output or error text."""
    match = _PUSH_REFUSAL.search(output) or _BUILDKIT_REFUSAL.search(output)
    return match["tag"] if match else None
