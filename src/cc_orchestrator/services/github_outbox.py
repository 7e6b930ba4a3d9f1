"""The outbox's GitHub subscriber: task events become GitHub updates, sent in order per
GitHub repository (one outbox channel each), never on the scheduler's thread, retried while
GitHub is down or rate limited, each at least once and idempotent (services/github_work.py).

Deliveries (kind, payload {"op", "task", ...}):
- status: after each change a person watching the issue cares about (state, PR, checks,
  feedback rounds, cost): its label and its comment say the task as it is when sent;
- open_pr: on `task.pr_requested`;
- push: a task whose PR is open came back to review (the agent's fixes);
- retarget: a stacked PR whose dependency merged now targets that one's base.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cc_orchestrator.domain.errors import CcoError, ExternalError
from cc_orchestrator.domain.links import PullRequest, PullState
from cc_orchestrator.domain.models import Event, Task, TaskStatus
from cc_orchestrator.domain.outbox import Delivery, Refused, RetryLater, SendResult
from cc_orchestrator.domain.trackers import TrackerError, TrackerUnavailable
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Tx
from cc_orchestrator.services.github_prs import record_intent
from cc_orchestrator.services.github_repos import GitHubRepos, channel_of
from cc_orchestrator.services.github_work import GitHubWork
from cc_orchestrator.services.outbox import Planned
from cc_orchestrator.services.tracker_status import TrackerStatus

log = get_logger("cco.github")
ACTIVE_S = 5.0
SUBSCRIBER = "github"
SAID = frozenset(
    {
        "task.status",
        "task.result",
        "task.linked",
        "task.pr_opened",
        "task.pr_checks",
        "task.pr_feedback",
        "task.pr_closed",
    }
)


TITLES = {
    "status": "GitHub: the state label and comment on {repo}",
    "open_pr": "GitHub: push and open a pull request on {repo}",
    "push": "GitHub: push the agent's commits to {repo}",
    "retarget": "GitHub: retarget a stacked pull request on {repo}",
}


class GitHubSubscriber:
    name = SUBSCRIBER

    def __init__(
        self,
        work: GitHubWork,
        repos: GitHubRepos,
        status: TrackerStatus,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.work = work
        self.status = status
        self.repos = repos
        self.clock = clock
        self._active: tuple[float, bool] | None = None

    @property
    def active(self) -> bool:
        """Whether any task has an issue or a pull request (else there is nothing to say, and
        the outbox may idle); looked up at most every ACTIVE_S."""
        now = self.clock()
        if self._active is None or (not self._active[1] and now - self._active[0] > ACTIVE_S):
            with self.work.store.read() as tx:
                used = bool(tx.issue_links(limit=1)) or bool(tx.pull_requests(limit=1))
            self._active = (now, used)
        return self._active[1]

    def plan(self, tx: Tx, event: Event, now: datetime) -> list[Planned]:
        if event.entity_type != "task":
            return []
        task_id = event.entity_id
        link = tx.issue_link(task_id)
        pr = tx.pull_request(task_id)
        out: list[tuple[str, str, dict[str, Any]]] = []  # (repo, op, extra)
        if event.kind == "task.status" and event.data.get("status") == TaskStatus.REVIEW.value:
            task = tx.task(task_id)
            if task is not None and pr is None:
                pr = self._at_review(tx, task)
            elif pr is not None and pr.state is PullState.OPEN:
                out.append((pr.repo, "push", {}))
        if event.kind == "task.pr_updated" and pr is not None and pr.state is PullState.OPEN:
            out.append((pr.repo, "push", {}))
        if event.kind == "task.pr_requested" and pr is not None:
            out.append((pr.repo, "open_pr", {}))
        if event.kind == "task.pr_closed" and event.data.get("merged") and pr is not None:
            for other in tx.pull_requests(states=[PullState.OPEN]):
                if other.repo == pr.repo and other.base == pr.head and other.task_id != task_id:
                    out.append((other.repo, "retarget", {"task": other.task_id, "base": pr.base}))
        if link is not None and link.tracker == "github" and event.kind in SAID:
            out.append((link.project, "status", {}))
        return [
            Planned(
                channel_of(repo),
                op if op != "retarget" else f"retarget:{extra['task']}"[:32],
                str(extra.get("task", task_id)),
                {"op": op, "task": task_id, **extra, "title": TITLES[op].format(repo=repo)},
            )
            for repo, op, extra in out
        ]

    def _at_review(self, tx: Tx, task: Task) -> PullRequest | None:
        """open_pr_at: review — the task's PR opens as soon as it is in review."""
        if task.repo_path is None or task.branch is None:
            return None
        cfg = self.repos.settings(task.repo_path)
        if not (cfg.pull_requests and cfg.open_pr_at == "review"):
            return None
        repo = self.repos.ref(task.repo_path)
        if repo is None:
            return None
        return record_intent(tx, task, repo)

    def next_to_send(self, tx: Tx, channel: str, now: datetime) -> Delivery | None:
        queue = tx.queue(channel, limit=1)
        if not queue or queue[0].next_attempt_at > now:
            return None
        return queue[0]

    def held(self, channel: str, now: datetime) -> bool:
        return False

    def deliver(self, delivery: Delivery) -> SendResult:
        payload = delivery.payload
        op, task_id = payload.get("op"), str(payload.get("task", ""))
        try:
            if op == "status":
                return self.status.status(task_id)
            if op == "open_pr":
                return self.work.open_pr(task_id)
            if op == "push":
                return self.work.push(task_id)
            if op == "retarget":
                return self.work.retarget(str(payload.get("task")), str(payload.get("base")))
            return Refused(f"unknown GitHub update {op!r}")
        except TrackerUnavailable as exc:
            return RetryLater(exc.message, after_s=exc.retry_after_s)
        except TrackerError as exc:
            return Refused(str(exc))
        except ExternalError as exc:  # git push: the network, or the remote said no
            if "rejected" in exc.message or "non-fast-forward" in exc.message:
                return Refused(exc.message)
            return RetryLater(exc.message)
        except CcoError as exc:
            return Refused(str(exc))

    def close(self) -> None:
        return None


__all__ = ["SUBSCRIBER", "GitHubSubscriber"]
