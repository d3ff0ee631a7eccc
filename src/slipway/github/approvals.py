"""Approvals an apply must verify before it runs.

Two modes:

- environment: the job runs in a GitHub environment protected by required reviewers; the
  run's review history (``GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals``) must
  hold an approval of that environment, and no rejection.
- issue: slipway opens an issue describing the plan and waits for ``/approve`` or ``/deny``
  from an allowed user or a member of an allowed team; the issue is closed with the result.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from slipway.github.client import (
    GitHubApiError,
    GitHubConfigError,
    GitHubContext,
    describe_error,
    resolve_login,
    run_url,
)
from slipway.github.comments import CommentRef, comment_ref, fit_body

if TYPE_CHECKING:
    from github import Github

Command = Literal["approve", "deny"]
_COMMANDS: dict[str, Command] = {"/approve": "approve", "/deny": "deny"}


@dataclass(frozen=True)
class ApprovalDecision:
    """Whether the apply may proceed, who decided, when, and why (one line)."""

    approved: bool
    approver: str | None
    at: str | None
    comment: str | None
    reason: str
    issue_number: int | None = None
    issue_url: str | None = None


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- environment mode -------------------------------------------------------------------


def _login(review: Mapping[str, Any]) -> str:
    user = review.get("user")
    return str(user.get("login") or "") if isinstance(user, Mapping) else ""


def _environment_names(review: Mapping[str, Any]) -> set[str]:
    environments = review.get("environments")
    if not isinstance(environments, list):
        return set()
    return {
        str(env.get("name")).casefold()
        for env in environments
        if isinstance(env, Mapping) and env.get("name")
    }


def self_logins_of(actor: str | Mapping[str, str], run: str) -> dict[str, str]:
    """``{login (casefolded): why it is "self"}``; a bare actor triggered the run."""
    if isinstance(actor, str):
        return {actor.casefold(): f"triggered {run}"} if actor else {}
    return {login.casefold(): why for login, why in actor.items() if login}


def decide_environment_approval(
    reviews: list[dict[str, Any]],
    environment: str,
    actor: str | Mapping[str, str],
    forbid_self_approval: bool,
    *,
    run_id: int | None = None,
    verified_at: str | None = None,
) -> ApprovalDecision:
    """Decide from a run's review history (environment names compare case-insensitively,
    as GitHub treats them).

    The history lists every decision of the run, oldest first, across its attempts; a job
    that waited for the environment's reviewers started after one decision, so the latest
    decision for ``environment`` is the one for this attempt. It decides: a rejection
    refuses, an approval approves, unless it was given by someone in ``actor`` (who
    triggered the run, or, as a mapping ``{login: why}``, everyone who took part in the
    change) while ``forbid_self_approval``. An earlier attempt's rejection does not block a
    later approval, and an earlier approval does not carry over. The history has no
    timestamps: ``verified_at`` (the caller's clock) is reported as "at".
    """
    wanted = environment.casefold()
    run = f"run {run_id}" if run_id is not None else "this run"
    decisions = [
        r
        for r in reviews
        if wanted in _environment_names(r)
        and str(r.get("state") or "").casefold() in ("approved", "rejected")
    ]
    if not decisions:
        return ApprovalDecision(
            approved=False,
            approver=None,
            at=None,
            comment=None,
            reason=(
                f"no approval recorded for environment '{environment}' in {run} "
                "(is the job's environment protected by required reviewers?)"
            ),
        )
    review = decisions[-1]
    who = _login(review) or None
    comment = str(review.get("comment") or "") or None
    if str(review.get("state") or "").casefold() == "rejected":
        because = f": {' '.join(comment.split())}" if comment else ""
        return ApprovalDecision(
            approved=False,
            approver=who,
            at=verified_at,
            comment=comment,
            reason=(
                f"environment '{environment}' was rejected by {who or 'a reviewer'} "
                f"in {run}{because}"
            ),
        )
    own = self_logins_of(actor, run)
    if forbid_self_approval and who and who.casefold() in own:
        return ApprovalDecision(
            approved=False,
            approver=who,
            at=verified_at,
            comment=None,
            reason=(
                f"environment '{environment}' was approved by {who}, who {own[who.casefold()]}; "
                "self-approval is not allowed"
            ),
        )
    return ApprovalDecision(
        approved=True,
        approver=who,
        at=verified_at,
        comment=comment,
        reason=f"environment '{environment}' approved by {who or 'a reviewer'} in {run}",
    )


def fetch_run_approvals(gh: Github, ctx: GitHubContext) -> list[dict[str, Any]]:
    """The review history of the current run (``GITHUB_RUN_ID``)."""
    from github import GithubException

    if ctx.run_id is None:
        raise GitHubConfigError(
            "GITHUB_RUN_ID is not set: environment approvals can only be verified in a run"
        )
    path = f"/repos/{ctx.repository}/actions/runs/{ctx.run_id}/approvals"
    try:
        _, data = gh.requester.requestJsonAndCheck("GET", path)
    except GithubException as error:
        raise GitHubApiError(
            f"cannot read the approvals of run {ctx.run_id}: {describe_error(error)}"
        ) from None
    payload: Any = data
    if not isinstance(payload, list):
        raise GitHubApiError(f"unexpected approvals payload for run {ctx.run_id}: not a list")
    return [dict(item) for item in payload if isinstance(item, Mapping)]


def required_reviewers(gh: Github, ctx: GitHubContext, environment: str) -> list[str]:
    """The required reviewers of ``environment`` (``GET /repos/{o}/{r}/environments/{name}``);
    an empty list when it has none. Raises GitHubApiError when it cannot be read."""
    from github import GithubException

    path = f"/repos/{ctx.repository}/environments/{environment}"
    try:
        _, data = gh.requester.requestJsonAndCheck("GET", path)
    except GithubException as error:
        if error.status == 404:
            raise GitHubApiError(
                f"environment '{environment}' does not exist in {ctx.repository}"
            ) from None
        raise GitHubApiError(
            f"cannot read environment '{environment}': {describe_error(error)}"
        ) from None
    rules = data.get("protection_rules") if isinstance(data, Mapping) else None
    reviewers: list[str] = []
    for rule in rules if isinstance(rules, list) else []:
        if isinstance(rule, Mapping) and rule.get("type") == "required_reviewers":
            for entry in rule.get("reviewers") or []:
                who = entry.get("reviewer") if isinstance(entry, Mapping) else None
                if isinstance(who, Mapping):
                    reviewers.append(str(who.get("login") or who.get("slug") or ""))
    return [r for r in reviewers if r]


def verify_environment_approval(
    gh: Github,
    ctx: GitHubContext,
    environment: str,
    *,
    forbid_self_approval: bool,
    self_logins: Mapping[str, str] | None = None,
    now: Callable[[], str] = utc_now,
) -> ApprovalDecision:
    """Check that the environment is protected by required reviewers, then fetch the run's
    reviews and decide (the verification time is reported as "at"). ``self_logins``
    defaults to the run's actor."""
    if not required_reviewers(gh, ctx, environment):
        return ApprovalDecision(
            approved=False,
            approver=None,
            at=None,
            comment=None,
            reason=(
                f"environment '{environment}' has no required reviewers: no approval of this "
                "job can have happened (add reviewers, or use approval: issue)"
            ),
        )
    reviews = fetch_run_approvals(gh, ctx)
    return decide_environment_approval(
        reviews,
        environment,
        self_logins if self_logins is not None else ctx.actor,
        forbid_self_approval,
        run_id=ctx.run_id,
        verified_at=now(),
    )


# --- issue mode -------------------------------------------------------------------------


def parse_command(body: str) -> Command | None:
    """``approve`` or ``deny`` when a comment's first word is ``/approve`` or ``/deny``
    (any case); anything else, including quoted replies, is not a command."""
    words = body.split(maxsplit=1)
    return _COMMANDS.get(words[0].casefold()) if words else None


def parse_team(team: str) -> tuple[str, str]:
    """``org/team-slug`` → (org, slug), with a one-line error for anything else."""
    org, _, slug = team.strip().partition("/")
    if not org or not slug or "/" in slug:
        raise GitHubConfigError(f"approver team must be 'org/team-slug', got {team!r}")
    return org, slug


@dataclass(frozen=True)
class CommandVote:
    """An ``/approve`` or ``/deny`` found in the approval issue."""

    command: Command
    comment: CommentRef


def first_decisive_vote(
    comments: Iterable[CommentRef],
    is_allowed: Callable[[str], bool],
    *,
    bot_login: str,
    actor: str | Mapping[str, str] = "",
    forbid_self_approval: bool = False,
) -> tuple[CommandVote | None, list[CommentRef]]:
    """The first command (in comment order) from an allowed login, and the commands that
    were ignored before it (not allowed, or self-approval when forbidden). Comments by
    ``bot_login`` never count. ``is_allowed`` is only asked about command authors."""
    ignored: list[CommentRef] = []
    own = self_logins_of(actor, "the run")
    for comment in comments:
        command = parse_command(comment.body)
        if command is None or comment.author.casefold() == bot_login.casefold():
            continue
        self_approval = (
            command == "approve" and forbid_self_approval and comment.author.casefold() in own
        )
        if self_approval or not is_allowed(comment.author):
            ignored.append(comment)
            continue
        return CommandVote(command, comment), ignored
    return None, ignored


def decision_from_vote(vote: CommandVote, issue_number: int, issue_url: str) -> ApprovalDecision:
    comment = vote.comment
    rest = comment.body.split(maxsplit=1)
    note = " ".join(rest[1].split()) if len(rest) > 1 else None
    verb = "approved" if vote.command == "approve" else "denied"
    return ApprovalDecision(
        approved=vote.command == "approve",
        approver=comment.author,
        at=comment.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        comment=note,
        reason=f"{verb} by {comment.author} in issue #{issue_number}",
        issue_number=issue_number,
        issue_url=issue_url,
    )


def approval_issue_body(
    summary: str, allowed_users: Iterable[str], allowed_teams: Iterable[str], link: str | None
) -> str:
    """The approval request: the plan summary, then who may answer and how."""
    who = [f"@{u}" for u in sorted(allowed_users)] + [f"@{t}" for t in sorted(allowed_teams)]
    lines = [
        "<!-- slipway:approval -->",
        summary.rstrip(),
        "",
        "---",
        "Comment `/approve` to apply this plan or `/deny` to refuse it "
        "(the first word of the comment).",
        f"Allowed approvers: {', '.join(who)}.",
    ]
    if link:
        lines.append(f"Waiting run: {link}")
    return fit_body("\n".join(lines))


class _Approvers:
    """Allowed users, then team memberships asked once per login."""

    def __init__(self, gh: Github, users: set[str], teams: set[str]) -> None:
        self.gh = gh
        self.users = {u.casefold() for u in users}
        self.teams = [parse_team(t) for t in sorted(teams)]
        self.cache: dict[str, bool] = {}

    def __call__(self, login: str) -> bool:
        key = login.casefold()
        if key in self.users:
            return True
        if key not in self.cache:
            self.cache[key] = any(self._member(org, slug, login) for org, slug in self.teams)
        return self.cache[key]

    def _member(self, org: str, slug: str, login: str) -> bool:
        from github import GithubException

        path = f"/orgs/{org}/teams/{slug}/memberships/{login}"
        try:
            _, data = self.gh.requester.requestJsonAndCheck("GET", path)
        except GithubException as error:
            if error.status == 404:
                return False
            raise GitHubApiError(
                f"cannot check whether {login} is in team {org}/{slug} "
                f"(the token needs to read the organization's members): {describe_error(error)}"
            ) from None
        return str(data.get("state") or "") == "active"


def request_issue_approval(
    gh: Github,
    ctx: GitHubContext,
    *,
    title: str,
    body: str,
    allowed_users: set[str],
    allowed_teams: set[str],
    timeout_s: float,
    poll_s: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    forbid_self_approval: bool = False,
    self_logins: Mapping[str, str] | None = None,
    labels: tuple[str, ...] = (),
) -> ApprovalDecision:
    """Open an approval issue, wait for the first ``/approve`` or ``/deny`` from an allowed
    approver (or the timeout), close the issue with the result, and return the decision.

    ``body`` is the plan summary; instructions are appended. Commands from anyone else are
    ignored. On timeout the apply is not approved.
    """
    from github import GithubException

    if not allowed_users and not allowed_teams:
        raise GitHubConfigError(
            "no approvers: give at least one allowed user or team ('org/team-slug')"
        )
    if timeout_s <= 0 or poll_s <= 0:
        raise GitHubConfigError(
            f"approval timeout and poll interval must be positive, got {timeout_s} and {poll_s}"
        )
    is_allowed = _Approvers(gh, allowed_users, allowed_teams)
    bot_login = resolve_login(gh)
    repo = gh.get_repo(ctx.repository)
    try:
        issue = repo.create_issue(
            title=title,
            body=approval_issue_body(body, allowed_users, allowed_teams, run_url(ctx)),
            labels=list(labels),
        )
    except GithubException as error:
        raise GitHubApiError(
            f"cannot open the approval issue in {ctx.repository}: {describe_error(error)}"
        ) from None
    number, url = int(issue.number), str(issue.html_url)

    decision: ApprovalDecision | None = None
    try:
        deadline = clock() + timeout_s
        while True:
            comments = [comment_ref(c) for c in issue.get_comments()]
            vote, _ = first_decisive_vote(
                comments,
                is_allowed,
                bot_login=bot_login,
                actor=self_logins if self_logins is not None else ctx.actor,
                forbid_self_approval=forbid_self_approval,
            )
            if vote is not None:
                decision = decision_from_vote(vote, number, url)
                break
            remaining = deadline - clock()
            if remaining <= 0:
                decision = ApprovalDecision(
                    approved=False,
                    approver=None,
                    at=None,
                    comment=None,
                    reason=(
                        f"no /approve or /deny from an allowed approver within "
                        f"{timeout_s:g}s (timeout) in issue #{number}"
                    ),
                    issue_number=number,
                    issue_url=url,
                )
                break
            sleep(min(poll_s, remaining))
    except GithubException as error:
        raise GitHubApiError(
            f"cannot read the approval issue #{number}: {describe_error(error)}"
        ) from None
    finally:
        _close_approval_issue(issue, decision)
    return decision


def _close_approval_issue(issue: Any, decision: ApprovalDecision | None) -> None:
    """Say the result in the issue and close it. Best effort: the decision stands even if
    GitHub refuses (the issue then stays open, which misleads nobody about the apply)."""
    from github import GithubException

    approved = decision is not None and decision.approved
    result = decision.reason if decision else "approval request aborted"
    try:
        issue.create_comment(f"{'Approved' if approved else 'Not approved'}: {result}.")
        issue.edit(state="closed", state_reason="completed" if approved else "not_planned")
    except GithubException:
        pass
