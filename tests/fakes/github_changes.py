"""The part of the GitHub double that knows where a change came from and who may approve it:
pull requests behind commits, their commits, and deployment environments.

Endpoints (below the REST base; shapes as GitHub's REST description gives them):

- ``GET /repos/{o}/{r}/commits/{sha}/pulls``: the pull requests ``sha`` belongs to (a merge
  commit belongs to the pull request it merged); ``number``, ``state``, ``user``,
  ``merged_at``, ``merge_commit_sha``, ``head``, ``base``, ``html_url``
  (https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit).
- ``GET /repos/{o}/{r}/pulls/{n}/commits``: the pull request's commits with ``author`` and
  ``committer`` logins, paginated (https://docs.github.com/rest/pulls/pulls#list-commits-on-a-pull-request).
- ``GET /repos/{o}/{r}/environments/{name}``: an environment and its ``protection_rules``
  (``required_reviewers`` with ``reviewers`` and ``prevent_self_review``); 404 for one never
  created (https://docs.github.com/rest/deployments/environments#get-an-environment).

Not modelled: branch protection, deployment branch policies, custom protection rules,
wait timers, team reviewers' memberships (reviewers are users), commit statuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PullRecord:
    number: int
    author: str
    head_sha: str
    commits: list[tuple[str, str, str]] = field(default_factory=list)  # sha, author, committer
    merge_commit_sha: str | None = None
    merged_at: str | None = None


@dataclass
class EnvironmentRecord:
    name: str
    reviewers: tuple[str, ...] = ()
    prevent_self_review: bool = False


class ChangeRecords:
    """Pull requests and environments of one repository."""

    def __init__(self, root: str, full_name: str) -> None:
        self.root = root
        self.full_name = full_name
        self.pulls: dict[int, PullRecord] = {}
        self.environments: dict[str, EnvironmentRecord] = {}

    def pull_json(self, pull: PullRecord) -> dict[str, Any]:
        return {
            "number": pull.number,
            "state": "closed" if pull.merged_at else "open",
            "title": f"pull request {pull.number}",
            "user": {"login": pull.author, "type": "User"},
            "merged_at": pull.merged_at,
            "merge_commit_sha": pull.merge_commit_sha,
            "head": {"sha": pull.head_sha, "ref": f"change-{pull.number}"},
            "base": {"sha": "0" * 40, "ref": "main"},
            "html_url": f"{self.root}/{self.full_name}/pull/{pull.number}",
        }

    def environment_json(self, environment: EnvironmentRecord) -> dict[str, Any]:
        rules = []
        if environment.reviewers:
            rules.append(
                {
                    "id": 3000 + len(environment.name),
                    "node_id": f"GA_{environment.name}",
                    "type": "required_reviewers",
                    "prevent_self_review": environment.prevent_self_review,
                    "reviewers": [
                        {"type": "User", "reviewer": {"login": login, "type": "User"}}
                        for login in environment.reviewers
                    ],
                }
            )
        return {
            "id": 2000 + len(environment.name),
            "node_id": f"EN_{environment.name}",
            "name": environment.name,
            "url": f"{self.root}/api/repos/{self.full_name}/environments/{environment.name}",
            "html_url": (
                f"{self.root}/{self.full_name}/deployments/activity_log"
                f"?environments_filter={environment.name}"
            ),
            "protection_rules": rules,
            "deployment_branch_policy": None,
        }

    def route(self, method: str, sub: str) -> tuple[int, Any] | None:
        """The answer for ``sub`` (below ``/repos/{o}/{r}``), or None when not ours."""
        if method != "GET":
            return None
        match = re.fullmatch(r"/commits/([0-9a-fA-F]{7,40})/pulls", sub)
        if match:
            sha = match.group(1).lower()
            found = [
                self.pull_json(p)
                for p in sorted(self.pulls.values(), key=lambda p: p.number)
                if sha in {p.merge_commit_sha, p.head_sha, *(c[0] for c in p.commits)}
            ]
            return 200, found
        match = re.fullmatch(r"/pulls/(\d+)/commits", sub)
        if match:
            pull = self.pulls.get(int(match.group(1)))
            if pull is None:
                return 404, {"message": "Not Found"}
            return 200, [
                {
                    "sha": sha,
                    "commit": {
                        "message": "change",
                        "author": {"name": a},
                        "committer": {"name": c},
                    },
                    "author": {"login": a, "type": "User"},
                    "committer": {"login": c, "type": "User"},
                }
                for sha, a, c in pull.commits
            ]
        match = re.fullmatch(r"/environments/([^/]+)", sub)
        if match:
            environment = self.environments.get(match.group(1))
            if environment is None:
                return 404, {"message": "Not Found"}
            return 200, self.environment_json(environment)
        return None
