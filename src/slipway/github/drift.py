"""Drift issues: one open issue per environment while its infrastructure drifts.

The issue is found by a hidden marker in its body (``<!-- slipway:drift:<environment> -->``)
among the open issues carrying the drift label, so renaming the title does not lose it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from slipway.github.client import GitHubApiError, GitHubContext, describe_error, run_url
from slipway.github.comments import fit_body

if TYPE_CHECKING:
    from github import Github

DriftAction = Literal["opened", "updated", "unchanged", "closed", "none"]


def drift_marker(environment: str) -> str:
    safe = " ".join(environment.replace("--", "- -").replace(">", "&gt;").split())
    return f"<!-- slipway:drift:{safe} -->"


def drift_title(environment: str) -> str:
    return f"slipway: drift detected in {environment}"


def render_drift_body(environment: str, body: str) -> str:
    return fit_body(f"{drift_marker(environment)}\n{body}")


@dataclass(frozen=True)
class IssueRef:
    number: int
    body: str
    html_url: str
    is_pull_request: bool = False


@dataclass(frozen=True)
class DriftPlan:
    """``target``: the environment's issue (the oldest marked one); ``duplicates``: other
    marked open issues, to close."""

    target: IssueRef | None
    duplicates: list[IssueRef] = field(default_factory=list)


def plan_drift_issue(open_issues: list[IssueRef], environment: str) -> DriftPlan:
    needle = drift_marker(environment)
    marked = sorted(
        (i for i in open_issues if not i.is_pull_request and needle in i.body),
        key=lambda i: i.number,
    )
    if not marked:
        return DriftPlan(target=None)
    return DriftPlan(target=marked[0], duplicates=marked[1:])


@dataclass(frozen=True)
class DriftResult:
    action: DriftAction
    number: int | None
    url: str | None


def _issue_ref(issue: Any) -> IssueRef:
    return IssueRef(
        number=int(issue.number),
        body=str(issue.body or ""),
        html_url=str(issue.html_url or ""),
        is_pull_request=issue.pull_request is not None,
    )


def sync_drift_issue(
    gh: Github,
    ctx: GitHubContext,
    environment: str,
    *,
    has_drift: bool,
    body: str,
    label: str = "drift",
) -> DriftResult:
    """Open or update the environment's drift issue when it drifts; close it when not."""
    from github import GithubException

    repo = gh.get_repo(ctx.repository)
    try:
        issues = {i.number: i for i in repo.get_issues(state="open", labels=[label])}
        plan = plan_drift_issue([_issue_ref(i) for i in issues.values()], environment)
        link = run_url(ctx)
        where = f" in {link}" if link else ""
        target = plan.target
        for duplicate in plan.duplicates:
            assert target is not None
            issues[duplicate.number].create_comment(f"Duplicate of #{target.number}.")
            issues[duplicate.number].edit(state="closed", state_reason="not_planned")
        if has_drift:
            full_body = render_drift_body(environment, body)
            if target is None:
                created = repo.create_issue(
                    title=drift_title(environment), body=full_body, labels=[label]
                )
                return DriftResult("opened", int(created.number), str(created.html_url))
            if target.body == full_body:
                return DriftResult("unchanged", target.number, target.html_url)
            issues[target.number].edit(body=full_body)
            return DriftResult("updated", target.number, target.html_url)
        if target is None:
            return DriftResult("none", None, None)
        issue = issues[target.number]
        sha = f" at {ctx.sha[:7]}" if ctx.sha else ""
        issue.create_comment(f"No drift detected in {environment}{sha}{where}: closing.")
        issue.edit(state="closed", state_reason="completed")
        return DriftResult("closed", target.number, target.html_url)
    except GithubException as error:
        raise GitHubApiError(
            f"cannot sync the drift issue of {environment} in {ctx.repository}: "
            f"{describe_error(error)}"
        ) from None
