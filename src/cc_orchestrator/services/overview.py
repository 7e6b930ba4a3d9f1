"""The fleet at a glance: counts, what needs the user, the event history, repositories."""

from __future__ import annotations

from typing import Any

from cc_orchestrator.domain.models import Event, InstanceStatus, Repository, TaskStatus
from cc_orchestrator.ports import Locks, Store
from cc_orchestrator.services.instances import InstanceService
from cc_orchestrator.services.tasks import TaskService


class OverviewService:
    def __init__(
        self, *, store: Store, instances: InstanceService, tasks: TaskService, locks: Locks
    ) -> None:
        self.store = store
        self.instances = instances
        self.tasks = tasks
        self.locks = locks

    def daemon_running(self) -> bool:
        return self.locks.is_held("daemon")

    def fresh(self) -> None:
        """Bring instance states up to date, unless the daemon does it anyway (it looks at
        every instance each monitor interval): a page view never costs a full pass then."""
        if not self.daemon_running():
            self.instances.sync()

    def snapshot(self, *, needs_limit: int = 50) -> dict[str, Any]:
        """Counts by status (grouped queries) and what needs the user (the first few)."""
        self.fresh()
        with self.store.read() as tx:
            instance_counts = tx.count_by_status("instance")
            task_counts = tx.count_by_status("task")
            waiting = tx.instances(statuses=[InstanceStatus.WAITING_INPUT], limit=needs_limit)
            review = tx.tasks(statuses=[TaskStatus.REVIEW], limit=needs_limit)
            failed = tx.tasks(statuses=[TaskStatus.FAILED], limit=needs_limit)
            cost = tx.total_cost()
        with self.store.read() as tx:
            titles = {
                t.id: t.title for t in (tx.task(i.task_id) for i in waiting if i.task_id) if t
            }
        needs: list[dict[str, Any]] = [
            {
                "kind": "instance",
                "id": i.id,
                "why": i.status_reason or "waiting for input",
                "task_id": i.task_id,
                "title": titles.get(i.task_id or ""),
            }
            for i in waiting
        ]
        needs += [
            {
                "kind": "task",
                "id": t.id,
                "why": f"review: {t.title}",
                "task_id": t.id,
                "title": t.title,
            }
            for t in review
        ]
        needs += [
            {
                "kind": "task",
                "id": t.id,
                "why": f"failed: {t.status_reason}",
                "task_id": t.id,
                "title": t.title,
            }
            for t in failed
        ]
        return {
            "daemon": "running" if self.daemon_running() else "stopped",
            "instances": instance_counts,
            "tasks": task_counts,
            "cost_usd": round(cost, 4),
            "needs_you": needs,
        }

    def events(
        self, *, after_id: int = 0, limit: int = 100, entity_id: str | None = None
    ) -> list[Event]:
        with self.store.read() as tx:
            return tx.events(after_id=after_id, limit=limit, entity_id=entity_id)

    def repositories(self) -> list[Repository]:
        with self.store.read() as tx:
            return tx.repos()
