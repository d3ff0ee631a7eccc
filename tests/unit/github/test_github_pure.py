from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from slipway.github import (
    CommentRef,
    GitHubConfigError,
    GitHubContext,
    StickyPlan,
    decide_environment_approval,
    decide_sticky_step,
    first_decisive_vote,
    graphql_url,
    marker,
    parse_command,
    parse_team,
    plan_sticky_actions,
    render_sticky,
    run_url,
)

SRC = Path(__file__).resolve().parents[3] / "src"
KEY = "infra/envs|prod|s3"


def at(second: int) -> datetime:
    return datetime(2024, 1, 1, 0, 0, second, tzinfo=UTC)


def comment(id: int, body: str, author: str = "bot", second: int = 0) -> CommentRef:
    return CommentRef(id=id, node_id=f"N{id}", body=body, author=author, created_at=at(second))


def review(state: str, login: str, *envs: str, comment: str = "") -> dict[str, Any]:
    return {
        "state": state,
        "comment": comment,
        "environments": [{"id": 1, "name": e} for e in envs],
        "user": {"login": login},
    }


# --- context -------------------------------------------------------------------------


def test_context_from_env_reads_pr_from_event(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 17}}))
    ctx = GitHubContext.from_env(
        {
            "GITHUB_REPOSITORY": "octo/infra",
            "GITHUB_TOKEN": "t0k",
            "GITHUB_RUN_ID": "99",
            "GITHUB_RUN_ATTEMPT": "2",
            "GITHUB_ACTOR": "dev",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_SHA": "abc",
        }
    )
    assert ctx.api_url == "https://api.github.com"
    assert (ctx.pr_number, ctx.run_id, ctx.run_attempt) == (17, 99, 2)
    assert (ctx.owner, ctx.repo_name) == ("octo", "infra")
    assert run_url(ctx) == "https://github.com/octo/infra/actions/runs/99/attempts/2"
    assert "t0k" not in repr(ctx)


