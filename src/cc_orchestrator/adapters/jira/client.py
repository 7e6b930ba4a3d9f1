"""Jira Cloud's REST API v3 over httpx: implements ports_jira.JiraApi.

- One httpx client per connection, made on the first request (no network and no credentials
  read before that), its connections kept alive and shared by every thread.
- The REST root is jira.api_url (OAuth 2.0: https://api.atlassian.com/ex/jira/CLOUD_ID), else
  jira.site_url; issues' links point at jira.site_url/browse/KEY. `timeout` is jira.timeout_s
  and nothing is retried here: the outbox and the sync loop retry, nothing waits on Jira.
- Answers are read as JSON into cco's records (mapping.py), leniently.
- Every failure becomes JiraUnavailable or JiraError (errors.py); no httpx exception leaves,
  and no message holds the token.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from cc_orchestrator import __version__
from cc_orchestrator.adapters.jira import mapping
from cc_orchestrator.adapters.jira.auth import Credentials, find_credentials
from cc_orchestrator.adapters.jira.errors import judge, judge_response
from cc_orchestrator.adapters.notify.http import shown_host
from cc_orchestrator.config_jira import JiraConfig
from cc_orchestrator.domain.errors import InvalidInput
from cc_orchestrator.domain.jira import (
    FIELDS,
    JiraComment,
    JiraError,
    JiraIssue,
    JiraTransition,
    JiraUnavailable,
)
from cc_orchestrator.logs import get_logger

log = get_logger("cco.jira")

USER_AGENT = f"cc-orchestrator/{__version__}"
API = "/rest/api/3"
PAGE_MAX = 5000  # the most a search page may ask for (Jira gives fewer with many fields)
COMMENTS_PAGE = 100
MAX_PAGES = 200  # past that a listing is cut (and logged), never endless
NO_SITE = "set jira.site_url: https://your-domain.atlassian.net in your cco config"
#: what a request or its answer may fail with inside httpx and json (judged into Jira errors)
_FAILURES = (httpx.HTTPError, ValueError, OSError)
T = TypeVar("T")


def _key(key: str) -> str:
    return quote(key.strip(), safe="")


class JiraClient:
    """One authenticated connection to one Jira Cloud site."""

    def __init__(self, settings: JiraConfig, *, credentials: Credentials | None = None) -> None:
        if not settings.site_url:
            raise InvalidInput("Jira has no site", hint=NO_SITE)
        self.site_url = settings.site_url.rstrip("/")
        self.api_url = (settings.api_url or settings.site_url).rstrip("/")
        self.timeout_s = settings.timeout_s
        self.host = shown_host(self.api_url)
        self._settings = settings
        self._credentials = credentials
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"JiraClient({self.api_url!r})"

    # ------------------------------------------------------------------ the connection
    def credentials(self) -> Credentials:
        """Where the credentials come from (found on first use); JiraError when none."""
        with self._lock:
            if self._credentials is None:
                self._credentials = find_credentials(self._settings)
            return self._credentials

    def credential_source(self) -> str:
        return self.credentials().source

    def _client(self) -> tuple[httpx.Client, Credentials]:
        credentials = self.credentials()
        with self._lock:
            if self._http is None:
                self._http = httpx.Client(
                    base_url=self.api_url,
                    timeout=httpx.Timeout(self.timeout_s),
                    follow_redirects=True,  # httpx drops Authorization on another host
                    headers={
                        "User-Agent": USER_AGENT,
                        "Accept": "application/json",
                        "Authorization": credentials.authorization,
                    },
                )
            return self._http, credentials

    def _secrets(self) -> tuple[str, ...]:
        return self._credentials.secrets if self._credentials is not None else ()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """One request to API + path; a 2xx answer, else only Jira errors."""
        what = f"{method} {API}{path}"
        http, credentials = self._client()
        start = time.monotonic()
        try:
            response = http.request(
                method, API + path, params=dict(params) if params else None, json=json
            )
            if response.status_code >= 300:
                response.read()
                raise judge_response(
                    response,
                    what=what,
                    source=credentials.source,
                    kind=credentials.kind,
                    secrets=credentials.secrets,
                )
        except (JiraError, *_FAILURES) as exc:
            error = judge(
                exc, what=what, host=self.host, timeout_s=self.timeout_s, secrets=self._secrets()
            )
            log.debug("jira.request", request=what, status=error.status, error=error.message)
            raise error from None
        log.debug(
            "jira.request",
            request=what,
            status=response.status_code,
            ms=round((time.monotonic() - start) * 1000, 1),
        )
        return response

    def _json(self, response: httpx.Response, what: str) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise judge(
                exc, what=what, host=self.host, timeout_s=self.timeout_s, secrets=self._secrets()
            ) from None

    def _read(self, what: str, convert: Callable[[Any], T], data: Any) -> T:
        try:
            return convert(data)
        except mapping.BadAnswer as exc:
            raise JiraError(f"Jira's answer to {what} is not what cco expects: {exc}") from None

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._json(self.call("GET", path, params=params), f"GET {API}{path}")

    # ------------------------------------------------------------------ who
    def myself(self) -> str:
        return self._read("GET /myself", mapping.display_name, self._get("/myself"))

    # ------------------------------------------------------------------ issues
    def _issue(self, data: Any, what: str) -> JiraIssue:
        return self._read(what, lambda d: mapping.issue(d, site_url=self.site_url), data)

    def search(
        self, jql: str, *, fields: Sequence[str] = FIELDS, page_size: int = 100
    ) -> list[JiraIssue]:
        """Every page of POST /search/jql, while Jira gives a next page's token; a token seen
        before (Jira would answer the same pages forever) is JiraUnavailable, never a loop."""
        what = f"POST {API}/search/jql"
        body: dict[str, Any] = {
            "jql": jql,
            "fields": list(fields),
            "maxResults": max(1, min(page_size, PAGE_MAX)),
        }
        found: list[JiraIssue] = []
        seen: set[str] = set()
        for _page in range(MAX_PAGES):
            data = self._json(self.call("POST", "/search/jql", json=body), what)
            raw = self._read(what, lambda d: mapping.items(d, "issues", "a search"), data)
            found.extend(self._issue(item, what) for item in raw)
            token = data.get("nextPageToken")
            if data.get("isLast") is True or not isinstance(token, str) or not token:
                return found
            if token in seen:
                raise JiraUnavailable(
                    f"Jira's search gave the same nextPageToken twice after {len(found)} "
                    "issues: it is asked again later"
                )
            seen.add(token)
            body["nextPageToken"] = token
        log.warning("jira.search_cut", pages=MAX_PAGES, issues=len(found))
        return found

    def issue(self, key: str, *, fields: Sequence[str] = FIELDS) -> JiraIssue | None:
        path = f"/issue/{_key(key)}"
        try:
            data = self._get(path, {"fields": ",".join(fields)})
        except JiraError as exc:
            if exc.status in (404, 410) and not isinstance(exc, JiraUnavailable):
                return None
            raise
        return self._issue(data, f"GET {API}{path}")

    # ------------------------------------------------------------------ comments
    def comments(self, key: str) -> list[JiraComment]:
        """Every page (startAt) of the issue's comments, oldest first."""
        path = f"/issue/{_key(key)}/comment"
        what = f"GET {API}{path}"
        found: list[JiraComment] = []
        for _page in range(MAX_PAGES):
            params = {"startAt": len(found), "maxResults": COMMENTS_PAGE, "orderBy": "created"}
            data = self._get(path, params)
            raw = self._read(what, lambda d: mapping.items(d, "comments", "comments"), data)
            found.extend(self._read(what, mapping.comment, c) for c in raw)
            total = data.get("total")
            if not raw or (isinstance(total, int) and len(found) >= total):
                return found
        log.warning("jira.comments_cut", issue=key, pages=MAX_PAGES, comments=len(found))
        return found

    def add_comment(self, key: str, body: dict[str, Any]) -> str:
        path = f"/issue/{_key(key)}/comment"
        what = f"POST {API}{path}"
        data = self._json(self.call("POST", path, json={"body": body}), what)
        return self._read(what, mapping.comment, data).id

    def edit_comment(self, key: str, comment_id: str, body: dict[str, Any]) -> None:
        path = f"/issue/{_key(key)}/comment/{_key(comment_id)}"
        self.call("PUT", path, json={"body": body})

    # ------------------------------------------------------------------ workflow and links
    def transitions(self, key: str) -> list[JiraTransition]:
        path = f"/issue/{_key(key)}/transitions"
        what = f"GET {API}{path}"
        raw = self._read(what, lambda d: mapping.items(d, "transitions", what), self._get(path))
        return [self._read(what, mapping.transition, t) for t in raw]

    def transition(self, key: str, transition_id: str) -> None:
        path = f"/issue/{_key(key)}/transitions"
        self.call("POST", path, json={"transition": {"id": str(transition_id)}})

    def link_url(self, key: str, *, url: str, title: str, global_id: str) -> None:
        path = f"/issue/{_key(key)}/remotelink"
        body = {"globalId": global_id, "object": {"url": url, "title": title}}
        self.call("POST", path, json=body)

    def close(self) -> None:
        with self._lock:
            http, self._http = self._http, None
        if http is not None:
            http.close()
