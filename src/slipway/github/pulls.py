"""The pull requests behind a commit, and who took part in them.

``GET /repos/{owner}/{repo}/commits/{sha}/pulls`` lists the pull requests a commit belongs to
(for a merge commit on the default branch: the pull request it merged);
``GET /repos/{owner}/{repo}/pulls/{number}/commits`` lists a pull request's commits with
their authors and committers. The pure part picks the merged pull request and gathers the
people; the calls are thin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slipway.github.client import GitHubApiError, GitHubContext, describe_error

if TYPE_CHECKING:
    from github import Github

# GitHub lists at most 250 commits of a pull request through this endpoint.
_MAX_PAGES = 3


@dataclass(frozen=True)
class PullRequest:
    number: int
    author: str
    merged: bool
    merge_commit_sha: str
    html_url: str


def _pull(item: Mapping[str, Any]) -> PullRequest | None:
    number = item.get("number")
    if not isinstance(number, int):
        return None
    user = item.get("user")
    author = str(user.get("login") or "") if isinstance(user, Mapping) else ""
    return PullRequest(
        number=number,
        author=author,
        merged=bool(item.get("merged_at")),
        merge_commit_sha=str(item.get("merge_commit_sha") or ""),
        html_url=str(item.get("html_url") or ""),
    )


def pulls_from_payload(items: Iterable[Any]) -> list[PullRequest]:
    return [pull for item in items if isinstance(item, Mapping) and (pull := _pull(item))]


def merged_pull_request(pulls: Iterable[PullRequest], sha: str) -> PullRequest | None:
    """The pull request ``sha`` merged: the one whose merge commit it is, else the only
    merged one, else None (a direct push, or several candidates)."""
    candidates = list(pulls)
    exact = [p for p in candidates if p.merge_commit_sha.lower() == sha.lower()]
    if exact:
        return exact[0]
    merged = [p for p in candidates if p.merged]
    return merged[0] if len(merged) == 1 else None


def people_of_commits(items: Iterable[Any]) -> set[str]:
    """The logins of the authors and committers of a pull request's commits."""
    people: set[str] = set()
    for item in items:
        if not isinstance(item, Mapping):
            continue
        for role in ("author", "committer"):
            user = item.get(role)
            if isinstance(user, Mapping) and user.get("login"):
                people.add(str(user["login"]))
    # GitHub's web-flow committer signs merges and web edits; it is nobody's approval.
    people.discard("web-flow")
    return people


def _get(gh: Github, path: str, what: str) -> list[Any]:
    from github import GithubException

    try:
        _, data = gh.requester.requestJsonAndCheck("GET", path)
    except GithubException as error:
        raise GitHubApiError(f"cannot read {what}: {describe_error(error)}") from None
    payload: Any = data
    if not isinstance(payload, list):
        raise GitHubApiError(f"cannot read {what}: the answer is not a list")
    return list(payload)


def pulls_for_commit(gh: Github, ctx: GitHubContext, sha: str) -> list[PullRequest]:
    path = f"/repos/{ctx.repository}/commits/{sha}/pulls?per_page=100"
    return pulls_from_payload(_get(gh, path, f"the pull requests of commit {sha[:12]}"))


def pull_request_people(gh: Github, ctx: GitHubContext, pull: PullRequest) -> set[str]:
    """The pull request's author and the authors and committers of its commits."""
    people = {pull.author} if pull.author else set()
    for page in range(1, _MAX_PAGES + 1):
        path = f"/repos/{ctx.repository}/pulls/{pull.number}/commits?per_page=100&page={page}"
        items = _get(gh, path, f"the commits of pull request #{pull.number}")
        people |= people_of_commits(items)
        if len(items) < 100:
            break
    return people
