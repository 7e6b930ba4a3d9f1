"""An issue tracker as the services use it: GitHub issues and Jira are two adapters of it
(adapters/github/tracker.py, adapters/jira/tracker.py), so another tracker is one more adapter.

The services (services/tracker_sync.py, services/tracker_status.py) speak only cco's terms:
which issues a repository takes (`search`), what task an issue is (`to_task`), and what the
issue says back about its task (`report`). Each tracker's dialect (labels or transitions,
Markdown or ADF, "depends on #3" or "is blocked by" links) stays in its adapter. Code hosting
(push, pull requests, checks) is not here: that is GitHub's own (ports_github.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from cc_orchestrator.domain.links import IssueLink, PullRequest
from cc_orchestrator.domain.trackers import IssueTask, NotModified, TrackerIssue


class IssueTracker(Protocol):
    """Every method raises TrackerUnavailable (retry later) or TrackerError (refused for good,
    with the tracker's own message); never a library's exception, never a secret."""

    name: str  # the issue links' and sync states' tracker: github | jira
    title: str  # for people: GitHub | Jira

    def scope(self, root: Path) -> str | None:
        """The sync state's project of root's issues (GitHub: owner/name; Jira: its JQL's
        digest); None when root takes no issues from this tracker."""
        ...

    def syncs(self, root: Path) -> bool:
        """Whether the daemon syncs root's issues (the tracker's `sync` setting)."""
        ...

    def search(
        self, root: Path, *, etag: str | None
    ) -> tuple[list[TrackerIssue], str | None] | NotModified:
        """root's matching issues, with what to pass as etag next time (GitHub: the list's
        ETag; Jira: a watermark, so the next search asks only for what changed since);
        NotModified when nothing changed. etag None: every matching issue."""
        ...

    def to_task(self, root: Path, issue: TrackerIssue, *, dependencies: bool) -> IssueTask:
        """The task's title, prompt, priority and labels; with dependencies, the keys of the
        issues it waits for (which may cost more requests)."""
        ...

    def sync_values(self) -> Mapping[str, Any]:
        """What the sync state records besides the time and error (GitHub's rate limit)."""
        ...

    def report(
        self,
        root: Path | None,
        link: IssueLink,
        *,
        state: str | None,
        comment: str | None,
        pull: PullRequest | None,
    ) -> dict[str, Any]:
        """Say the task on its issue: its state (`running`, `review`... or None: no state cco
        says) as the tracker does (a label, a workflow transition), the Markdown comment edited
        in place (posted once, found again by its marker), the pull request linked. Returns the
        link's data to keep (comment id...). Safe to run again after a kill -9. TrackerError
        404 when the issue is gone."""
        ...
