"""What cco stores about the outside world's side of a task: the tracker issue it came from,
the pull request its work became, webhook deliveries waiting to be applied, and each
tracker's sync state. Kept by db/tx_links.py (ports_links.LinkRows)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class IssueLink:
    """A task made from a tracker's issue (one each: unique per tracker, project and key)."""

    task_id: str
    tracker: str  # github | jira
    project: str  # owner/name on GitHub, the site and project key on Jira
    key: str  # "12" on GitHub, "WEB-3" on Jira
    url: str
    state: str = "open"  # open | closed, as last seen
    updated_at: datetime | None = None  # the issue's own last edit, as last applied
    data: dict[str, Any] = field(default_factory=dict)  # the tracker's own (comment id...)
    created_at: datetime | None = None


class PullState(enum.StrEnum):
    OPENING = "opening"  # intent recorded: push and open pending (an outbox delivery)
    OPEN = "open"
    MERGED = "merged"
    CLOSED = "closed"  # closed without merging


@dataclass(frozen=True)
class PullRequest:
    """The pull request a task's work became (one per task)."""

    task_id: str
    repo: str  # owner/name
    head: str  # the task's branch
    base: str  # the branch it merges into (a dependency's branch when stacked)
    state: PullState = PullState.OPENING
    number: int | None = None
    url: str | None = None
    head_sha: str | None = None  # the last commit pushed
    checks: str | None = None  # pending | success | failure, of head_sha
    ci_rounds: int = 0  # failing CI sent back to the agent
    review_rounds: int = 0  # changes requested sent back to the agent
    fed: list[str] = field(default_factory=list)  # what was sent back (check / review ids)
    etag: str | None = None  # of the last poll of the PR
    updated_at: datetime | None = None


class InboxStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    IGNORED = "ignored"  # an event nothing here listens to
    FAILED = "failed"


@dataclass(frozen=True)
class InboxItem:
    """A webhook delivery, stored as received (answered at once), applied by the daemon."""

    id: int
    source: str  # github | jira
    delivery_id: str  # X-GitHub-Delivery: unique per source
    event: str  # X-GitHub-Event
    action: str | None
    payload: dict[str, Any]
    status: InboxStatus
    received_at: datetime
    processed_at: datetime | None = None
    error: str | None = None


@dataclass(frozen=True)
class SyncState:
    """A tracker project's last sync: when, how it went, and the rate limit it left."""

    tracker: str
    project: str
    last_sync_at: datetime | None = None
    last_error: str | None = None
    etag: str | None = None
    rate_limit: int | None = None
    rate_remaining: int | None = None
    rate_reset_at: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)
