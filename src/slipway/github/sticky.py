"""Sticky pull-request comments: one comment per key, updated in place on every run.

A sticky comment starts with a hidden marker derived from its key (for example
``infra/envs|prod|s3``)::

    <!-- slipway:sticky:0123456789abcdef -->
    <!-- slipway:key: infra/envs|prod|s3 -->
    ...body...

Only comments written by slipway's own login count: anyone can paste a marker, and GitHub
refuses edits of other people's comments anyway. When concurrent runs left several marked
comments, the newest is kept and the older ones are minimized as outdated.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from slipway.github.client import (
    GitHubApiError,
    GitHubContext,
    describe_error,
    graphql_url,
    resolve_login,
)
from slipway.github.comments import MAX_BODY_CHARS, CommentRef, fit_body, list_comments

if TYPE_CHECKING:
    from github import Github

MARKER_PREFIX = "<!-- slipway:sticky:"
# First line given to a duplicate once it is minimized, so later runs leave it alone.
RETIRED_PREFIX = "<!-- slipway:sticky-outdated:"

StickyAction = Literal["created", "updated", "unchanged", "skipped"]
StickyStep = Literal["create", "update", "unchanged", "skip"]

MINIMIZE_MUTATION = (
    "mutation($subjectId: ID!) { minimizeComment(input: "
    "{subjectId: $subjectId, classifier: OUTDATED}) { minimizedComment { isMinimized } } }"
)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def marker(key: str) -> str:
    """The hidden first line that identifies the sticky comment of ``key``."""
    return f"{MARKER_PREFIX}{key_hash(key)} -->"


def _comment_safe(text: str) -> str:
    """Text that cannot end an HTML comment early."""
    return " ".join(text.replace("--", "- -").replace(">", "&gt;").split())


def render_sticky(key: str, body: str) -> str:
    """The full comment body: marker, the key for humans (hidden), then ``body``."""
    return fit_body(f"{marker(key)}\n<!-- slipway:key: {_comment_safe(key)} -->\n{body}")


def body_room(key: str) -> int:
    """How long a body may be so that ``render_sticky(key, body)`` is not cut."""
    header = render_sticky(key, "")
    return MAX_BODY_CHARS - len(header)


def has_marker(body: str, key: str) -> bool:
    """Whether ``body``'s first line is the marker of ``key``."""
    first_line = body.lstrip("\ufeff").split("\n", 1)[0].strip()
    return first_line == marker(key)


@dataclass(frozen=True)
class StickyPlan:
    """Which of our comments to update in place, and which duplicates to minimize."""

    update_id: int | None
    minimize_node_ids: list[str] = field(default_factory=list)


def plan_sticky_actions(comments: list[CommentRef], key: str, bot_login: str) -> StickyPlan:
    """Update the newest marked comment written by ``bot_login``; minimize older ones.

    Comments by anyone else are ignored even when they carry the marker.
    """
    login = bot_login.casefold()
    ours = sorted(
        (c for c in comments if c.author.casefold() == login and has_marker(c.body, key)),
        key=lambda c: (c.created_at, c.id),
    )
    if not ours:
        return StickyPlan(update_id=None, minimize_node_ids=[])
    return StickyPlan(
        update_id=ours[-1].id,
        minimize_node_ids=[c.node_id for c in ours[:-1] if c.node_id],
    )


def decide_sticky_step(
    plan: StickyPlan,
    current_body: str | None,
    new_body: str,
    *,
    only_if_changes: bool,
    has_changes: bool,
) -> StickyStep:
    """What to do with the sticky comment.

    With ``only_if_changes`` and a plan without changes, nothing is created; an existing
    comment is still updated so that no reviewer reads an old plan as the current one.
    """
    if plan.update_id is None:
        return "skip" if only_if_changes and not has_changes else "create"
    return "unchanged" if current_body == new_body else "update"


