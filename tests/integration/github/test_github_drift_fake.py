from __future__ import annotations

from typing import Any

import pytest
from tests.fakes.github_api import FakeGitHub

from slipway.github import GitHubContext, drift_marker, sync_drift_issue

pytestmark = pytest.mark.integration


def test_drift_issue_opened_updated_closed(fake: FakeGitHub, ctx: GitHubContext, gh: Any) -> None:
    fake.add_issue("unrelated", body="hello", labels=("drift",))
    other_env = sync_drift_issue(gh, ctx, "staging", has_drift=True, body="staging drifts")

    opened = sync_drift_issue(gh, ctx, "prod", has_drift=True, body="2 resources drifted")
    updated = sync_drift_issue(gh, ctx, "prod", has_drift=True, body="3 resources drifted")
    same = sync_drift_issue(gh, ctx, "prod", has_drift=True, body="3 resources drifted")

    assert opened.action == "opened"
    assert opened.number not in (None, other_env.number)
    assert (updated.action, updated.number) == ("updated", opened.number)
    assert (same.action, same.number) == ("unchanged", opened.number)
    issue = fake.issue(opened.number or 0)
    assert issue["body"] == f"{drift_marker('prod')}\n3 resources drifted"
    assert [label["name"] for label in issue["labels"]] == ["drift"]
    assert issue["title"] == "slipway: drift detected in prod"

    closed = sync_drift_issue(gh, ctx, "prod", has_drift=False, body="")
    nothing = sync_drift_issue(gh, ctx, "prod", has_drift=False, body="")

    assert (closed.action, closed.number) == ("closed", opened.number)
    assert (nothing.action, nothing.number) == ("none", None)
    issue = fake.issue(opened.number or 0)
    assert issue["state"] == "closed"
    assert "No drift detected in prod at 0123456" in fake.comments(opened.number or 0)[-1]["body"]
    assert fake.issue(other_env.number or 0)["state"] == "open"
    listed = fake.requests_to("GET", "/repos/octo/infra/issues")
    assert listed and all(r.query.get("labels") == "drift" for r in listed)
    assert all(r.query.get("state") == "open" for r in listed)
