"""The GitHub context of a run (from the runner's environment) and PyGithub clients for it.

``GITHUB_API_URL`` is respected, so the same code talks to github.com, GitHub Enterprise
Server (``https://<host>/api/v3``) or a local test double.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from github import Github

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"
# The login of the token GitHub Actions provides (``GITHUB_TOKEN``): that token cannot read
# ``GET /user``, so it is the fallback when the login cannot be asked.
ACTIONS_BOT_LOGIN = "github-actions[bot]"
DEFAULT_RETRIES = 3
DEFAULT_TIMEOUT_S = 30

_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class GitHubConfigError(ValueError):
    """The environment does not describe a usable GitHub context (one line, names the fix)."""


class GitHubApiError(RuntimeError):
    """A GitHub API call failed (one line: what was attempted and what GitHub answered)."""


@dataclass(frozen=True)
class GitHubContext:
    """Where the run happens: repository, run, event and the credentials to call the API."""

    api_url: str
    repository: str
    token: str = field(repr=False)
    run_id: int | None
    run_attempt: int
    actor: str
    event_name: str
    pr_number: int | None
    sha: str
    server_url: str

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]

    @property
    def repo_name(self) -> str:
        return self.repository.split("/", 1)[1]

    @classmethod
    def from_env(cls, env: Mapping[str, str], token: str | None = None) -> GitHubContext:
        """Read the runner's ``GITHUB_*`` variables; ``token`` overrides ``GITHUB_TOKEN``."""
        resolved_token = (token or env.get("GITHUB_TOKEN") or "").strip()
        if not resolved_token:
            raise GitHubConfigError(
                "no GitHub token: set GITHUB_TOKEN (for example "
                "`GITHUB_TOKEN: ${{ github.token }}`) or pass the action's token input"
            )
        repository = env.get("GITHUB_REPOSITORY", "").strip()
        if not repository:
            raise GitHubConfigError("GITHUB_REPOSITORY is not set: expected 'owner/name'")
        if not _REPOSITORY.match(repository):
            raise GitHubConfigError(f"GITHUB_REPOSITORY must be 'owner/name', got {repository!r}")
        event_name = env.get("GITHUB_EVENT_NAME", "").strip()
        return cls(
            api_url=(env.get("GITHUB_API_URL") or DEFAULT_API_URL).strip().rstrip("/"),
            repository=repository,
            token=resolved_token,
            run_id=_optional_int(env, "GITHUB_RUN_ID"),
            run_attempt=_optional_int(env, "GITHUB_RUN_ATTEMPT") or 1,
            actor=env.get("GITHUB_ACTOR", "").strip(),
            event_name=event_name,
            pr_number=pr_number_from_event(env.get("GITHUB_EVENT_PATH", ""), event_name),
            sha=env.get("GITHUB_SHA", "").strip(),
            server_url=(env.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).strip().rstrip("/"),
        )


def _optional_int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise GitHubConfigError(f"{name} must be a positive integer, got {raw!r}") from None
    if value <= 0:
        raise GitHubConfigError(f"{name} must be a positive integer, got {raw!r}")
    return value


def pr_number_from_payload(payload: Mapping[str, Any], event_name: str) -> int | None:
    """The pull request a webhook payload is about: ``pull_request.number``, or for
    ``issue_comment`` on a pull request, ``issue.number`` (plain issues are not PRs)."""
    pull_request = payload.get("pull_request")
    if isinstance(pull_request, Mapping) and isinstance(pull_request.get("number"), int):
        return int(pull_request["number"])
    issue = payload.get("issue")
    if (
        event_name == "issue_comment"
        and isinstance(issue, Mapping)
        and issue.get("pull_request")
        and isinstance(issue.get("number"), int)
    ):
        return int(issue["number"])
    return None


def pr_number_from_event(event_path: str, event_name: str) -> int | None:
    """Read ``GITHUB_EVENT_PATH``; no path means no event (for example a local run)."""
    if not event_path.strip():
        return None
    path = Path(event_path.strip())
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GitHubConfigError(f"GITHUB_EVENT_PATH points to a missing file: {path}") from None
    except (OSError, ValueError) as error:
        message = " ".join(str(error).split())
        raise GitHubConfigError(
            f"GITHUB_EVENT_PATH is not a readable JSON event payload ({path}): {message}"
        ) from None
    if not isinstance(payload, Mapping):
        raise GitHubConfigError(f"GITHUB_EVENT_PATH must hold a JSON object: {path}")
    return pr_number_from_payload(payload, event_name)


def connect(ctx: GitHubContext, *, retries: int = DEFAULT_RETRIES, throttle: bool = True) -> Github:
    """A PyGithub client for ``ctx``: token auth, ``api_url`` as base, a few retries.

    Objects are lazy (no request until an attribute needs one). ``throttle`` keeps PyGithub's
    spacing between requests (GitHub's advice against secondary rate limits); tests against
    a local fake turn it off.
    """
    from github import Auth, Github
    from github.GithubRetry import GithubRetry

    spacing: dict[str, Any] = (
        {} if throttle else {"seconds_between_requests": None, "seconds_between_writes": None}
    )
    return Github(
        auth=Auth.Token(ctx.token),
        base_url=ctx.api_url,
        retry=GithubRetry(total=retries, max_rate_limit_wait=120) if retries > 0 else None,
        timeout=DEFAULT_TIMEOUT_S,
        lazy=True,
        **spacing,
    )


def run_url(ctx: GitHubContext) -> str | None:
    """The web page of the run (of this attempt when it is a re-run), if the run is known."""
    if ctx.run_id is None:
        return None
    url = f"{ctx.server_url}/{ctx.repository}/actions/runs/{ctx.run_id}"
    return f"{url}/attempts/{ctx.run_attempt}" if ctx.run_attempt > 1 else url


def graphql_url(api_url: str) -> str:
    """GraphQL endpoint for a REST base URL: ``https://api.github.com/graphql`` on github.com,
    ``https://<host>/api/graphql`` on GitHub Enterprise Server (REST at ``/api/v3``)."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


def describe_error(error: BaseException) -> str:
    """One line for a PyGithub exception: status and GitHub's message."""
    status = getattr(error, "status", None)
    data = getattr(error, "data", None)
    message = ""
    if isinstance(data, Mapping):
        message = str(data.get("message") or "")
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            details = "; ".join(
                str(item.get("message") or item) if isinstance(item, Mapping) else str(item)
                for item in errors
            )
            message = f"{message} ({details})" if message else details
    if not message:
        message = str(error)
    message = " ".join(message.split())
    return f"HTTP {status}: {message}" if status is not None else message


def resolve_login(gh: Github) -> str:
    """The login of the token's owner; ``github-actions[bot]`` for the Actions token, which
    may not read ``GET /user`` (GitHub answers 403 to installation tokens)."""
    from github import GithubException

    try:
        return str(gh.get_user().login)
    except GithubException as error:
        if error.status in (403, 404):
            return ACTIONS_BOT_LOGIN
        raise GitHubApiError(f"cannot read the token's user: {describe_error(error)}") from None
