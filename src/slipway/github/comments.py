"""Issue and pull-request comments as plain values (PR conversation comments are issue
comments in GitHub's API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slipway.github.client import GitHubApiError, GitHubContext, describe_error

if TYPE_CHECKING:
    from github import Github

# GitHub rejects comment and issue bodies longer than this (in characters).
MAX_BODY_CHARS = 65536


@dataclass(frozen=True)
class CommentRef:
    """What slipway needs of a comment to decide about it."""

    id: int
    node_id: str
    body: str
    author: str
    created_at: datetime
    html_url: str = ""


def comment_ref(comment: Any) -> CommentRef:
    """A :class:`CommentRef` from a PyGithub ``IssueComment``."""
    user = comment.user
    return CommentRef(
        id=int(comment.id),
        node_id=str(comment.node_id or ""),
        body=str(comment.body or ""),
        author=str(user.login) if user is not None else "",
        created_at=comment.created_at,
        html_url=str(comment.html_url or ""),
    )


def list_comments(gh: Github, ctx: GitHubContext, number: int) -> list[CommentRef]:
    """Every comment of issue or pull request ``number``, oldest first (all pages)."""
    from github import GithubException

    try:
        issue = gh.get_repo(ctx.repository).get_issue(number)
        return [comment_ref(comment) for comment in issue.get_comments()]
    except GithubException as error:
        raise GitHubApiError(
            f"cannot list comments of #{number} in {ctx.repository}: {describe_error(error)}"
        ) from None


def fit_body(body: str, limit: int = MAX_BODY_CHARS) -> str:
    """``body`` cut to GitHub's size limit, saying so, rather than a rejected request."""
    if len(body) <= limit:
        return body
    note = "\n\n… (truncated: GitHub limits a comment to 65536 characters)"
    return body[: limit - len(note)] + note
