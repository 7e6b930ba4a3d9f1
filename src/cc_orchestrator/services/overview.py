"""The fleet at a glance: counts, what needs the user, the event history, repositories."""

from __future__ import annotations

from collections import Counter
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

    def snapshot(self) -> dict[str, Any]:
        self.instances.sync()
        instances = self.instances.all()
        tasks = self.tasks.all()
        needs = [
            {"kind": "instance", "id": i.id, "why": i.status_reason or "waiting for input"}
            for i in instances
            if i.status == InstanceStatus.WAITING_INPUT
        ]
        needs += [
            {"kind": "task", "id": t.id, "why": f"review: {t.title}"}
            for t in tasks
            if t.status == TaskStatus.REVIEW
        ]
        needs += [
            {"kind": "task", "id": t.id, "why": f"failed: {t.status_reason}"}
            for t in tasks
            if t.status == TaskStatus.FAILED
        ]
        return {
            "daemon": "running" if self.daemon_running() else "stopped",
            "instances": dict(Counter(i.status.value for i in instances)),
            "tasks": dict(Counter(t.status.value for t in tasks)),
            "cost_usd": round(sum(i.cost_usd for i in instances), 4),
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
