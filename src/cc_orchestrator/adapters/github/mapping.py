"""GitHub's JSON (REST API version 2022-11-28) into cco's records (domain/github.py).

Read leniently: a field GitHub adds, or a value it adds to an enumeration (a new
`state_reason`, a new check conclusion), passes through instead of failing a whole page, which
githubkit's generated models would do (their enumerations are closed `Literal`s). A record
without what identifies it (a number, an id) is a BadAnswer (a ValueError).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cc_orchestrator.domain.github import (
    GhCheck,
    GhComment,
    GhIssue,
    GhPull,
    GhReview,
    GhReviewComment,
    RateLimit,
)

#: the GitHub App behind GitHub Actions: its check runs are jobs (same id) with a log
ACTIONS_APP = "github-actions"


class BadAnswer(ValueError):
    """GitHub's answer lacks what cco needs (not the shape its description promises)."""


def _map(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BadAnswer(f"expected an object for {what}, got {type(value).__name__}")
    return value


def _int(data: Mapping[str, Any], key: str, what: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadAnswer(f"{what} has no {key}")
    return value


def _str(data: Mapping[str, Any] | None, key: str, default: str = "") -> str:
    value = (data or {}).get(key)
    return value if isinstance(value, str) else default


def _opt_str(data: Mapping[str, Any] | None, key: str) -> str | None:
    value = (data or {}).get(key)
    return value if isinstance(value, str) else None


def _login(user: Any) -> str:
    """A user's login; GitHub answers null for a deleted account (shown as "ghost")."""
    return _str(user, "login", "ghost") if isinstance(user, Mapping) else "ghost"


def when(value: Any) -> datetime | None:
    """GitHub's ISO 8601 timestamps (`2024-05-01T10:00:00Z`); None when absent or odd."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def items(data: Any, what: str) -> list[Any]:
    if not isinstance(data, list):
        raise BadAnswer(f"expected a list of {what}, got {type(data).__name__}")
    return data


def issue(value: Any) -> GhIssue:
    data = _map(value, "an issue")
    labels = tuple(
        label if isinstance(label, str) else _str(label, "name")
        for label in data.get("labels") or ()
        if isinstance(label, str | Mapping)
    )
    milestone = data.get("milestone")
    number = milestone.get("number") if isinstance(milestone, Mapping) else None
    return GhIssue(
        number=_int(data, "number", "an issue"),
        title=_str(data, "title"),
        body=_str(data, "body"),
        state=_str(data, "state", "open"),
        url=_str(data, "html_url"),
        labels=tuple(label for label in labels if label),
        assignees=tuple(_login(a) for a in data.get("assignees") or () if isinstance(a, Mapping)),
        milestone=number if isinstance(number, int) else None,
        updated_at=when(data.get("updated_at")),
        is_pull_request=data.get("pull_request") is not None,
        state_reason=_opt_str(data, "state_reason"),
    )


def comment(value: Any) -> GhComment:
    data = _map(value, "a comment")
    return GhComment(
        id=_int(data, "id", "a comment"),
        body=_str(data, "body"),
        user=_login(data.get("user")),
        created_at=when(data.get("created_at")),
    )


def pull(value: Any) -> GhPull:
    data = _map(value, "a pull request")
    head = data.get("head") if isinstance(data.get("head"), Mapping) else {}
    base = data.get("base") if isinstance(data.get("base"), Mapping) else {}
    merged = data.get("merged")
    return GhPull(
        number=_int(data, "number", "a pull request"),
        url=_str(data, "html_url"),
        state=_str(data, "state", "open"),
        # the list endpoint has no `merged`: merged_at says it there
        merged=merged if isinstance(merged, bool) else data.get("merged_at") is not None,
        head=_str(head, "ref"),
        head_sha=_str(head, "sha"),
        base=_str(base, "ref"),
        draft=data.get("draft") is True,
        title=_str(data, "title"),
        body=_str(data, "body"),
        merge_commit_sha=_opt_str(data, "merge_commit_sha"),
    )


def check(value: Any) -> GhCheck:
    data = _map(value, "a check run")
    app = data.get("app")
    check_id = _int(data, "id", "a check run")
    is_job = isinstance(app, Mapping) and app.get("slug") == ACTIONS_APP
    return GhCheck(
        id=check_id,
        name=_str(data, "name"),
        status=_str(data, "status", "queued"),
        conclusion=_opt_str(data, "conclusion"),
        url=_opt_str(data, "html_url") or _opt_str(data, "details_url"),
        job_id=check_id if is_job else None,
    )


def review_comment(value: Any) -> tuple[int | None, GhReviewComment]:
    """An inline comment and the review it belongs to."""
    data = _map(value, "a review comment")
    line = data.get("line")
    if not isinstance(line, int):  # outdated: the line it was written on
        line = data.get("original_line")
    review_id = data.get("pull_request_review_id")
    return (
        review_id if isinstance(review_id, int) else None,
        GhReviewComment(
            path=_str(data, "path"),
            line=line if isinstance(line, int) else None,
            body=_str(data, "body"),
            user=_login(data.get("user")),
        ),
    )


def review(value: Any, comments: Mapping[int | None, list[GhReviewComment]]) -> GhReview:
    """A review with its inline comments (comments: by pull_request_review_id)."""
    data = _map(value, "a review")
    review_id = _int(data, "id", "a review")
    return GhReview(
        id=review_id,
        state=_str(data, "state", "COMMENTED"),
        body=_str(data, "body"),
        user=_login(data.get("user")),
        comments=tuple(comments.get(review_id, ())),
    )


def rate_limit(value: Any) -> RateLimit:
    """GET /rate_limit: the core (REST) limit; `rate` is its older copy."""
    data = _map(value, "the rate limit")
    resources = data.get("resources")
    core = resources.get("core") if isinstance(resources, Mapping) else None
    core = _map(core if core is not None else data.get("rate"), "the core rate limit")
    reset = core.get("reset")
    return RateLimit(
        limit=_int(core, "limit", "the rate limit"),
        remaining=_int(core, "remaining", "the rate limit"),
        reset_at=datetime.fromtimestamp(reset, tz=UTC) if isinstance(reset, int) else None,
    )
