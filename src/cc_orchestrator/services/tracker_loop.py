"""A tracker's share of the daemon's tracker thread (services/github_loop.py runs it): its
synced repositories' issues every `<tracker>.poll_s`, and at once when one of its webhooks
arrived. As with GitHub, a webhook is a hint: it makes cco search sooner (a Jira search after
the first asks only for what changed), never tells it what changed."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.domain.links import InboxStatus
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Store
from cc_orchestrator.services.tracker_sync import TrackerSync

log = get_logger("cco.trackers")
#: the webhook events that may mean an issue cco follows changed, per tracker
ISSUE_EVENTS: dict[str, tuple[str, ...]] = {
    "jira": ("jira:issue_", "comment_", "issuelink_"),
}


class TrackerPoll:
    def __init__(
        self,
        store: Store,
        sync: TrackerSync,
        tracker: str,
        *,
        poll_s: Callable[[], float],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.sync = sync
        self.tracker = tracker
        self.poll_s = poll_s
        self.clock = clock
        self.next_at = 0.0

    def pass_once(self) -> None:
        hinted = self.take_inbox()
        if not hinted and self.clock() < self.next_at:
            return
        self.next_at = self.clock() + self.poll_s()
        for root in self.sync.synced_repos(self.tracker):
            try:
                self.sync.sync(root, self.tracker)
            except CcoError as exc:
                log.warning(
                    "tracker.sync_failed", tracker=self.tracker, repo=str(root), error=str(exc)
                )

    def take_inbox(self, limit: int = 200) -> bool:
        """Whether a pending delivery of this tracker names an issue event (each is settled:
        done, or ignored when it is of a kind nothing here follows)."""
        with self.store.read() as tx:
            items = tx.inbox_items(source=self.tracker, statuses=[InboxStatus.PENDING], limit=limit)
        if not items:
            return False
        kinds = ISSUE_EVENTS.get(self.tracker, ("",))
        hit = False
        now = datetime.now(UTC)
        with self.store.write() as tx:
            for item in items:
                mine = item.event.startswith(kinds)
                hit = hit or mine
                status = InboxStatus.DONE if mine else InboxStatus.IGNORED
                tx.settle_inbox(item.id, status=status, when=now)
        return hit
