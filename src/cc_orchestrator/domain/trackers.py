"""What every issue tracker (GitHub, Jira; adapters behind ports_trackers.IssueTracker) gives
the services: issues in cco's own terms, and the two ways a tracker can fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cc_orchestrator.domain.errors import ExternalError


@dataclass(frozen=True)
class NotModified:
    """A conditional request's answer: nothing changed since that ETag (or watermark)."""

    etag: str


@dataclass(frozen=True)
class TrackerIssue:
    """One issue as a tracker's search found it."""

    ref: int | str  # what a person calls it: 12 on GitHub, "WEB-3" on Jira
    project: str  # the issue link's project: owner/name on GitHub, the project key on Jira
    title: str
    url: str
    state: str  # open | closed (Jira: its status category is done)
    updated_at: datetime | None = None
    labels: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)  # the adapter's own, for to_task

    @property
    def key(self) -> str:
        """The issue link's key (unique per tracker and project)."""
        return str(self.ref)


@dataclass(frozen=True)
class IssueTask:
    """An issue mapped to a task's fields by its tracker (ports_trackers.IssueTracker.to_task)."""

    title: str
    prompt: str
    priority: int = 0
    labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()  # issue keys of the same tracker and project


class TrackerError(ExternalError):
    """A tracker refused a request for good (a 4xx other than rate limits): its own message."""

    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.status = status


class TrackerUnavailable(TrackerError):
    """Not now: unreachable, a 5xx, a timeout, or rate limited (retry_after_s when known)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after_s: float | None = None,
        hint: str | None = "it is retried later",
    ):
        super().__init__(message, status=status, hint=hint)
        self.retry_after_s = retry_after_s


def task_marker(task_id: str) -> str:
    """What cco's one comment per task carries, so it is found again (never posted twice)."""
    return f"cco:task:{task_id}"


class PartlyReported(TrackerError):
    """A report said part of the task (its comment) and was refused the rest (a workflow
    without the mapped transition): `data` is the link's data to keep all the same."""

    def __init__(self, message: str, *, data: dict[str, Any], hint: str | None = None):
        super().__init__(message, status=409, hint=hint)
        self.data = data
