"""GitHub's REST API through githubkit (sync): implements ports_github.GitHubApi.

- One githubkit client per connection, made on the first request (no network, no `gh` before
  that), its httpx connections kept alive and shared by every thread (githubkit would make and
  close a client per request outside a `with` block, and its `with` is per thread).
- `base_url` is github.api_url (GitHub Enterprise Server: https://HOST/api/v3), `timeout` is
  github.timeout_s, and githubkit's own retries are off: the outbox and the sync loop retry,
  and nothing waits on GitHub. Its HTTP cache is off too: conditional requests are cco's
  (If-None-Match with the ETag it kept; a 304 is NotModified and costs no rate limit).
- REST API version 2022-11-28, named on every request: what GitHub answers without one, what
  every GitHub Enterprise Server speaks, and it still has merge_commit_sha (2026-03-10 drops it).
- Answers are read as JSON into cco's records (mapping.py), leniently.
- Every failure becomes GitHubUnavailable or GitHubError (errors.py); no githubkit or httpx
  exception leaves, and no message holds the token.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import httpx
from githubkit import GitHubCore
from githubkit.auth import BaseAuthStrategy
from githubkit.cache import MemCacheStrategy
from githubkit.exception import GitHubException
from githubkit.response import Response

from cc_orchestrator import __version__
from cc_orchestrator.adapters.github import mapping
from cc_orchestrator.adapters.github.auth import Credentials, find_credentials
from cc_orchestrator.adapters.github.errors import judge, judge_response
from cc_orchestrator.adapters.notify.http import shown_host
from cc_orchestrator.config_github import GithubConfig
from cc_orchestrator.domain.github import (
    GhCheck,
    GhComment,
    GhIssue,
    GhPull,
    GhReview,
    GhReviewComment,
    GitHubError,
    GitHubUnavailable,
    NotModified,
    RateLimit,
    RepoRef,
)
from cc_orchestrator.logs import get_logger

log = get_logger("cco.github")

API_VERSION = "2022-11-28"
USER_AGENT = f"cc-orchestrator/{__version__}"
PER_PAGE = 100
MAX_PAGES = 100  # 10,000 items: past that a listing is cut (and logged), never endless
LOG_MAX_BYTES = 1 << 20  # a job's log: its last MiB is kept
#: what a request may fail with inside the libraries (judged into GitHub errors)
_FAILURES = (GitHubException, httpx.HTTPError, ValueError, OSError)


class _Kit(GitHubCore[BaseAuthStrategy]):
    """githubkit's core with one httpx client for every request and thread (closed by
    close()), and rate limits judged by cco (errors.py), not by githubkit's int(Retry-After),
    which an HTTP-date Retry-After would break."""

    def __init__(self, auth: BaseAuthStrategy, **config: Any) -> None:
        super().__init__(auth, **config)
        self._shared: httpx.Client | None = None
        self._lock = threading.Lock()

    @contextmanager
    def get_sync_client(self) -> Generator[httpx.Client, None, None]:
        with self._lock:
            if self._shared is None:
                self._shared = self._create_sync_client()
            client = self._shared
        yield client

    def _check_rate_limit(self, response: Response[Any]) -> None:
        return None

    def close(self) -> None:
        with self._lock:
            client, self._shared = self._shared, None
        if client is not None:
            client.close()


def _etag(etag: str | None) -> dict[str, str]:
    return {"If-None-Match": etag} if etag else {}


def _has_next(response: Response[Any]) -> bool:
    return 'rel="next"' in response.headers.get("link", "")


class GitHubClient:
    """One authenticated connection to GitHub (or a GitHub Enterprise Server)."""

    def __init__(self, settings: GithubConfig, *, credentials: Credentials | None = None) -> None:
        self.api_url = settings.api_url
        self.timeout_s = settings.timeout_s
        self.host = shown_host(settings.api_url)
        self._settings = settings
        self._credentials = credentials
        self._kit: _Kit | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ the connection
    def credentials(self) -> Credentials:
        """Where the credentials come from (found on first use); GitHubError when none."""
        with self._lock:
            if self._credentials is None:
                self._credentials = find_credentials(self._settings)
            return self._credentials

    def credential_source(self) -> str:
        return self.credentials().source

    def _client(self) -> _Kit:
        credentials = self.credentials()
        with self._lock:
            if self._kit is None:
                self._kit = _Kit(
                    credentials.strategy,
                    base_url=self.api_url,
                    user_agent=USER_AGENT,
                    timeout=httpx.Timeout(self.timeout_s),
                    follow_redirects=True,  # httpx drops Authorization on another host
                    http_cache=False,
                    auto_retry=False,
                    # a GitHub App's JWT and installation token, this client's own: githubkit's
                    # default cache is one per process, keyed by the App's id alone, so a
                    # client with a new key (rotated) would sign with the old key's JWT
                    cache_strategy=MemCacheStrategy(),
                )
            return self._kit

    def _secrets(self) -> tuple[str, ...]:
        return self._credentials.secrets if self._credentials is not None else ()

    def _source(self) -> str:
        return self._credentials.source if self._credentials is not None else "nowhere"

    def _fail(self, exc: BaseException, what: str) -> GitHubError:
        return judge(
            exc,
            what=what,
            host=self.host,
            timeout_s=self.timeout_s,
            source=self._source(),
            secrets=self._secrets(),
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response[Any]:
        """One request (a 304 is an answer, not an error). Raises only GitHub errors."""
        what = f"{method} {path}"
        kit = self._client()
        start = time.monotonic()
        try:
            response = kit.request(
                method,
                path,
                params=dict(params) if params else None,
                json=json,
                headers={"X-GitHub-Api-Version": API_VERSION, **(headers or {})},
            )
        except _FAILURES as exc:
            error = self._fail(exc, what)
            log.debug("github.request", request=what, status=error.status, error=str(error))
            if error.status == 401 and self._source() == "gh":
                self._forget(kit)  # `gh auth login` again gives a new token: ask gh next time
            raise error from None
        log.debug(
            "github.request",
            request=what,
            status=response.status_code,
            ms=round((time.monotonic() - start) * 1000, 1),
            rate_remaining=response.headers.get("x-ratelimit-remaining"),
        )
        return response

    def call_or_none(self, method: str, path: str, **kwargs: Any) -> Response[Any] | None:
        """call(), with None for a 404 or 410 (no such thing, or deleted)."""
        try:
            return self.call(method, path, **kwargs)
        except GitHubError as exc:
            if exc.status in (404, 410) and not isinstance(exc, GitHubUnavailable):
                return None
            raise

    def _json(self, response: Response[Any], what: str) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise self._fail(exc, what) from None

    def _read(self, what: str, convert: Any, data: Any) -> Any:
        try:
            return convert(data)
        except mapping.BadAnswer as exc:
            raise GitHubError(f"GitHub's answer to {what} is not what cco expects: {exc}") from None

    def _list(self, response: Response[Any], what: str, key: str | None) -> list[Any]:
        data = self._json(response, what)
        if key is not None:
            data = data.get(key) if isinstance(data, Mapping) else None
        found: list[Any] = self._read(what, lambda d: mapping.items(d, what), data)
        return found

    def _pages(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
        start: int = 1,
    ) -> list[Any]:
        """Every item of a listing from page `start` on (per_page=100), while GitHub's Link
        header names a next page."""
        found: list[Any] = []
        for page in range(start, MAX_PAGES + 1):
            query = {**(params or {}), "per_page": PER_PAGE, "page": page}
            response = self.call("GET", path, params=query)
            found.extend(self._list(response, f"GET {path}", key))
            if not _has_next(response):
                return found
        log.warning("github.listing_cut", path=path, pages=MAX_PAGES, items=len(found))
        return found

    # ------------------------------------------------------------------ who and how much
    def whoami(self) -> str:
        if self.credentials().is_app:  # an installation is no user: the App's own slug
            data = self._json(self.call("GET", "/app"), "GET /app")
            slug = data.get("slug") if isinstance(data, Mapping) else None
            return str(slug or self.credential_source())
        data = self._json(self.call("GET", "/user"), "GET /user")
        login = data.get("login") if isinstance(data, Mapping) else None
        if not isinstance(login, str):
            raise GitHubError("GitHub's answer to GET /user has no login")
        return login

    def rate_limit(self) -> RateLimit:
        response = self.call_or_none("GET", "/rate_limit")
        if response is None:  # GitHub Enterprise Server with rate limiting off
            raise GitHubError(f"rate limiting is not enabled on {self.host}", status=404)
        found: RateLimit = self._read(
            "GET /rate_limit", mapping.rate_limit, self._json(response, "rate")
        )
        return found

    def default_branch(self, repo: RepoRef) -> str:
        path = f"/repos/{repo.full_name}"
        data = self._json(self.call("GET", path), f"GET {path}")
        branch = data.get("default_branch") if isinstance(data, Mapping) else None
        if not isinstance(branch, str) or not branch:
            raise GitHubError(f"GitHub's answer to GET {path} has no default_branch")
        return branch

    # ------------------------------------------------------------------ issues
    def issues(
        self,
        repo: RepoRef,
        *,
        label: str | None,
        assignee: str | None,
        milestone: str | None,
        state: str = "all",
        etag: str | None = None,
    ) -> tuple[list[GhIssue], str | None] | NotModified:
        """Newest update first, so any change to any matching issue changes the first
        page, and with it the ETag that says whether to read the rest."""
        path = f"/repos/{repo.full_name}/issues"
        params: dict[str, Any] = {"state": state, "sort": "updated", "direction": "desc"}
        for name, value in (("labels", label), ("assignee", assignee), ("milestone", milestone)):
            if value is not None:
                params[name] = value
        query = {**params, "per_page": PER_PAGE, "page": 1}
        first = self.call("GET", path, params=query, headers=_etag(etag))
        if first.status_code == 304:
            return NotModified(etag or "")
        raw = self._list(first, f"GET {path}", None)
        if _has_next(first):
            raw.extend(self._pages(path, params, start=2))
        found = [self._read(f"GET {path}", mapping.issue, item) for item in raw]
        return [i for i in found if not i.is_pull_request], first.headers.get("etag")

    def issue(self, repo: RepoRef, number: int) -> GhIssue | None:
        path = f"/repos/{repo.full_name}/issues/{number}"
        response = self.call_or_none("GET", path)
        if response is None:
            return None
        result: GhIssue = self._read(f"GET {path}", mapping.issue, self._json(response, path))
        return result

    def comments(self, repo: RepoRef, number: int) -> list[GhComment]:
        path = f"/repos/{repo.full_name}/issues/{number}/comments"
        return [self._read(f"GET {path}", mapping.comment, c) for c in self._pages(path)]

    def sub_issues(self, repo: RepoRef, number: int) -> list[int]:
        path = f"/repos/{repo.full_name}/issues/{number}/sub_issues"
        try:
            found = self._pages(path)
        except GitHubError as exc:
            if exc.status in (404, 410):  # an API without sub-issues (older GHES)
                return []
            raise
        return [self._read(f"GET {path}", mapping.issue, i).number for i in found]

    def add_comment(self, repo: RepoRef, number: int, body: str) -> int:
        path = f"/repos/{repo.full_name}/issues/{number}/comments"
        response = self.call("POST", path, json={"body": body})
        made: GhComment = self._read(f"POST {path}", mapping.comment, self._json(response, path))
        return made.id

    def edit_comment(self, repo: RepoRef, comment_id: int, body: str) -> None:
        path = f"/repos/{repo.full_name}/issues/comments/{comment_id}"
        self.call("PATCH", path, json={"body": body})

    def add_labels(self, repo: RepoRef, number: int, labels: Sequence[str]) -> None:
        if not labels:
            return
        path = f"/repos/{repo.full_name}/issues/{number}/labels"
        self.call("POST", path, json={"labels": list(labels)})

    def remove_label(self, repo: RepoRef, number: int, label: str) -> None:
        path = f"/repos/{repo.full_name}/issues/{number}/labels/{quote(label, safe='')}"
        self.call_or_none("DELETE", path)  # 404: the issue does not carry it

    # ------------------------------------------------------------------ pull requests
    def _pull(self, response: Response[Any], what: str) -> GhPull:
        result: GhPull = self._read(what, mapping.pull, self._json(response, what))
        return result

    def find_pull(self, repo: RepoRef, head: str, *, base: str | None = None) -> GhPull | None:
        path = f"/repos/{repo.full_name}/pulls"
        params: dict[str, Any] = {
            "head": f"{repo.owner}:{head}",
            "state": "all",
            "sort": "created",
            "direction": "desc",
            "per_page": 1,
        }
        if base is not None:
            params["base"] = base
        found = self._list(self.call("GET", path, params=params), f"GET {path}", None)
        return self._read(f"GET {path}", mapping.pull, found[0]) if found else None

    def create_pull(
        self, repo: RepoRef, *, title: str, body: str, head: str, base: str, draft: bool
    ) -> GhPull:
        path = f"/repos/{repo.full_name}/pulls"
        data = {"title": title, "body": body, "head": head, "base": base, "draft": draft}
        return self._pull(self.call("POST", path, json=data), f"POST {path}")

    def pull(
        self, repo: RepoRef, number: int, *, etag: str | None = None
    ) -> tuple[GhPull, str | None] | NotModified:
        path = f"/repos/{repo.full_name}/pulls/{number}"
        response = self.call("GET", path, headers=_etag(etag))
        if response.status_code == 304:
            return NotModified(etag or "")
        return self._pull(response, f"GET {path}"), response.headers.get("etag")

    def edit_pull(
        self, repo: RepoRef, number: int, *, base: str | None = None, body: str | None = None
    ) -> GhPull:
        path = f"/repos/{repo.full_name}/pulls/{number}"
        data = {k: v for k, v in (("base", base), ("body", body)) if v is not None}
        if not data:
            return self._pull(self.call("GET", path), f"GET {path}")
        return self._pull(self.call("PATCH", path, json=data), f"PATCH {path}")

    def update_branch(self, repo: RepoRef, number: int) -> None:
        path = f"/repos/{repo.full_name}/pulls/{number}/update-branch"
        self.call("PUT", path, json={})

    def checks(self, repo: RepoRef, sha: str) -> list[GhCheck]:
        path = f"/repos/{repo.full_name}/commits/{quote(sha, safe='')}/check-runs"
        runs = self._pages(path, {"filter": "latest"}, key="check_runs")
        return [self._read(f"GET {path}", mapping.check, run) for run in runs]

    def job_log(self, repo: RepoRef, job_id: int) -> str:
        """GitHub answers 302 to a signed URL of another host: that one is fetched without
        the credentials (a separate, unauthenticated request). Its last MiB is kept."""
        path = f"/repos/{repo.full_name}/actions/jobs/{job_id}/logs"
        what = f"GET {path}"
        kit = self._client()
        try:
            with kit.get_sync_client() as client:
                request = client.build_request(
                    "GET", path, headers={"X-GitHub-Api-Version": API_VERSION}
                )
                response = client.send(request, follow_redirects=False, stream=True)
                try:
                    if response.is_redirect and response.headers.get("location"):
                        location = str(response.url.join(response.headers["location"]))
                        response.close()
                        return self._signed_log(location, what)
                    if response.status_code >= 400:
                        response.read()
                        raise judge_response(
                            response, what=what, source=self._source(), secrets=self._secrets()
                        )
                    return _tail(response)
                finally:
                    response.close()
        except GitHubError:
            raise
        except _FAILURES as exc:
            raise self._fail(exc, what) from None

    def _signed_log(self, url: str, what: str) -> str:
        with (
            httpx.Client(
                timeout=httpx.Timeout(self.timeout_s),
                follow_redirects=True,
                headers={"User-Agent": USER_AGENT},
            ) as plain,
            plain.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                response.read()
                raise GitHubUnavailable(
                    f"the log of {what} answered {response.status_code} at "
                    f"{shown_host(url)} (its link lasts a minute)",
                    status=response.status_code,
                )
            return _tail(response)

    def reviews(self, repo: RepoRef, number: int) -> list[GhReview]:
        base = f"/repos/{repo.full_name}/pulls/{number}"
        by_review: dict[int | None, list[GhReviewComment]] = {}
        for raw in self._pages(f"{base}/comments"):
            review_id, comment = self._read(f"GET {base}/comments", mapping.review_comment, raw)
            by_review.setdefault(review_id, []).append(comment)
        return [
            self._read(f"GET {base}/reviews", lambda r: mapping.review(r, by_review), raw)
            for raw in self._pages(f"{base}/reviews")
        ]

    def _forget(self, kit: _Kit) -> None:
        """Drop the credentials and their client (if still those of kit): found again on the
        next request."""
        with self._lock:
            if self._kit is not kit:
                return
            self._kit, self._credentials = None, None
        kit.close()

    def close(self) -> None:
        with self._lock:
            kit, self._kit = self._kit, None
        if kit is not None:
            kit.close()


def _tail(response: httpx.Response) -> str:
    kept = bytearray()
    for chunk in response.iter_bytes():
        kept += chunk
        if len(kept) > 2 * LOG_MAX_BYTES:
            del kept[: len(kept) - LOG_MAX_BYTES]
    return bytes(kept[-LOG_MAX_BYTES:]).decode("utf-8", "replace")
