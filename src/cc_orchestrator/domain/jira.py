"""Jira Cloud as cco sees it: the few fields of issues, comments and transitions the services
use (ports_jira.JiraApi returns these; adapters/jira maps Jira's JSON to them). Descriptions
and comment bodies stay Atlassian Document Format (ADF) here: adapters/jira/adf.py converts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cc_orchestrator.domain.trackers import TrackerError, TrackerUnavailable

#: the fields a search asks for (never *all)
FIELDS = (
    "summary",
    "description",
    "status",
    "labels",
    "priority",
    "updated",
    "issuelinks",
    "project",
)


@dataclass(frozen=True)
class JiraComment:
    id: str
    author: str  # the display name
    body: dict[str, Any] | None  # ADF


@dataclass(frozen=True)
class JiraIssue:
    key: str  # WEB-3
    id: str
    project: str  # WEB
    summary: str
    url: str  # SITE/browse/WEB-3
    status: str  # the status's name: "In Progress"
    status_category: str  # new | indeterminate | done
    description: dict[str, Any] | None = None  # ADF
    labels: tuple[str, ...] = ()
    priority: str | None = None  # the priority's name: "High"
    updated_at: datetime | None = None
    blocked_by: tuple[str, ...] = ()  # keys of the issues that block it ("is blocked by")
    comments: tuple[JiraComment, ...] = ()  # only when the search asked for "comment"


@dataclass(frozen=True)
class JiraTransition:
    id: str
    name: str  # "Start progress"
    to_status: str  # the status it leads to: "In Progress"


class JiraError(TrackerError):
    """Jira refused a request for good (400, 401, 403, 404...): its own message."""


class JiraUnavailable(TrackerUnavailable, JiraError):
    """Not now: unreachable, a 5xx, a timeout, or a 429 (retry_after_s from Retry-After)."""


def sync_project(jql: str) -> str:
    """The sync state's project of a repository's JQL (one per distinct query)."""
    digest = hashlib.sha256(" ".join(jql.split()).encode()).hexdigest()[:12]
    return f"jql:{digest}"