@pytest.mark.parametrize(
    ("event_name", "payload", "expected"),
    [
        ("issue_comment", {"issue": {"number": 5, "pull_request": {"url": "u"}}}, 5),
        ("issue_comment", {"issue": {"number": 5}}, None),
        ("push", {"ref": "refs/heads/main"}, None),
    ],
)
def test_pr_number_from_event(
    tmp_path: Path, event_name: str, payload: dict[str, Any], expected: int | None
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload))
    env = {"GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_NAME": event_name}
    ctx = GitHubContext.from_env({**env, "GITHUB_EVENT_PATH": str(event)}, token="explicit")
    assert ctx.pr_number == expected
    assert ctx.token == "explicit"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GITHUB_REPOSITORY": "o/r"}, "set GITHUB_TOKEN"),
        ({"GITHUB_TOKEN": "t"}, "GITHUB_REPOSITORY is not set"),
        ({"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "just-a-name"}, "'owner/name'"),
        ({"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "x"}, "GITHUB_RUN_ID"),
        (
            {"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": "/nope.json"},
            "GITHUB_EVENT_PATH",
        ),
    ],
)
def test_context_errors_are_one_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(GitHubConfigError) as caught:
        GitHubContext.from_env(env)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        ("https://api.github.com", "https://api.github.com/graphql"),
        ("https://ghe.example/api/v3", "https://ghe.example/api/graphql"),
        ("https://ghe.example/api/v3/", "https://ghe.example/api/graphql"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/graphql"),
    ],
)
def test_graphql_url(api_url: str, expected: str) -> None:
    assert graphql_url(api_url) == expected


# --- sticky ----------------------------------------------------------------------------


def test_marker_is_a_hash_of_the_key() -> None:
    digest = hashlib.sha256(KEY.encode()).hexdigest()[:16]
    assert marker(KEY) == f"<!-- slipway:sticky:{digest} -->"
    assert marker(KEY) != marker("infra/envs|staging|s3")


def test_rendered_body_starts_with_marker_and_hides_the_key_safely() -> None:
    body = render_sticky("a-->b", "plan")
    lines = body.split("\n")
    assert lines[0] == marker("a-->b")
    assert lines[1] == "<!-- slipway:key: a- -&gt;b -->"
    assert lines[2] == "plan"


def test_plan_updates_newest_of_ours_and_minimizes_older() -> None:
    comments = [
        comment(1, f"{marker(KEY)}\nold", second=1),
        comment(2, "unrelated", second=2),
        comment(3, f"{marker(KEY)}\nnewest", second=5),
        comment(4, f"{marker(KEY)}\nmiddle", second=3),
        comment(5, f"{marker('other')}\nother key", second=9),
    ]
    assert plan_sticky_actions(comments, KEY, "bot") == StickyPlan(3, ["N1", "N4"])


def test_plan_ignores_marked_comments_by_others() -> None:
    comments = [
        comment(1, f"{marker(KEY)}\nours", author="Bot", second=1),
        comment(2, f"{marker(KEY)}\npasted", author="mallory", second=2),
    ]
    assert plan_sticky_actions(comments, KEY, "bot") == StickyPlan(1, [])
    assert plan_sticky_actions(comments[1:], KEY, "bot") == StickyPlan(None, [])


def test_marker_must_be_on_the_first_line() -> None:
    comments = [comment(1, f"hello\n{marker(KEY)}")]
    assert plan_sticky_actions(comments, KEY, "bot").update_id is None


@pytest.mark.parametrize(
    ("plan", "current", "only", "changes", "step"),
    [
        (StickyPlan(None), None, False, False, "create"),
        (StickyPlan(None), None, True, True, "create"),
        (StickyPlan(None), None, True, False, "skip"),
        (StickyPlan(7), "old", True, False, "update"),
        (StickyPlan(7), "new", False, True, "unchanged"),
    ],
)
def test_sticky_step(
    plan: StickyPlan, current: str | None, only: bool, changes: bool, step: str
) -> None:
    assert (
        decide_sticky_step(plan, current, "new", only_if_changes=only, has_changes=changes) == step
    )


# --- environment approvals ---------------------------------------------------------------


def test_approved_for_environment() -> None:
    decision = decide_environment_approval(
        [review("approved", "carol", "staging", "prod", comment="lgtm")],
        "prod",
        "dev",
        True,
        run_id=7,
        verified_at="2024-05-01T00:00:00Z",
    )
    assert decision.approved is True
    assert (decision.approver, decision.at, decision.comment) == (
        "carol",
        "2024-05-01T00:00:00Z",
        "lgtm",
    )


def test_rejection_wins_over_approval() -> None:
    decision = decide_environment_approval(
        [review("approved", "carol", "prod"), review("rejected", "erin", "prod", comment="no")],
        "prod",
        "dev",
        False,
        run_id=7,
    )
    assert decision.approved is False
    assert decision.reason == "environment 'prod' was rejected by erin in run 7: no"


def test_approval_of_another_environment_only() -> None:
    decision = decide_environment_approval(
        [review("approved", "carol", "staging")], "prod", "dev", False, run_id=7
    )
    assert decision.approved is False
    assert decision.reason == (
        "no approval recorded for environment 'prod' in run 7 "
        "(is the job's environment protected by required reviewers?)"
    )


def test_environment_names_compare_case_insensitively() -> None:
    decision = decide_environment_approval([review("approved", "c", "Prod")], "prod", "d", False)
    assert decision.approved is True


@pytest.mark.parametrize(("forbid", "approved"), [(True, False), (False, True)])
def test_self_approval(forbid: bool, approved: bool) -> None:
    decision = decide_environment_approval(
        [review("approved", "Dev", "prod")], "prod", "dev", forbid, run_id=7
    )
    assert decision.approved is approved
    if forbid:
        assert "self-approval is not allowed" in decision.reason


def test_each_attempt_is_decided_by_its_own_decision() -> None:
    """The history holds every attempt's decision, oldest first: the latest is this one's."""
    rejected_then_approved = [
        review("rejected", "erin", "prod"),
        review("approved", "carol", "prod"),
    ]
    decision = decide_environment_approval(rejected_then_approved, "prod", "dev", True, run_id=7)
    assert (decision.approved, decision.approver) == (True, "carol")
    # An earlier approval does not carry over to an attempt that was rejected.
    approved_then_rejected = list(reversed(rejected_then_approved))
    decision = decide_environment_approval(approved_then_rejected, "prod", "dev", True, run_id=7)
    assert (decision.approved, decision.approver) == (False, "erin")
    # A self-approval of this attempt is not made good by another reviewer's earlier one.
    decision = decide_environment_approval(
        [review("approved", "carol", "prod"), review("approved", "dev", "prod")],
        "prod",
        "dev",
        True,
    )
    assert (decision.approved, decision.approver) == (False, "dev")


def test_everyone_who_took_part_in_the_change_is_self() -> None:
    people = {
        "dev": "triggered run 7",
        "alice": "authored or committed pull request #12",
    }
    decision = decide_environment_approval(
        [review("approved", "Alice", "prod")], "prod", people, True, run_id=7
    )
    assert decision.approved is False
    assert decision.reason == (
        "environment 'prod' was approved by Alice, who authored or committed pull request #12; "
        "self-approval is not allowed"
    )
    decision = decide_environment_approval(
        [review("approved", "carol", "prod")], "prod", people, True, run_id=7
    )
    assert (decision.approved, decision.approver) == (True, "carol")


def test_pending_entries_decide_nothing() -> None:
    decision = decide_environment_approval(
        [review("approved", "carol", "prod"), review("pending", "erin", "prod")], "prod", "d", True
    )
    assert (decision.approved, decision.approver) == (True, "carol")


# --- issue approvals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/approve", "approve"),
        ("/APPROVE", "approve"),
        ("  /Approve looks good\nthanks", "approve"),
        ("/deny\nnot now", "deny"),
        ("/approved", None),
        ("please /approve", None),
        ("> /approve", None),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_command(body: str, expected: str | None) -> None:
    assert parse_command(body) == expected


def test_parse_team() -> None:
    assert parse_team("octo/platform-team") == ("octo", "platform-team")
    for bad in ("octo", "/x", "a/b/c"):
        with pytest.raises(GitHubConfigError, match="org/team-slug"):
            parse_team(bad)


def test_first_decisive_vote_skips_outsiders_bot_and_self() -> None:
    comments = [
        comment(1, "/approve", author="bot"),
        comment(2, "/approve", author="mallory"),
        comment(3, "/approve", author="dev"),
        comment(4, "lgtm", author="carol"),
        comment(5, "/deny wait", author="carol"),
        comment(6, "/approve", author="carol"),
    ]
    asked: list[str] = []

    def allowed(login: str) -> bool:
        asked.append(login)
        return login in {"carol", "dev"}

    vote, ignored = first_decisive_vote(
        comments, allowed, bot_login="bot", actor="dev", forbid_self_approval=True
    )
    assert vote is not None
    assert (vote.command, vote.comment.id) == ("deny", 5)
    assert [c.id for c in ignored] == [2, 3]
    assert asked == ["mallory", "carol"]


# --- lazy import -------------------------------------------------------------------------
