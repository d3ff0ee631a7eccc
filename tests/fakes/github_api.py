"""A test double of the GitHub REST (and one GraphQL) endpoints slipway calls.

Served by a ``ThreadingHTTPServer`` on 127.0.0.1 (a free port), state in memory. Use it as
a context manager; ``.url`` is the REST base to use as ``GITHUB_API_URL``: GitHub
Enterprise Server style ``http://127.0.0.1:PORT/api/v3`` by default (GraphQL then lives at
``/api/graphql``), or github.com style ``http://127.0.0.1:PORT`` with ``prefix=""``
(GraphQL at ``/graphql``).

Endpoints (paths below the REST base):

- ``GET  /user``: the token owner's login. Installation tokens (like the Actions
  ``GITHUB_TOKEN``) get 403 "Resource not accessible by integration", as on GitHub.
- ``GET  /repos/{o}/{r}``: the repository (404 if unknown).
- ``GET  /repos/{o}/{r}/issues``: ``state`` (open|closed|all, default open), ``labels``
  (comma-separated, all must match), newest first, paginated. Pull requests are listed
  too (with a ``pull_request`` key), as GitHub does.
- ``POST /repos/{o}/{r}/issues``: ``title`` (required, else 422), ``body``, ``labels``.
- ``GET|PATCH /repos/{o}/{r}/issues/{n}``: ``title``, ``body``, ``state``,
  ``state_reason``, ``labels``; closing sets ``closed_at``.
- ``GET|POST /repos/{o}/{r}/issues/{n}/comments``: pull request conversation comments are
  issue comments; oldest first, paginated (``per_page`` ≤ 100, ``page``; ``Link`` header
  with ``next``/``last``/``first``/``prev``); ``body`` required (else 422).
- ``GET|PATCH|DELETE /repos/{o}/{r}/issues/comments/{id}``: editing or deleting someone
  else's comment is refused with 403 (a token acts as its user, who is no admin here).
- ``GET  /repos/{o}/{r}/actions/runs/{id}/approvals``: the review history seeded with
  :meth:`FakeGitHub.set_approvals` (404 for an unknown run).
- ``GET  /repos/{o}/{r}/commits/{sha}/pulls``, ``GET /repos/{o}/{r}/pulls/{n}/commits`` and
  ``GET /repos/{o}/{r}/environments/{name}``: see ``tests/fakes/github_changes.py``
  (seeded with :meth:`FakeGitHub.add_pull_commits`, :meth:`FakeGitHub.merge_pull_request`
  and :meth:`FakeGitHub.protect_environment`).
- ``GET  /orgs/{org}/teams/{slug}/memberships/{user}``: ``{"state": "active", "role":
  "member"}`` for seeded members, 404 otherwise.
- ``POST <graphql>``: the ``minimizeComment`` mutation only (``subjectId`` from variables
  or inline); marks the comment minimized. Unknown node → ``errors`` with type NOT_FOUND;
  other operations → an error saying the fake does not implement them.

Outside the REST base, the Actions runner's OIDC token endpoint (what a job with
``id-token: write`` reaches through ``ACTIONS_ID_TOKEN_REQUEST_URL``; see :meth:`oidc_env`):

- ``GET  /_oidc/token?audience=…&environment=…``: ``{"value": <JWT>}``, an unsigned JWT
  whose ``sub`` is ``repo:<owner>/<repo>:environment:<environment>`` (or ``…:ref:<ref>``
  without ``environment``) and ``aud`` the audience. Needs ``Authorization: bearer
  <oidc_request_token>`` (401 otherwise) and an ``audience`` (400 otherwise). The claims
  of every token issued are kept in :attr:`FakeGitHub.oidc_tokens`.

Every other request needs ``Authorization: token <t>`` or ``Bearer <t>`` with a known token,
else 401 "Bad credentials". Bodies carry the fields PyGithub reads (``id``, ``node_id``,
``url``, ``html_url``, ``user``, ``created_at``, ``updated_at``, ``number``, ``state``,
``labels``...). Timestamps come from a fake clock that advances one second per write,
so ordering is deterministic. Every request is recorded in :attr:`FakeGitHub.requests`.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakes.github_changes import ChangeRecords, EnvironmentRecord, PullRecord
from tests.support import serve_in_background

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    login: str | None
    status: int = 0


@dataclass
class _Repo:
    id: int
    full_name: str
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_number: int = 1


class _HttpError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.payload = {
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            **extra,
        }


class FakeGitHub:
    """In-memory GitHub; see the module docstring for what it models."""

    def __init__(
        self,
        *,
        tokens: dict[str, str] | None = None,
        installation_tokens: dict[str, str] | None = None,
        repositories: tuple[str, ...] = ("octo/infra",),
        prefix: str = "/api/v3",
        oidc_request_token: str = "oidc-request-token",
    ) -> None:
        self.tokens = dict(tokens or {"test-token": "slipway-bot"})
        self.oidc_request_token = oidc_request_token
        self.oidc_tokens: list[dict[str, Any]] = []  # claims of every OIDC token issued
        self.installation_tokens = dict(installation_tokens or {})
        self.prefix = prefix.rstrip("/")
        self.graphql_path = (
            self.prefix[: -len("/v3")] + "/graphql" if self.prefix.endswith("/v3") else "/graphql"
        )
        self.requests: list[RecordedRequest] = []
        self.default_repository = repositories[0]
        self._repos = {
            name: _Repo(id=1000 + i, full_name=name) for i, name in enumerate(repositories)
        }
        self._comments: dict[int, dict[str, Any]] = {}  # id → comment (+ "_repo", "_issue")
        self._approvals: dict[int, list[dict[str, Any]]] = {}
        self._changes: dict[str, ChangeRecords] = {}
        # (run id, review, text): a reviewer approves once a comment holding the text appears.
        self._approve_on_comment: list[tuple[int, dict[str, Any], str]] = []
        self._teams: dict[tuple[str, str], dict[str, str]] = {}
        self._next_id = 5000
        self._ticks = 0
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.root = ""
        self.url = ""

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                fake._handle(self)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _any

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.root = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.url = self.root + self.prefix
        self._thread = serve_in_background(self._server)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- helpers for tests ------------------------------------------------------------

    def _tick(self) -> str:
        self._ticks += 1
        return (EPOCH + timedelta(seconds=self._ticks)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _repo(self, full_name: str | None) -> _Repo:
        return self._repos[full_name or self.default_repository]

    def _user(self, login: str) -> dict[str, Any]:
        bot = login.endswith("[bot]")
        return {
            "login": login,
            "id": zlib.crc32(login.encode()) % 10**8,
            "node_id": f"U_{login}",
            "type": "Bot" if bot else "User",
            "url": f"{self.url}/users/{login}",
            "html_url": f"{self.root}/{login}",
        }

    def open_pull_request(
        self, title: str = "Change", login: str = "dev", repo: str | None = None
    ) -> int:
        """A pull request (an issue with a ``pull_request`` key); returns its number."""
        issue = self._create_issue(self._repo(repo), {"title": title}, login)
        issue["pull_request"] = {
            "url": f"{self.url}/repos/{issue['_repo']}/pulls/{issue['number']}",
            "html_url": f"{self.root}/{issue['_repo']}/pull/{issue['number']}",
        }
        return int(issue["number"])

    def add_issue(
        self,
        title: str,
        body: str = "",
        login: str = "dev",
        labels: tuple[str, ...] = (),
        repo: str | None = None,
    ) -> int:
        issue = self._create_issue(
            self._repo(repo), {"title": title, "body": body, "labels": list(labels)}, login
        )
        return int(issue["number"])

    def add_comment(
        self, number: int, body: str, login: str, repo: str | None = None
    ) -> dict[str, Any]:
        """A comment by ``login`` (as if that user posted it); returns its JSON."""
        with self._lock:
            return self._public(self._create_comment(self._repo(repo), number, body, login))

    def set_approvals(self, run_id: int, reviews: list[dict[str, Any]]) -> None:
        with self._lock:
            self._approvals[run_id] = copy.deepcopy(reviews)

    def add_approval(self, run_id: int, review: dict[str, Any]) -> None:
        """A reviewer's decision appended to the run's history (a later attempt's)."""
        with self._lock:
            self._approvals.setdefault(run_id, []).append(copy.deepcopy(review))

    def approve_when_commented(self, run_id: int, review: dict[str, Any], text: str) -> None:
        """Record ``review`` for the run once a comment containing ``text`` is posted: a
        reviewer who approves after reading the plan, never before."""
        with self._lock:
            self._approve_on_comment.append((run_id, copy.deepcopy(review), text))

    def _records(self, repo: _Repo) -> ChangeRecords:
        if repo.full_name not in self._changes:
            self._changes[repo.full_name] = ChangeRecords(self.root, repo.full_name)
        return self._changes[repo.full_name]

    def add_pull_commits(
        self, number: int, commits: list[tuple[str, str, str]], repo: str | None = None
    ) -> None:
        """Commits (sha, author login, committer login) pushed to pull request ``number``."""
        with self._lock:
            full = self._repo(repo)
            author = full.issues[number]["user"]["login"]
            records = self._records(full)
            pull = records.pulls.setdefault(number, PullRecord(number, author, commits[-1][0]))
            pull.commits.extend((sha.lower(), a, c) for sha, a, c in commits)
            pull.head_sha = pull.commits[-1][0]

    def merge_pull_request(
        self, number: int, merge_commit_sha: str, repo: str | None = None
    ) -> None:
        with self._lock:
            full = self._repo(repo)
            author = full.issues[number]["user"]["login"]
            records = self._records(full)
            pull = records.pulls.setdefault(number, PullRecord(number, author, merge_commit_sha))
            pull.merge_commit_sha = merge_commit_sha.lower()
            pull.merged_at = self._tick()
            full.issues[number]["state"] = "closed"

    def protect_environment(
        self,
        name: str,
        reviewers: tuple[str, ...] = (),
        *,
        prevent_self_review: bool = True,
        repo: str | None = None,
    ) -> None:
        """An environment (unprotected without reviewers), as repository settings make it."""
        with self._lock:
            self._records(self._repo(repo)).environments[name] = EnvironmentRecord(
                name, tuple(reviewers), prevent_self_review
            )

    def add_team_member(self, org: str, team: str, login: str, state: str = "active") -> None:
        with self._lock:
            self._teams.setdefault((org.casefold(), team.casefold()), {})[login.casefold()] = state

    def comments(self, number: int, repo: str | None = None) -> list[dict[str, Any]]:
        """The comments of issue/PR ``number``, oldest first, with ``minimized``."""
        full_name = self._repo(repo).full_name
        with self._lock:
            return [
                {**self._public(c), "minimized": c["_minimized"]}
                for c in sorted(self._comments.values(), key=lambda c: c["id"])
                if c["_repo"] == full_name and c["_issue"] == number
            ]

    def issue(self, number: int, repo: str | None = None) -> dict[str, Any]:
        with self._lock:
            return self._public(self._repo(repo).issues[number])

    def issues(self, repo: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [self._public(i) for i in self._repo(repo).issues.values()]

    def requests_to(self, method: str, path_pattern: str) -> list[RecordedRequest]:
        """Recorded requests whose path (below the REST base) fully matches the regex."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method and re.fullmatch(path_pattern, r.path)
            ]

    def oidc_env(self, environment: str = "", repo: str | None = None) -> dict[str, str]:
        """The runner variables of a job with ``id-token: write`` running in ``environment``."""
        claims = {"repository": self._repo(repo).full_name}
        if environment:
            claims["environment"] = environment
        query = urlencode(claims)
        return {
            "ACTIONS_ID_TOKEN_REQUEST_URL": f"{self.root}/_oidc/token?{query}",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": self.oidc_request_token,
        }

    @staticmethod
    def review(
        state: str, login: str, environments: tuple[str, ...], comment: str = ""
    ) -> dict[str, Any]:
        """One entry of a run's review history, shaped as GitHub returns it."""
        return {
            "state": state,
            "comment": comment,
            "environments": [
                {
                    "id": 100 + i,
                    "node_id": f"EN_{name}",
                    "name": name,
                    "url": f"https://api.github.com/repos/o/r/environments/{name}",
                    "html_url": f"https://github.com/o/r/deployments/activity_log?environments_filter={name}",
                    "created_at": "2024-01-01T00:00:00Z",
                    "updated_at": "2024-01-01T00:00:00Z",
                }
                for i, name in enumerate(environments)
            ],
            "user": {"login": login, "id": zlib.crc32(login.encode()) % 10**8, "type": "User"},
        }

    # --- state changes ----------------------------------------------------------------

    @staticmethod
    def _public(item: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy({k: v for k, v in item.items() if not k.startswith("_")})

    def _label(self, name: str) -> dict[str, Any]:
        return {
            "id": zlib.crc32(name.encode()) % 10**6,
            "node_id": f"LA_{name}",
            "url": f"{self.url}/labels/{name}",
            "name": name,
            "color": "ededed",
            "default": False,
            "description": None,
        }

    def _create_issue(self, repo: _Repo, data: dict[str, Any], login: str) -> dict[str, Any]:
        with self._lock:
            number = repo.next_number
            repo.next_number += 1
            now = self._tick()
            issue_id = self._new_id()
            api = f"{self.url}/repos/{repo.full_name}/issues/{number}"
            issue = {
                "id": issue_id,
                "node_id": f"I_kwDO{issue_id}",
                "url": api,
                "repository_url": f"{self.url}/repos/{repo.full_name}",
                "comments_url": f"{api}/comments",
                "html_url": f"{self.root}/{repo.full_name}/issues/{number}",
                "number": number,
                "state": "open",
                "state_reason": None,
                "title": str(data["title"]),
                "body": data.get("body") or None,
                "user": self._user(login),
                "labels": [self._label(str(n)) for n in data.get("labels") or []],
                "assignees": [],
                "locked": False,
                "comments": 0,
                "created_at": now,
                "updated_at": now,
                "closed_at": None,
                "author_association": "MEMBER",
                "_repo": repo.full_name,
            }
            repo.issues[number] = issue
            return issue

    def _create_comment(self, repo: _Repo, number: int, body: str, login: str) -> dict[str, Any]:
        issue = repo.issues.get(number)
        if issue is None:
            raise _HttpError(404, "Not Found")
        comment_id = self._new_id()
        now = self._tick()
        kind = "pull" if "pull_request" in issue else "issues"
        comment = {
            "id": comment_id,
            "node_id": f"IC_kwDO{comment_id}",
            "url": f"{self.url}/repos/{repo.full_name}/issues/comments/{comment_id}",
            "html_url": f"{self.root}/{repo.full_name}/{kind}/{number}#issuecomment-{comment_id}",
            "issue_url": issue["url"],
            "body": body,
            "user": self._user(login),
            "created_at": now,
            "updated_at": now,
            "author_association": "MEMBER",
            "_repo": repo.full_name,
            "_issue": number,
            "_minimized": False,
        }
        self._comments[comment_id] = comment
        issue["comments"] += 1
        self._reviewers_read(body)
        return comment

    def _reviewers_read(self, body: str) -> None:
        """Reviewers waiting for a comment decide once they can read it."""
        waiting = []
        for run_id, review, text in self._approve_on_comment:
            if text in body:
                self._approvals.setdefault(run_id, []).append(review)
            else:
                waiting.append((run_id, review, text))
        self._approve_on_comment = waiting

    # --- HTTP -------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        path = split.path
        if path == "/_oidc/token":
            self._oidc_token(handler, query)
            return
        if path.startswith(self.prefix + "/") or path == self.graphql_path:
            relative = path if path == self.graphql_path else path[len(self.prefix) :]
        else:
            relative = path
        login = self._authenticate(handler.headers.get("Authorization", ""))
        record = RecordedRequest(handler.command, relative, query, body, login)
        with self._lock:
            self.requests.append(record)
        headers: dict[str, str] = {}
        try:
            if login is None:
                raise _HttpError(401, "Bad credentials")
            if path == self.graphql_path and handler.command == "POST":
                status, payload = 200, self._graphql(body)
            elif not path.startswith(self.prefix + "/"):
                raise _HttpError(404, "Not Found")
            else:
                status, payload = self._route(
                    handler.command, relative, query, body, login, headers=headers
                )
        except _HttpError as error:
            status, payload = error.status, error.payload
        record.status = status
        data = b"" if payload is None else json.dumps(payload).encode()
        handler.send_response(status)
        if payload is not None:
            handler.send_header("Content-Type", "application/json; charset=utf-8")
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _oidc_token(self, handler: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        """The runner's token endpoint: it knows the job, so the claims come from the URL."""
        scheme, _, token = handler.headers.get("Authorization", "").partition(" ")
        status: int
        payload: dict[str, Any]
        if scheme.lower() != "bearer" or token.strip() != self.oidc_request_token:
            status, payload = 401, {"message": "Bad credentials"}
        elif not query.get("audience"):
            status, payload = 400, {"message": "audience is required"}
        else:
            repository = query.get("repository", self.default_repository)
            environment = query.get("environment", "")
            claims = {
                "iss": "https://token.actions.githubusercontent.com",
                "aud": query["audience"],
                "sub": f"repo:{repository}:environment:{environment}"
                if environment
                else f"repo:{repository}:ref:{query.get('ref', 'refs/heads/main')}",
                "repository": repository,
                "environment": environment,
            }
            with self._lock:
                self.oidc_tokens.append(claims)
            status, payload = 200, {"value": _unsigned_jwt(claims)}
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _authenticate(self, header: str) -> str | None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        token = token.strip()
        return self.tokens.get(token) or self.installation_tokens.get(token)

    def _paginate(
        self, items: list[dict[str, Any]], path: str, query: dict[str, str], headers: dict[str, str]
    ) -> list[dict[str, Any]]:
        try:
            per_page = max(1, min(100, int(query.get("per_page", "30"))))
            page = max(1, int(query.get("page", "1")))
        except ValueError:
            raise _HttpError(422, "Validation Failed") from None
        last = max(1, -(-len(items) // per_page))

        def link(number: int) -> str:
            return f"<{self.url}{path}?{urlencode({**query, 'page': number})}>"

        links = []
        if page < last:
            links += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
        if page > 1:
            links += [f'{link(1)}; rel="first"', f'{link(page - 1)}; rel="prev"']
        if links:
            headers["Link"] = ", ".join(links)
        return [self._public(i) for i in items[(page - 1) * per_page : page * per_page]]

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
        login: str,
        *,
        headers: dict[str, str],
    ) -> tuple[int, Any]:
        with self._lock:
            if path == "/user" and method == "GET":
                if login in self.installation_tokens.values():
                    raise _HttpError(403, "Resource not accessible by integration")
                return 200, self._user(login)
            match = re.fullmatch(r"/orgs/([^/]+)/teams/([^/]+)/memberships/([^/]+)", path)
            if match and method == "GET":
                org, team, user = (g.casefold() for g in match.groups())
                state = self._teams.get((org, team), {}).get(user)
                if state is None:
                    raise _HttpError(404, "Not Found")
                return 200, {"state": state, "role": "member", "url": f"{self.url}{path}"}
            match = re.fullmatch(r"/repos/([^/]+/[^/]+)(/.*)?", path)
            if not match or match.group(1) not in self._repos:
                raise _HttpError(404, "Not Found")
            repo = self._repos[match.group(1)]
            return self._repo_route(
                method,
                match.group(2) or "",
                repo,
                query=query,
                body=body,
                login=login,
                path=path,
                headers=headers,
            )

    def _repo_route(  # noqa: PLR0915 (one readable table of the repository endpoints)
        self,
        method: str,
        sub: str,
        repo: _Repo,
        *,
        query: dict[str, str],
        body: Any,
        login: str,
        path: str,
        headers: dict[str, str],
    ) -> tuple[int, Any]:
        data = body if isinstance(body, dict) else {}
        if sub == "" and method == "GET":
            owner = repo.full_name.split("/")[0]
            return 200, {
                "id": repo.id,
                "node_id": f"R_{repo.id}",
                "name": repo.full_name.split("/")[1],
                "full_name": repo.full_name,
                "owner": self._user(owner),
                "private": True,
                "default_branch": "main",
                "url": f"{self.url}/repos/{repo.full_name}",
                "html_url": f"{self.root}/{repo.full_name}",
            }
        if sub == "/issues" and method == "GET":
            state = query.get("state", "open")
            wanted = {n for n in query.get("labels", "").split(",") if n}
            items = [
                i
                for i in sorted(repo.issues.values(), key=lambda i: -i["number"])
                if (state == "all" or i["state"] == state)
                and wanted <= {label["name"] for label in i["labels"]}
            ]
            return 200, self._paginate(items, path, query, headers)
        if sub == "/issues" and method == "POST":
            if not data.get("title"):
                raise _HttpError(422, "Validation Failed", errors=[{"field": "title"}])
            return 201, self._public(self._create_issue(repo, data, login))
        match = re.fullmatch(r"/issues/(\d+)", sub)
        if match:
            issue = repo.issues.get(int(match.group(1)))
            if issue is None:
                raise _HttpError(404, "Not Found")
            if method == "GET":
                return 200, self._public(issue)
            if method == "PATCH":
                for key in ("title", "body", "state_reason"):
                    if key in data:
                        issue[key] = data[key]
                if "labels" in data:
                    issue["labels"] = [self._label(str(n)) for n in data["labels"]]
                if data.get("state") in ("open", "closed"):
                    issue["state"] = data["state"]
                    issue["closed_at"] = self._tick() if data["state"] == "closed" else None
                issue["updated_at"] = self._tick()
                return 200, self._public(issue)
        match = re.fullmatch(r"/issues/(\d+)/comments", sub)
        if match:
            number = int(match.group(1))
            if number not in repo.issues:
                raise _HttpError(404, "Not Found")
            if method == "GET":
                items = sorted(
                    (
                        c
                        for c in self._comments.values()
                        if c["_repo"] == repo.full_name and c["_issue"] == number
                    ),
                    key=lambda c: c["id"],
                )
                return 200, self._paginate(items, path, query, headers)
            if method == "POST":
                if not isinstance(data.get("body"), str) or not data["body"]:
                    raise _HttpError(422, "Validation Failed", errors=[{"field": "body"}])
                return 201, self._public(self._create_comment(repo, number, data["body"], login))
        match = re.fullmatch(r"/issues/comments/(\d+)", sub)
        if match:
            comment = self._comments.get(int(match.group(1)))
            if comment is None or comment["_repo"] != repo.full_name:
                raise _HttpError(404, "Not Found")
            if method == "GET":
                return 200, self._public(comment)
            if comment["user"]["login"] != login:
                raise _HttpError(403, "You cannot edit or delete comments of other users")
            if method == "PATCH":
                if not isinstance(data.get("body"), str) or not data["body"]:
                    raise _HttpError(422, "Validation Failed", errors=[{"field": "body"}])
                comment["body"] = data["body"]
                comment["updated_at"] = self._tick()
                self._reviewers_read(data["body"])
                return 200, self._public(comment)
            if method == "DELETE":
                del self._comments[comment["id"]]
                repo.issues[comment["_issue"]]["comments"] -= 1
                return 204, None
        answer = self._records(repo).route(method, sub)
        if answer is not None:
            if answer[0] >= 400:
                raise _HttpError(answer[0], "Not Found")
            return answer
        match = re.fullmatch(r"/actions/runs/(\d+)/approvals", sub)
        if match and method == "GET":
            reviews = self._approvals.get(int(match.group(1)))
            if reviews is None:
                raise _HttpError(404, "Not Found")
            return 200, copy.deepcopy(reviews)
        raise _HttpError(404, "Not Found")

    def _graphql(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            raise _HttpError(400, "Problems parsing JSON")
        query: str = body["query"]
        variables = body.get("variables") or {}
        if "minimizeComment" not in query:
            return {"errors": [{"message": "the fake GitHub only implements minimizeComment"}]}
        subject = re.search(r"subjectId\s*:\s*(?:\$(\w+)|\"([^\"]*)\")", query)
        classifier = re.search(r"classifier\s*:\s*(?:\$(\w+)|(\w+))", query)
        if subject is None or classifier is None:
            return {"errors": [{"message": "minimizeComment needs subjectId and classifier"}]}
        node_id = variables.get(subject.group(1)) if subject.group(1) else subject.group(2)
        kind = variables.get(classifier.group(1)) if classifier.group(1) else classifier.group(2)
        if kind not in ("SPAM", "ABUSE", "OFF_TOPIC", "OUTDATED", "DUPLICATE", "RESOLVED"):
            return {"errors": [{"message": f"invalid classifier {kind!r}"}]}
        with self._lock:
            for comment in self._comments.values():
                if comment["node_id"] == node_id:
                    comment["_minimized"] = True
                    comment["_minimized_reason"] = kind
                    return {
                        "data": {"minimizeComment": {"minimizedComment": {"isMinimized": True}}}
                    }
        return {
            "data": {"minimizeComment": None},
            "errors": [
                {
                    "type": "NOT_FOUND",
                    "path": ["minimizeComment"],
                    "message": f"Could not resolve to a node with the global id of '{node_id}'",
                }
            ],
        }


def _unsigned_jwt(claims: dict[str, Any]) -> str:
    """header.payload.signature, shaped like GitHub's tokens; nothing verifies it."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    return f"{header}.{part(json.dumps(claims).encode())}.{part(b'not-a-signature')}"


def serve(**kwargs: Any) -> Iterator[FakeGitHub]:
    """Generator form for pytest fixtures: ``yield from serve()``."""
    with FakeGitHub(**kwargs) as fake:
        yield fake
