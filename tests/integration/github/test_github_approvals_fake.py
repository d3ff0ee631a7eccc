from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from tests.fakes.github_api import FakeGitHub

from slipway.github import (
    GitHubContext,
    fetch_run_approvals,
    request_issue_approval,
    verify_environment_approval,
)
from slipway.github.client import GitHubApiError
from slipway.github.pulls import merged_pull_request, pull_request_people, pulls_for_commit

pytestmark = pytest.mark.integration


def test_environment_approval_fetched_and_decided(
    fake: FakeGitHub, ctx: GitHubContext, gh: Any
) -> None:
    fake.protect_environment("prod", reviewers=("carol",))
    fake.set_approvals(
        42,
        [
            FakeGitHub.review("approved", "dev", ("staging",)),
            FakeGitHub.review("approved", "carol", ("prod",), comment="ship it"),
        ],
    )

    reviews = fetch_run_approvals(gh, ctx)
    decision = verify_environment_approval(
        gh, ctx, "prod", forbid_self_approval=True, now=lambda: "2024-05-01T10:00:00Z"
    )

    assert [r["user"]["login"] for r in reviews] == ["dev", "carol"]
    assert fake.requests_to("GET", "/repos/octo/infra/actions/runs/42/approvals")
    assert decision.approved is True
    assert (decision.approver, decision.at, decision.comment) == (
        "carol",
        "2024-05-01T10:00:00Z",
        "ship it",
    )


def test_environment_not_approved_without_review(
    fake: FakeGitHub, ctx: GitHubContext, gh: Any
) -> None:
    fake.protect_environment("prod", reviewers=("carol",))
    fake.set_approvals(42, [FakeGitHub.review("approved", "carol", ("staging",))])

    decision = verify_environment_approval(gh, ctx, "prod", forbid_self_approval=False)

    assert decision.approved is False
    assert "no approval recorded for environment 'prod' in run 42" in decision.reason


def test_an_environment_without_required_reviewers_proves_no_approval(
    fake: FakeGitHub, ctx: GitHubContext, gh: Any
) -> None:
    """The history may hold an approval from when reviewers were still required, or none at
    all may have been asked: an unprotected environment's job started without one."""
    fake.protect_environment("prod")  # exists, no reviewers
    fake.set_approvals(42, [FakeGitHub.review("approved", "carol", ("prod",))])
    decision = verify_environment_approval(gh, ctx, "prod", forbid_self_approval=False)
    assert decision.approved is False
    assert decision.reason.startswith("environment 'prod' has no required reviewers")
    with pytest.raises(GitHubApiError, match="environment 'staging' does not exist"):
        verify_environment_approval(gh, ctx, "staging", forbid_self_approval=False)


def test_pull_request_people_are_its_author_and_committers(
    fake: FakeGitHub, ctx: GitHubContext, gh: Any
) -> None:
    number = fake.open_pull_request("Grow", login="alice")
    fake.add_pull_commits(number, [("a" * 40, "alice", "alice"), ("b" * 40, "bob", "web-flow")])
    fake.merge_pull_request(number, "c" * 40)
    pulls = pulls_for_commit(gh, ctx, "c" * 40)
    assert [(p.number, p.author, p.merged) for p in pulls] == [(number, "alice", True)]
    assert merged_pull_request(pulls, "c" * 40) == pulls[0]
    assert pull_request_people(gh, ctx, pulls[0]) == {"alice", "bob"}
    assert pulls_for_commit(gh, ctx, "d" * 40) == []


def _approve_later(
    fake: FakeGitHub, body: str, login: str, delay: float = 0.15
) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        number = max(i["number"] for i in fake.issues())
        fake.add_comment(number, body, login)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _request(gh: Any, ctx: GitHubContext, timeout_s: float = 5.0) -> Any:
    return request_issue_approval(
        gh,
        ctx,
        title="slipway: approve apply of prod at 0123456",
        body="Plan: 1 to add, 0 to change, 0 to destroy.",
        allowed_users={"carol"},
        allowed_teams={"octo/platform"},
        timeout_s=timeout_s,
        poll_s=0.05,
    )


def test_issue_approval_by_team_member(fake: FakeGitHub, ctx: GitHubContext, gh: Any) -> None:
    fake.add_team_member("octo", "platform", "erin")
    thread = _approve_later(fake, "/Approve  go ahead", "erin")

    decision = _request(gh, ctx)
    thread.join()

    assert decision.approved is True
    assert decision.approver == "erin"
    assert decision.comment == "go ahead"
    assert decision.at is not None and decision.at.startswith("2024-01-01T")
    issue = fake.issue(decision.issue_number or 0)
    assert issue["title"] == "slipway: approve apply of prod at 0123456"
    assert "Plan: 1 to add" in issue["body"] and "/approve" in issue["body"]
    assert (issue["state"], issue["state_reason"]) == ("closed", "completed")
    assert fake.comments(issue["number"])[-1]["body"].startswith("Approved: approved by erin")
    assert fake.requests_to("GET", "/orgs/octo/teams/platform/memberships/erin")


def test_issue_denied_by_allowed_user(fake: FakeGitHub, ctx: GitHubContext, gh: Any) -> None:
    thread = _approve_later(fake, "/deny not during the freeze", "carol")

    decision = _request(gh, ctx)
    thread.join()

    assert decision.approved is False
    assert decision.approver == "carol"
    assert decision.reason == f"denied by carol in issue #{decision.issue_number}"
    issue = fake.issue(decision.issue_number or 0)
    assert (issue["state"], issue["state_reason"]) == ("closed", "not_planned")


def test_issue_approval_from_outsider_is_ignored_then_times_out(
    fake: FakeGitHub, ctx: GitHubContext, gh: Any
) -> None:
    thread = _approve_later(fake, "/approve", "mallory", delay=0.05)

    started = time.monotonic()
    decision = _request(gh, ctx, timeout_s=1.0)
    elapsed = time.monotonic() - started
    thread.join()

    assert decision.approved is False
    assert decision.approver is None
    assert "timeout" in decision.reason
    assert 0.9 <= elapsed < 5
    assert fake.requests_to("GET", "/orgs/octo/teams/platform/memberships/mallory")
    issue = fake.issue(decision.issue_number or 0)
    assert issue["state"] == "closed"
    assert fake.comments(issue["number"])[-1]["body"].startswith("Not approved: no /approve")
