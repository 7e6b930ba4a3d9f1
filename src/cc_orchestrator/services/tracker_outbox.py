"""The outbox's subscriber for the issue trackers other than GitHub (Jira): after each change
a person watching the issue cares about, a `status` delivery says the task on its issue
(services/tracker_status.py), in order per tracker project (one outbox channel each), never on
the scheduler's thread, retried while the tracker is down or rate limited. GitHub issues have
theirs in the GitHub subscriber's channels, next to their repository's pull requests.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Collection
from datetime import datetime

from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.domain.models import Event
from cc_orchestrator.domain.outbox import Delivery, Refused, RetryLater, SendResult
from cc_orchestrator.domain.trackers import TrackerError, TrackerUnavailable
from cc_orchestrator.ports import Tx
from cc_orchestrator.services.github_outbox import SAID
from cc_orchestrator.services.outbox import Planned
from cc_orchestrator.services.tracker_status import TrackerStatus

ACTIVE_S = 5.0
SUBSCRIBER = "trackers"
CHANNEL_MAX = 64  # deliveries.channel


def channel_of(tracker: str, project: str) -> str:
    name = f"{tracker}:{project}"
    if len(name) <= CHANNEL_MAX:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"{name[: CHANNEL_MAX - 11]}~{digest}"


class TrackerSubscriber:
    name = SUBSCRIBER

    def __init__(
        self,
        status: TrackerStatus,
        trackers: Collection[str],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.status = status
        self.trackers = frozenset(trackers)
        self.clock = clock
        self._active: tuple[float, bool] | None = None

    @property
    def active(self) -> bool:
        """Whether any task came from one of these trackers; looked up at most every ACTIVE_S."""
        now = self.clock()
        if self._active is None or (not self._active[1] and now - self._active[0] > ACTIVE_S):
            with self.status.store.read() as tx:
                used = any(tx.issue_links(tracker=t, limit=1) for t in self.trackers)
            self._active = (now, used)
        return self._active[1]

    def plan(self, tx: Tx, event: Event, now: datetime) -> list[Planned]:
        if event.entity_type != "task" or event.kind not in SAID:
            return []
        link = tx.issue_link(event.entity_id)
        if link is None or link.tracker not in self.trackers:
            return []
        payload = {
            "op": "status",
            "task": link.task_id,
            "title": f"{link.tracker.capitalize()}: the status and comment on {link.key}",
        }
        return [Planned(channel_of(link.tracker, link.project), "status", link.task_id, payload)]

    def next_to_send(self, tx: Tx, channel: str, now: datetime) -> Delivery | None:
        queue = tx.queue(channel, limit=1)
        if not queue or queue[0].next_attempt_at > now:
            return None
        return queue[0]

    def held(self, channel: str, now: datetime) -> bool:
        return False

    def deliver(self, delivery: Delivery) -> SendResult:
        payload = delivery.payload
        if payload.get("op") != "status":
            return Refused(f"unknown tracker update {payload.get('op')!r}")
        try:
            return self.status.status(str(payload.get("task", "")))
        except TrackerUnavailable as exc:
            return RetryLater(exc.message, after_s=exc.retry_after_s)
        except TrackerError as exc:
            return Refused(str(exc))
        except CcoError as exc:
            return Refused(str(exc))

    def close(self) -> None:
        return None


__all__ = ["SUBSCRIBER", "TrackerSubscriber", "channel_of"]
