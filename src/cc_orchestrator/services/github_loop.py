"""The daemon's tracker thread: GitHub issues synced and pull requests watched every
github.poll_s, and at once when a webhook says something changed; the other trackers' syncs
(Jira: services/tracker_loop.py) on the same thread.

A webhook is a hint, never the truth: a delivery in the inbox (stored by POST
/api/webhooks/github, answered at once) names a repository, and maybe a pull request; the
loop then reads GitHub's own state of what it names (the issues of that repository, that
pull request). A forged or replayed delivery can only make cco look sooner; a lost one only
makes it look at the next poll. Nothing here runs on the scheduler's thread, and GitHub
being down only delays it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.domain.links import InboxItem, InboxStatus, PullState
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Store
from cc_orchestrator.services.github_prs import GitHubPulls
from cc_orchestrator.services.tracker_loop import TrackerPoll
from cc_orchestrator.services.tracker_sync import TrackerSync

log = get_logger("cco.github")
ISSUE_EVENTS = frozenset({"issues", "issue_comment", "sub_issues", "label"})
PR_EVENTS = frozenset(
    {
        "pull_request",
        "pull_request_review",
        "pull_request_review_comment",
        "check_run",
        "check_suite",
        "workflow_run",
        "status",
    }
)


def _numbers(item: InboxItem) -> set[int]:
    """The pull request numbers a delivery names (check runs name theirs in a list)."""
    p: dict[str, Any] = item.payload
    found: set[int] = set()
    pr = p.get("pull_request")
    if isinstance(pr, dict) and isinstance(pr.get("number"), int):
        found.add(pr["number"])
    for key in ("check_run", "check_suite", "workflow_run"):
        node = p.get(key)
        if isinstance(node, dict):
            for ref in node.get("pull_requests") or []:
                if isinstance(ref, dict) and isinstance(ref.get("number"), int):
                    found.add(ref["number"])
    return found


def _repo(item: InboxItem) -> str | None:
    node = item.payload.get("repository")
    name = node.get("full_name") if isinstance(node, dict) else None
    return name if isinstance(name, str) else None


class GitHubLoop:
    name = "github"

    def __init__(
        self,
        store: Store,
        sync: TrackerSync,
        pulls: GitHubPulls,
        *,
        poll_s: Callable[[], float],
        polls: Sequence[TrackerPoll] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.polls = list(polls)  # the other trackers' syncs (Jira), on this same thread
        self.store = store
        self.sync = sync
        self.pulls = pulls
        self.poll_s = poll_s
        self.clock = clock
        self.wake = threading.Event()
        self._next_full = 0.0

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.pass_once()
            except Exception:  # the loop outlives any one pass
                log.exception("github.pass_crashed")
            for poll in self.polls:
                try:
                    poll.pass_once()
                except Exception:
                    log.exception("tracker.pass_crashed", tracker=poll.tracker)
            soonest = min([self._next_full, *(p.next_at for p in self.polls)])
            left = max(0.2, soonest - self.clock())
            self.wake.wait(timeout=min(left, 5.0))
            self.wake.clear()

    def pass_once(self) -> None:
        """Apply the inbox; the full pass (every synced repository, every open PR) when due."""
        repos, prs = self.take_inbox()
        if self.clock() >= self._next_full:
            self._next_full = self.clock() + self.poll_s()
            self.full_pass()
            return
        if repos:
            github = self.sync.tracker("github")
            for root in self.sync.synced_repos("github"):
                if github.scope(root) in repos:
                    self._sync(root)
        if prs:
            self.pulls.watch(sorted(prs))

    def full_pass(self) -> None:
        for root in self.sync.synced_repos("github"):
            self._sync(root)
        self.pulls.watch()

    def _sync(self, root: Path) -> None:
        try:
            self.sync.sync(root, "github")
        except CcoError as exc:
            log.warning("github.sync_failed", repo=str(root), error=str(exc))

    def take_inbox(self, limit: int = 200) -> tuple[set[str], set[str]]:
        """The repositories to sync and the tasks whose PRs to poll, from pending deliveries
        (each settled: done, or ignored when it names nothing cco follows)."""
        with self.store.read() as tx:
            items = tx.inbox_items(source="github", statuses=[InboxStatus.PENDING], limit=limit)
        if not items:
            return set(), set()
        repos: set[str] = set()
        tasks: set[str] = set()
        now = datetime.now(UTC)
        with self.store.write() as tx:
            live = tx.pull_requests(states=[PullState.OPEN])
            for item in items:
                repo = _repo(item)
                hit = False
                if item.event in ISSUE_EVENTS and repo:
                    repos.add(repo)
                    hit = True
                if item.event in PR_EVENTS and repo:
                    numbers = _numbers(item)
                    sha = item.payload.get("check_run") or item.payload.get("check_suite") or {}
                    head = sha.get("head_sha") if isinstance(sha, dict) else None
                    for pr in live:
                        if pr.repo == repo and (pr.number in numbers or pr.head_sha == head):
                            tasks.add(pr.task_id)
                            hit = True
                status = InboxStatus.DONE if hit else InboxStatus.IGNORED
                tx.settle_inbox(item.id, status=status, when=now)
        return repos, tasks
