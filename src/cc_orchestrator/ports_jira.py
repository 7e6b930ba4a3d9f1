"""Jira Cloud's REST API v3 as the services use it (adapters/jira implements it over httpx)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from cc_orchestrator.domain.jira import FIELDS, JiraComment, JiraIssue, JiraTransition


class JiraApi(Protocol):
    """One authenticated connection to one site. Every method raises JiraUnavailable
    (unreachable, 5xx, timeout, 429: retry later, with retry_after_s when Jira said) or
    JiraError (refused for good: 400 such as a JQL syntax error, 401 such as an expired token,
    403, 404, with Jira's own message); never a library's exception, and never a message
    holding the token."""

    site_url: str  # where the issues' browse links point

    def myself(self) -> str:
        """The display name the credentials act as (GET /rest/api/3/myself)."""
        ...

    def search(
        self, jql: str, *, fields: Sequence[str] = FIELDS, page_size: int = 100
    ) -> list[JiraIssue]:
        """Every issue the JQL finds: POST /rest/api/3/search/jql, every page (nextPageToken),
        asking only for `fields` (add "comment" for the comments)."""
        ...

    def issue(self, key: str, *, fields: Sequence[str] = FIELDS) -> JiraIssue | None:
        """None when there is no such issue (404: deleted, or not visible to this account)."""
        ...

    def comments(self, key: str) -> list[JiraComment]:
        """Every comment, oldest first (all pages)."""
        ...

    def add_comment(self, key: str, body: dict[str, Any]) -> str:
        """Post an ADF comment; its id."""
        ...

    def edit_comment(self, key: str, comment_id: str, body: dict[str, Any]) -> None:
        """JiraError with status 404 when the comment was deleted."""
        ...

    def transitions(self, key: str) -> list[JiraTransition]:
        """The transitions available from the issue's current status."""
        ...

    def transition(self, key: str, transition_id: str) -> None: ...

    def link_url(self, key: str, *, url: str, title: str, global_id: str) -> None:
        """A remote link on the issue (POST .../remotelink); the same global_id again updates
        that link instead of adding one."""
        ...

    def close(self) -> None: ...
