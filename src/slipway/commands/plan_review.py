"""A default-branch plan next to the plan reviewed on its pull request.

On the default branch, ``tf-plan`` finds the pull request the commit merged, reads the plan
last shown on it for this environment (the bot's sticky comment names that plan's id and
digest in a hidden line; only the bot's own comments count), loads it from the plan store,
verified, and compares the two (``slipway.terraform.plan_compare``). The result is shown
where the approver looks (the job summary and a sticky comment on the merged pull request,
"prod at <sha>") and decides, with ``on-plan-change``, whether the pipeline may go on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ON_PLAN_CHANGE = ("warn", "require-approval", "fail")
_MARKER = re.compile(r"^<!-- slipway:plan (\{.*\}) -->$", re.MULTILINE)


def plan_marker(plan_id: str, digest: str, commit_sha: str, source: str) -> str:
    """The hidden line a plan comment carries: which stored plan it shows."""
    data = {"id": plan_id, "digest": digest, "commit": commit_sha, "source": source}
    return f"<!-- slipway:plan {json.dumps(data, sort_keys=True)} -->"


@dataclass(frozen=True)
class ShownPlan:
    plan_id: str
    digest: str
    commit_sha: str
    source: str


def parse_plan_marker(body: str) -> ShownPlan | None:
    """The plan a comment shows, from its marker line (the last one, if several)."""
    found = _MARKER.findall(body)
    if not found:
        return None
    try:
        data = json.loads(found[-1])
    except ValueError:
        return None
    fields = ("id", "digest", "commit", "source")
    if not isinstance(data, Mapping) or not all(isinstance(data.get(f), str) for f in fields):
        return None
    return ShownPlan(data["id"], data["digest"], data["commit"], data["source"])


@dataclass(frozen=True)
class Review:
    """How the default-branch plan relates to what was reviewed."""

    pull_request: int | None
    pull_request_url: str | None
    reviewed_plan_id: str | None
    # None when nothing could be compared (no pull request, no plan shown, unreadable).
    differences: str | None
    changed: bool | None
    note: str

    def markdown(self) -> str:
        if self.changed is None:
            return f"> [!NOTE]\n> {self.note}\n"
        if not self.changed:
            return f"> [!NOTE]\n> {self.note}\n"
        return f"> [!WARNING]\n> {self.note}\n"


def describe_review(
    pull_request: int | None, reviewed_plan_id: str | None, summary: str | None, problem: str | None
) -> tuple[bool | None, str]:
    """(changed, one line) from what was found."""
    if pull_request is None:
        return (
            None,
            "No pull request merged this commit: there is no reviewed plan to compare with.",
        )
    if problem is not None:
        return None, f"Not compared with the plan reviewed on #{pull_request}: {problem}."
    if summary is None or reviewed_plan_id is None:
        return None, f"Not compared: no plan for this environment was shown on #{pull_request}."
    if not summary:
        return False, f"Same as the plan reviewed on #{pull_request} (`{reviewed_plan_id}`)."
    return True, f"Differs from the plan reviewed on #{pull_request}: {summary}."


def plan_change_refusal(policy: str, approval: str, review: Review) -> str | None:
    """Why the pipeline must stop here (``plan-changed``), or None to go on.

    ``fail`` stops at any difference; ``require-approval`` stops only where no approval will
    be asked before the apply (nobody would review the changed plan); ``warn`` never stops.
    """
    # A pull request whose plan cannot be compared counts as changed: nobody can say this
    # plan is the one reviewed. A direct push has no reviewed plan and is not refused here.
    unconfirmed = review.changed is None and review.pull_request is not None
    if not (review.changed or unconfirmed) or policy == "warn":
        return None
    if policy == "fail" or approval == "none":
        why = "on-plan-change is fail" if policy == "fail" else "no approval follows"
        return f"plan-changed: {review.note} ({why})"
    return None


def review_against_pull_request(
    runner: Any,
    tf: Any,
    *,
    store: Any,
    pr_key: str,
    current_json: Path,
    work: Path,
) -> Review:
    """Find the merged pull request, the plan shown on it, and compare (never raises: what
    could not be read is said in the note)."""
    from slipway.commands.terraform_flow import github_session
    from slipway.github.client import GitHubApiError, GitHubConfigError, resolve_login
    from slipway.github.comments import list_comments
    from slipway.github.pulls import merged_pull_request, pulls_for_commit
    from slipway.github.sticky import plan_sticky_actions
    from slipway.terraform.plan_compare import compare_plans
    from slipway.terraform.plan_integrity import PlanStoreError
    from slipway.terraform.plan_keys import PlanInputError, PlanRef

    pull = None
    summary: str | None = None
    reviewed: str | None = None
    problem: str | None = None
    try:
        gh, context = github_session(runner, tf)
        pull = merged_pull_request(pulls_for_commit(gh, context, tf.commit_sha), tf.commit_sha)
        if pull is not None:
            comments = list_comments(gh, context, pull.number)
            sticky = plan_sticky_actions(comments, pr_key, resolve_login(gh))
            body = next((c.body for c in comments if c.id == sticky.update_id), "")
            shown = parse_plan_marker(body)
            if shown is not None:
                ref = PlanRef(
                    tf.repository,
                    tf.environment,
                    shown.source,  # type: ignore[arg-type]
                    tf.directory,
                    shown.commit_sha,
                    shown.plan_id,
                )
                _, path = store.load_json(ref, shown.digest, work / "reviewed")
                comparison = compare_plans(
                    json.loads(path.read_text()), json.loads(current_json.read_text())
                )
                reviewed, summary = shown.plan_id, comparison.summary(limit=8)
    except (GitHubApiError, GitHubConfigError, PlanStoreError, PlanInputError, ValueError) as error:
        problem = " ".join(str(error).split())
    changed, note = describe_review(pull.number if pull else None, reviewed, summary, problem)
    return Review(
        pull_request=pull.number if pull else None,
        pull_request_url=pull.html_url if pull else None,
        reviewed_plan_id=reviewed,
        differences=summary,
        changed=changed,
        note=note,
    )


def render_apply_result(
    environment: str, commit_sha: str, outputs: Mapping[str, str], run_url: str | None
) -> str:
    """The pull request's view of an apply: applied or not, why, by whose approval, and the
    non-sensitive outputs (sensitive ones are already "(sensitive)")."""
    result = outputs.get("result") or "failed"
    reason = outputs.get("failure_reason") or ""
    plan_id = outputs.get("plan-id") or "(no plan)"
    head = f"{environment} at {commit_sha[:7]}"
    if result == "applied":
        lines = [f"### ✅ {head}: applied", "", f"Plan `{plan_id}` was applied"]
        approver = outputs.get("approved-by")
        lines[-1] += f", approved by @{approver}." if approver else "."
    else:
        verb = "refused" if result == "refused" else "failed"
        lines = [f"### ❌ {head}: {verb} ({reason or 'error'})", "", f"Plan `{plan_id}`."]
        if result == "failed":
            lines.append("The apply started: some changes may have been made; see the run.")
        else:
            lines.append("Nothing was applied.")
    try:
        values = json.loads(outputs.get("outputs") or "{}")
    except ValueError:
        values = {}
    if isinstance(values, Mapping) and values:
        lines += ["", "| output | value |", "| --- | --- |"]
        for name, value in sorted(values.items()):
            shown = value if isinstance(value, str) else json.dumps(value)
            shown = shown.replace("|", "\\|").replace("\n", " ")
            lines.append(f"| `{name}` | `{shown[:200]}` |")
    if run_url:
        lines += ["", f"[The run]({run_url})"]
    return "\n".join(lines) + "\n"
