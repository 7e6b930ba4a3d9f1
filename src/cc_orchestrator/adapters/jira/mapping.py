"""Jira Cloud's JSON (REST API v3) into cco's records (domain/jira.py).

Read leniently: a field the search did not ask for, a null (an issue without priority, a
deleted account), or a field Jira adds passes through with a default instead of failing a
whole page. A record without what identifies it (an issue's key and id, a comment's id) is a
BadAnswer (a ValueError).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cc_orchestrator.domain.jira import JiraComment, JiraIssue, JiraTransition

#: the inward description of the link type whose inward issues block this one (Jira's "Blocks")
BLOCKED_BY = "is blocked by"
UNKNOWN_AUTHOR = "unknown"


class BadAnswer(ValueError):
    """Jira's answer lacks what cco needs (not the shape its description promises)."""


def _map(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BadAnswer(f"expected an object for {what}, got {type(value).__name__}")
    return value


def _obj(data: Mapping[str, Any] | None, key: str) -> Mapping[str, Any]:
    value = (data or {}).get(key)
    return value if isinstance(value, Mapping) else {}


def _str(data: Mapping[str, Any] | None, key: str, default: str = "") -> str:
    value = (data or {}).get(key)
    return value if isinstance(value, str) else default


def _id(data: Mapping[str, Any], key: str, what: str) -> str:
    """An id Jira writes as a string (and older answers as a number)."""
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise BadAnswer(f"{what} has no {key}")
    return value


def _adf(value: Any) -> dict[str, Any] | None:
    return dict(value) if isinstance(value, Mapping) else None


def when(value: Any) -> datetime | None:
    """Jira's timestamps (`2026-12-01T10:00:00.000+0000`, or ISO 8601's +00:00 and Z); None
    when absent or odd."""
    if not isinstance(value, str) or not value:
        return None
    for shape in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value, shape)
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def items(data: Any, key: str, what: str) -> list[Any]:
    """The list under `key` of an answer (issues, comments, transitions)."""
    found = _map(data, what).get(key)
    if found is None:
        return []
    if not isinstance(found, list):
        raise BadAnswer(f"expected a list of {key} in {what}, got {type(found).__name__}")
    return found


def blocked_by(links: Any) -> tuple[str, ...]:
    """Keys of the inward issues of links whose type reads "is blocked by", in Jira's order."""
    found: list[str] = []
    for link in links if isinstance(links, list) else ():
        if not isinstance(link, Mapping):
            continue
        inward = _str(_obj(link, "type"), "inward")
        key = _str(_obj(link, "inwardIssue"), "key")
        if inward.strip().lower() == BLOCKED_BY and key and key not in found:
            found.append(key)
    return tuple(found)


def comment(value: Any) -> JiraComment:
    data = _map(value, "a comment")
    author = _obj(data, "author") or _obj(data, "updateAuthor")
    return JiraComment(
        id=_id(data, "id", "a comment"),
        author=_str(author, "displayName") or UNKNOWN_AUTHOR,
        body=_adf(data.get("body")),
    )


def issue(value: Any, *, site_url: str) -> JiraIssue:
    """An issue of a search or GET /issue/{key}; only the fields asked for are there."""
    data = _map(value, "an issue")
    key = _id(data, "key", "an issue")
    fields = _obj(data, "fields")
    status = _obj(fields, "status")
    labels = tuple(x for x in fields.get("labels") or () if isinstance(x, str) and x)
    comments = _obj(fields, "comment").get("comments")
    return JiraIssue(
        key=key,
        id=_id(data, "id", f"issue {key}"),
        project=_str(_obj(fields, "project"), "key") or key.rpartition("-")[0],
        summary=_str(fields, "summary"),
        url=f"{site_url.rstrip('/')}/browse/{key}",
        status=_str(status, "name"),
        status_category=_str(_obj(status, "statusCategory"), "key"),
        description=_adf(fields.get("description")),
        labels=labels,
        priority=_str(_obj(fields, "priority"), "name") or None,
        updated_at=when(fields.get("updated")),
        blocked_by=blocked_by(fields.get("issuelinks")),
        comments=tuple(comment(c) for c in comments if isinstance(c, Mapping))
        if isinstance(comments, list)
        else (),
    )


def transition(value: Any) -> JiraTransition:
    data = _map(value, "a transition")
    return JiraTransition(
        id=_id(data, "id", "a transition"),
        name=_str(data, "name"),
        to_status=_str(_obj(data, "to"), "name"),
    )


def display_name(value: Any) -> str:
    """GET /myself: the account's display name (its email or account id when hidden)."""
    data = _map(value, "the account")
    name = _str(data, "displayName") or _str(data, "emailAddress") or _str(data, "accountId")
    if not name:
        raise BadAnswer("the account has no displayName")
    return name
