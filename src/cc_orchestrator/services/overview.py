"""The fleet at a glance: counts, what needs the user, the event history, repositories."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from cc_orchestrator.domain import instance_status as machine
from cc_orchestrator.domain.models import (
    Event,
    Instance,
    InstanceStatus,
    Repository,
    Task,
    TaskStatus,
    WorktreeStatus,
)
from cc_orchestrator.ports import Locks, Store
from cc_orchestrator.services.instances import InstanceService

FAILED_DELIVERIES = "cco notifications list --status failed"


@dataclass(frozen=True)
class Owner:
    """Who works in a worktree: its instance (the live one, else the latest) and task."""

    instance_id: str | None = None
    instance_status: str | None = None
    task_id: str | None = None
    task_title: str | None = None


class OverviewService:
    def __init__(self, *, store: Store, instances: InstanceService, locks: Locks) -> None:
        self.store = store
        self.instances = instances
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
            undelivered = sum(
                n for (_, status), n in tx.delivery_counts().items() if status == "failed"
            )
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
        if undelivered:
            said = "notification" if undelivered == 1 else "notifications"
            needs.append(
                {
                    "kind": "notifications",
                    "id": "failed",
                    "why": f"{undelivered} {said} failed: see `{FAILED_DELIVERIES}`",
                }
            )
        return {
            "daemon": "running" if self.daemon_running() else "stopped",
            "instances": instance_counts,
            "tasks": task_counts,
            "cost_usd": round(cost, 4),
            "needs_you": needs,
            # all of them (needs_you lists the first few of each kind)
            "needs_you_total": instance_counts.get(InstanceStatus.WAITING_INPUT.value, 0)
            + task_counts.get(TaskStatus.REVIEW.value, 0)
            + task_counts.get(TaskStatus.FAILED.value, 0)
            + (1 if undelivered else 0),
            "failed_deliveries": undelivered,
        }

    def events(
        self, *, after_id: int = 0, limit: int = 100, entity_id: str | None = None
    ) -> list[Event]:
        with self.store.read() as tx:
            return tx.events(after_id=after_id, limit=limit, entity_id=entity_id)

    def repositories(self) -> list[Repository]:
        with self.store.read() as tx:
            return tx.repos()

    def active_worktree_ids(self, among: Collection[str]) -> set[str]:
        """Which of these worktrees are still there (one query, no look at the disk)."""
        if not among:
            return set()
        with self.store.read() as tx:
            return {w.id for w in tx.worktrees(ids=among) if w.status == WorktreeStatus.ACTIVE}

    def worktree_owners(self, worktree_ids: Collection[str]) -> dict[str, Owner]:
        """For each worktree, the instance and task that own it (two queries). A task's
        worktree is recorded once its instance made it; until then the instance tells."""
        wanted = set(worktree_ids)
        with self.store.read() as tx:
            instances: dict[str, Instance] = {}
            for inst in tx.instances():  # oldest first: a later (or the live) one wins
                if inst.worktree_id is None or inst.worktree_id not in wanted:
                    continue
                held = instances.get(inst.worktree_id)
                if held is None or inst.status in machine.LIVE or held.status not in machine.LIVE:
                    instances[inst.worktree_id] = inst
            task_ids = {i.task_id for i in instances.values() if i.task_id}
            tasks: dict[str, Task] = {}
            by_id: dict[str, Task] = {}
            for task in tx.tasks():
                if task.worktree_id is not None and task.worktree_id in wanted:
                    tasks[task.worktree_id] = task
                if task.id in task_ids:
                    by_id[task.id] = task
        owners = {}
        for wt_id in wanted:
            owner_inst = instances.get(wt_id)
            owner_task = tasks.get(wt_id)
            if owner_task is None and owner_inst is not None and owner_inst.task_id:
                owner_task = by_id.get(owner_inst.task_id)
            if owner_inst is None and owner_task is None:
                continue
            owners[wt_id] = Owner(
                instance_id=owner_inst.id if owner_inst else None,
                instance_status=owner_inst.status.value if owner_inst else None,
                task_id=owner_task.id if owner_task else None,
                task_title=owner_task.title if owner_task else None,
            )
        return owners
