"""A task's state said on the issue it came from, for any tracker (ports_trackers): what the
outbox's status deliveries do (the GitHub subscriber for GitHub issues, the trackers'
subscriber for the others). Each delivery reads the task as it is when sent, so what waited
while the tracker was down catches up in one step; the tracker's report is safe to run again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cc_orchestrator.domain.models import TaskStatus
from cc_orchestrator.domain.outbox import SendResult, Sent
from cc_orchestrator.domain.trackers import PartlyReported
from cc_orchestrator.ports import Store
from cc_orchestrator.ports_trackers import IssueTracker
from cc_orchestrator.services.github_text import status_comment

T = TaskStatus

#: the task states a tracker is told (the others say nothing: no label, no transition)
STATES = {
    T.RUNNING: "running",
    T.NEEDS_INPUT: "needs_input",
    T.REVIEW: "review",
    T.FAILED: "failed",
    T.DONE: "done",
}


class TrackerStatus:
    def __init__(
        self, store: Store, trackers: Mapping[str, IssueTracker], public_url: str | None
    ) -> None:
        self.store = store
        self.trackers = dict(trackers)
        self.public_url = public_url

    def status(self, task_id: str) -> SendResult:
        with self.store.read() as tx:
            task, link, pr = tx.task(task_id), tx.issue_link(task_id), tx.pull_request(task_id)
        if task is None or link is None:
            return Sent("nothing to say: the task or its issue link is gone")
        tracker = self.trackers.get(link.tracker)
        if tracker is None:
            return Sent(f"nothing to say: cco does not know the tracker {link.tracker!r}")
        state = STATES.get(task.status)
        body = status_comment(task, pr, self.public_url)
        try:
            data = tracker.report(task.repo_path, link, state=state, comment=body, pull=pr)
        except PartlyReported as exc:
            self._keep(task.id, link.data, exc.data)
            raise
        self._keep(task.id, link.data, data)
        where = f"{link.project}#{link.key}" if link.tracker == "github" else link.key
        return Sent(f"{where}: {state or 'no state'}")

    def _keep(self, task_id: str, before: dict[str, Any], data: dict[str, Any]) -> None:
        if data != before:
            with self.store.write() as tx:
                tx.update_issue_link(task_id, data=data)