@dataclass(frozen=True)
class StickyResult:
    action: StickyAction
    comment_id: int | None
    url: str | None
    minimized: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def minimize_comment(gh: Github, ctx: GitHubContext, node_id: str) -> None:
    """Hide a comment as outdated (GraphQL ``minimizeComment``; REST has no equivalent)."""
    from github import GithubException

    try:
        _, data = gh.requester.requestJsonAndCheck(
            "POST",
            graphql_url(ctx.api_url),
            input={"query": MINIMIZE_MUTATION, "variables": {"subjectId": node_id}},
        )
    except GithubException as error:
        raise GitHubApiError(
            f"cannot minimize comment {node_id}: {describe_error(error)}"
        ) from None
    errors = data.get("errors") if isinstance(data, dict) else None
    if errors:
        messages = "; ".join(str(e.get("message", e)) for e in errors if isinstance(e, dict))
        raise GitHubApiError(f"cannot minimize comment {node_id}: {messages or errors}")


def _retire(body: str) -> str:
    first, _, rest = body.partition("\n")
    return first.replace(MARKER_PREFIX, RETIRED_PREFIX, 1) + ("\n" + rest if rest else "")


def upsert_sticky_comment(
    gh: Github,
    ctx: GitHubContext,
    pr_number: int,
    key: str,
    body: str,
    *,
    only_if_changes: bool,
    has_changes: bool,
    bot_login: str | None = None,
) -> StickyResult:
    """Create or update the sticky comment of ``key`` on pull request ``pr_number``.

    ``body`` describes the current plan (a plan without changes should say so: it replaces
    an older plan's comment). ``bot_login`` defaults to the token's login.
    """
    from github import GithubException

    login = bot_login or resolve_login(gh)
    comments = list_comments(gh, ctx, pr_number)
    plan = plan_sticky_actions(comments, key, login)
    full_body = render_sticky(key, body)
    by_id = {c.id: c for c in comments}
    current = by_id[plan.update_id].body if plan.update_id is not None else None
    step = decide_sticky_step(
        plan, current, full_body, only_if_changes=only_if_changes, has_changes=has_changes
    )

    repo = gh.get_repo(ctx.repository)
    action: StickyAction
    comment_id: int | None = None
    url: str | None = None
    try:
        if step == "skip":
            action = "skipped"
        elif step == "create":
            created = repo.get_issue(pr_number).create_comment(full_body)
            action, comment_id, url = "created", created.id, created.html_url
        elif step == "update":
            assert plan.update_id is not None
            url = _edit_comment(gh, ctx, plan.update_id, full_body)
            action, comment_id = "updated", plan.update_id
        else:
            assert plan.update_id is not None
            existing = by_id[plan.update_id]
            action, comment_id, url = "unchanged", existing.id, existing.html_url
    except GithubException as error:
        raise GitHubApiError(
            f"cannot write the sticky comment on #{pr_number} in {ctx.repository}: "
            f"{describe_error(error)}"
        ) from None

    # Duplicates (left by concurrent runs) are tidied after the comment that matters.
    minimized: list[str] = []
    warnings: list[str] = []
    for node_id in plan.minimize_node_ids:
        duplicate = next(c for c in comments if c.node_id == node_id)
        try:
            minimize_comment(gh, ctx, node_id)
            _edit_comment(gh, ctx, duplicate.id, _retire(duplicate.body))
            minimized.append(node_id)
        except GithubException as error:
            warnings.append(
                f"duplicate sticky comment {duplicate.id} not retired: {describe_error(error)}"
            )
        except GitHubApiError as error:
            warnings.append(f"duplicate sticky comment {duplicate.id} not retired: {error}")
    return StickyResult(action, comment_id, url, minimized, warnings)


def _edit_comment(gh: Github, ctx: GitHubContext, comment_id: int, body: str) -> str:
    """``PATCH`` an issue comment by id (PyGithub has no by-id accessor); its web URL."""
    _, data = gh.requester.requestJsonAndCheck(
        "PATCH", f"/repos/{ctx.repository}/issues/comments/{comment_id}", input={"body": body}
    )
    return str(data.get("html_url") or "")
