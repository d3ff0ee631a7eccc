from __future__ import annotations

from typing import Any

import pytest
from tests.fakes.github_api import FakeGitHub

from slipway.github import GitHubContext, marker, upsert_sticky_comment

pytestmark = pytest.mark.integration

KEY = "infra/envs|prod|s3"


def test_sticky_created_then_updated_in_place(
    fake: FakeGitHub, ctx: GitHubContext, gh: Any
) -> None:
    pr = fake.open_pull_request()
    fake.add_comment(pr, "looks fine", "alice")

    first = upsert_sticky_comment(
        gh, ctx, pr, KEY, "Plan: 1 to add", only_if_changes=False, has_changes=True
    )
    second = upsert_sticky_comment(
        gh, ctx, pr, KEY, "Plan: 2 to add", only_if_changes=False, has_changes=True
    )

    assert first.action == "created"
    assert second.action == "updated"
    assert second.comment_id == first.comment_id
    ours = [c for c in fake.comments(pr) if c["user"]["login"] == "slipway-bot"]
    assert len(ours) == 1
    assert ours[0]["id"] == first.comment_id
    assert ours[0]["body"].split("\n")[0] == marker(KEY)
    assert ours[0]["body"].endswith("Plan: 2 to add")
    assert len(fake.requests_to("POST", r"/repos/octo/infra/issues/\d+/comments")) == 1
    assert len(fake.requests_to("PATCH", r"/repos/octo/infra/issues/comments/\d+")) == 1

    third = upsert_sticky_comment(
        gh, ctx, pr, KEY, "Plan: 2 to add", only_if_changes=False, has_changes=True
    )
    assert third.action == "unchanged"
    assert len(fake.requests_to("PATCH", r"/repos/octo/infra/issues/comments/\d+")) == 1


def test_older_duplicate_is_minimized_and_newest_updated(
    fake: FakeGitHub, ctx: GitHubContext, gh: Any
) -> None:
    pr = fake.open_pull_request()
    old = fake.add_comment(pr, f"{marker(KEY)}\nold plan", "slipway-bot")
    new = fake.add_comment(pr, f"{marker(KEY)}\nnewer plan", "slipway-bot")
    foreign = fake.add_comment(pr, f"{marker(KEY)}\ncopied by a human", "alice")

    result = upsert_sticky_comment(
        gh, ctx, pr, KEY, "current plan", only_if_changes=False, has_changes=True
    )

    assert result.action == "updated"
    assert result.comment_id == new["id"]
    assert result.minimized == [old["node_id"]]
    assert result.warnings == []
    graphql = fake.requests_to("POST", "/api/graphql")
    assert len(graphql) == 1
    assert graphql[0].body["variables"] == {"subjectId": old["node_id"]}
    assert "classifier: OUTDATED" in graphql[0].body["query"]
    by_id = {c["id"]: c for c in fake.comments(pr)}
    assert by_id[old["id"]]["minimized"] is True
    assert not by_id[old["id"]]["body"].startswith(marker(KEY))  # retired: left alone later
    assert by_id[new["id"]]["body"].endswith("current plan")
    assert by_id[foreign["id"]]["body"].endswith("copied by a human")
    assert by_id[foreign["id"]]["minimized"] is False

    upsert_sticky_comment(gh, ctx, pr, KEY, "next plan", only_if_changes=False, has_changes=True)
    assert len(fake.requests_to("POST", "/api/graphql")) == 1


def test_no_changes_and_no_previous_comment_is_skipped(
    fake: FakeGitHub, ctx: GitHubContext, gh: Any
) -> None:
    pr = fake.open_pull_request()

    result = upsert_sticky_comment(
        gh, ctx, pr, KEY, "No changes.", only_if_changes=True, has_changes=False
    )

    assert (result.action, result.comment_id, result.url) == ("skipped", None, None)
    assert fake.requests_to("POST", r".*") == []
    assert fake.comments(pr) == []


def test_no_changes_replaces_an_older_plan(fake: FakeGitHub, ctx: GitHubContext, gh: Any) -> None:
    pr = fake.open_pull_request()
    created = upsert_sticky_comment(
        gh, ctx, pr, KEY, "Plan: 1 to add", only_if_changes=True, has_changes=True
    )

    result = upsert_sticky_comment(
        gh, ctx, pr, KEY, "No changes.", only_if_changes=True, has_changes=False
    )

    assert result.action == "updated"
    assert result.comment_id == created.comment_id
    assert fake.comments(pr)[0]["body"].endswith("No changes.")


def test_github_token_login_fallback(fake: FakeGitHub, ctx: GitHubContext) -> None:
    from dataclasses import replace

    from slipway.github import connect

    fake.installation_tokens["ghs_actions"] = "github-actions[bot]"
    actions_ctx = replace(ctx, token="ghs_actions")
    gh = connect(actions_ctx, retries=0, throttle=False)
    pr = fake.open_pull_request()

    first = upsert_sticky_comment(
        gh, actions_ctx, pr, KEY, "one", only_if_changes=False, has_changes=True
    )
    second = upsert_sticky_comment(
        gh, actions_ctx, pr, KEY, "two", only_if_changes=False, has_changes=True
    )

    assert fake.requests_to("GET", "/user")[0].status == 403
    assert (first.action, second.action) == ("created", "updated")
    assert fake.comments(pr)[0]["user"]["login"] == "github-actions[bot]"


def test_bad_token_is_one_line_error(fake: FakeGitHub, ctx: GitHubContext) -> None:
    from dataclasses import replace

    from slipway.github import GitHubApiError, connect

    bad = replace(ctx, token="nope")
    pr = fake.open_pull_request()
    with pytest.raises(GitHubApiError) as caught:
        upsert_sticky_comment(
            connect(bad, retries=0, throttle=False),
            bad,
            pr,
            KEY,
            "x",
            only_if_changes=False,
            has_changes=True,
            bot_login="slipway-bot",
        )
    assert "401" in str(caught.value) and "Bad credentials" in str(caught.value)
    assert "\n" not in str(caught.value)
