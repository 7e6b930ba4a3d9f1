"""GitHub as cco sees it: the few fields of issues, pull requests, checks and reviews that the
services use (ports_github.GitHubApi returns these; the adapter maps GitHub's JSON to them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cc_orchestrator.domain.trackers import NotModified, TrackerError, TrackerUnavailable

__all__ = ["NotModified"]  # re-exported: the GitHub adapter's callers name it here


@dataclass(frozen=True)
class RepoRef:
    owner: str
    name: str

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @classmethod
    def parse(cls, text: str) -> RepoRef:
        owner, _, name = text.partition("/")
        return cls(owner, name)


@dataclass(frozen=True)
class GhIssue:
    number: int
    title: str
    body: str
    state: str  # open | closed
    url: str  # html_url
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    milestone: int | None = None
    updated_at: datetime | None = None
    is_pull_request: bool = False
    state_reason: str | None = None  # completed | not_planned | reopened


@dataclass(frozen=True)
class GhComment:
    id: int
    body: str
    user: str
    created_at: datetime | None = None


@dataclass(frozen=True)
class GhPull:
    number: int
    url: str  # html_url
    state: str  # open | closed
    merged: bool
    head: str  # branch name
    head_sha: str
    base: str
    draft: bool = False
    title: str = ""
    body: str = ""
    merge_commit_sha: str | None = None


@dataclass(frozen=True)
class GhCheck:
    id: int
    name: str
    status: str  # queued | in_progress | completed
    conclusion: str | None  # success | failure | neutral | cancelled | timed_out | ...
    url: str | None = None
    job_id: int | None = None  # the Actions job behind it, whose log can be read


@dataclass(frozen=True)
class GhReviewComment:
    path: str
    line: int | None
    body: str
    user: str


@dataclass(frozen=True)
class GhReview:
    id: int
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
    body: str
    user: str
    comments: tuple[GhReviewComment, ...] = field(default=())


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    reset_at: datetime | None


class GitHubError(TrackerError):
    """GitHub refused a request for good (a 4xx other than rate limits): its own message."""


class GitHubUnavailable(TrackerUnavailable, GitHubError):
    """Not now: unreachable, a 5xx, a timeout, or rate limited (retry_after_s when known)."""
