"""GitHub client layer: run context, sticky PR comments, apply approvals, drift issues.

Importing this package does not import PyGithub; it loads on first use.
"""

from slipway.github.approvals import (
    ApprovalDecision,
    decide_environment_approval,
    fetch_run_approvals,
    first_decisive_vote,
    parse_command,
    parse_team,
    request_issue_approval,
    verify_environment_approval,
)
from slipway.github.client import (
    ACTIONS_BOT_LOGIN,
    GitHubApiError,
    GitHubConfigError,
    GitHubContext,
    connect,
    describe_error,
    graphql_url,
    pr_number_from_payload,
    resolve_login,
    run_url,
)
from slipway.github.comments import CommentRef, fit_body, list_comments
from slipway.github.drift import DriftResult, drift_marker, plan_drift_issue, sync_drift_issue
from slipway.github.sticky import (
    StickyPlan,
    StickyResult,
    decide_sticky_step,
    marker,
    minimize_comment,
    plan_sticky_actions,
    render_sticky,
    upsert_sticky_comment,
)

__all__ = [
    "ACTIONS_BOT_LOGIN",
    "ApprovalDecision",
    "CommentRef",
    "DriftResult",
    "GitHubApiError",
    "GitHubConfigError",
    "GitHubContext",
    "StickyPlan",
    "StickyResult",
    "connect",
    "decide_environment_approval",
    "decide_sticky_step",
    "describe_error",
    "drift_marker",
    "fetch_run_approvals",
    "first_decisive_vote",
    "fit_body",
    "graphql_url",
    "list_comments",
    "marker",
    "minimize_comment",
    "parse_command",
    "parse_team",
    "plan_drift_issue",
    "plan_sticky_actions",
    "pr_number_from_payload",
    "render_sticky",
    "request_issue_approval",
    "resolve_login",
    "run_url",
    "sync_drift_issue",
    "upsert_sticky_comment",
    "verify_environment_approval",
]
