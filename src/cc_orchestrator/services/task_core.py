"""The core every part of TaskService shares: its collaborators, reading, and moving a task.

A move is checked against the domain's rules (domain/tasks.py) and recorded as a
`task.status` event in the same transaction. A step that fails for one task (see
isolation.py) fails that task alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from cc_orchestrator.config import InstancesConfig, TasksConfig
from cc_orchestrator.domain import events
from cc_orchestrator.domain import instance_status as imachine
from cc_orchestrator.domain import tasks as rules
from cc_orchestrator.domain.actions import dependency_refusal
from cc_orchestrator.domain.errors import CcoError, Conflict, NotFound, StorageError
from cc_orchestrator.domain.models import Instance, Task, TaskStatus
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Store, Tx, Vcs
from cc_orchestrator.services.instances import InstanceService
from cc_orchestrator.services.isolation import STEP_REASONS, Strikes, describe
from cc_orchestrator.services.worktrees import WorktreeService

log = get_logger("cco.tasks")
T = TaskStatus


class Landing(Protocol):
    """Where approved work lands when not merged here: a pull request (services/github_prs)."""

    def wants_pull_request(self, task: Task) -> bool: ...
    def request_pull_request(self, task: Task) -> Task:
        """Record the intent (push and open a PR, through the outbox); the task as it is now."""
        ...


@dataclass(frozen=True)
class DepsView:
    task: Task
    dependencies: list[Task]
    dependents: list[Task]


class Holds(Protocol):
    def hold(self, task: Task, inst: Instance) -> bool: ...
    def tidy(self) -> None: ...


class TaskCore:
    """Collaborators, reading and moves; the parts (editing, starting, following, approving)
    build on it."""

    def __init__(
        self,
        *,
        store: Store,
        instances: InstanceService,
        worktrees: WorktreeService,
        vcs: Vcs,
        config: TasksConfig,
        instances_config: InstancesConfig,
        channels: Sequence[str] = (),
    ) -> None:
        self.store = store
        self.instances = instances
        self.worktrees = worktrees
        self.vcs = vcs
        self.config = config
        self.instances_config = instances_config
        self.channels = tuple(channels)  # the notification channels a task may name
        self.strikes = Strikes()
        self.landing: Landing | None = None  # set by bootstrap when GitHub is wired
        # what may hold an agent at the end of its turn (coordination_delivery.Holds)
        self.holds: Holds | None = None

    # ------------------------------------------------------------------ reading
    def get(self, key: str) -> Task:
        with self.store.read() as tx:
            task = tx.task(key)
        if task is None:
            raise NotFound(f"no task {key!r}", hint="`cco tasks list` shows them")
        return task

    def all(
        self,
        *,
        statuses: Sequence[TaskStatus] | None = None,
        limit: int | None = None,
        offset: int = 0,
        after: str | None = None,
    ) -> list[Task]:
        """Oldest first; after: only those after this task (a page's last id)."""
        with self.store.read() as tx:
            if after is not None and tx.task(after) is None:
                raise NotFound(
                    f"no task {after!r} to list after",
                    hint="pass the id of the last task of the previous page",
                )
            return tx.tasks(statuses=statuses, limit=limit, offset=offset, after=after)

    def deps(self, key: str) -> DepsView:
        task = self.get(key)
        with self.store.read() as tx:
            deps = [t for t in (tx.task(d) for d in task.depends_on) if t]
            dependents = [t for t in (tx.task(d) for d in tx.dependents(task.id)) if t]
        return DepsView(task, deps, dependents)

    def _dep_statuses(
        self, tx: Tx, deps: Sequence[str] | set[str], *, strict: bool = True
    ) -> dict[str, TaskStatus]:
        statuses = tx.task_statuses(list(deps))
        missing = sorted(set(deps) - set(statuses))
        if missing:
            raise NotFound(
                f"no task {missing[0]!r} to depend on", hint="`cco tasks list` shows them"
            )
        if strict:
            for dep in sorted(statuses):
                refusal = dependency_refusal(dep, statuses[dep])
                if refusal is not None:
                    raise refusal
        return statuses

    # ------------------------------------------------------------------ moves
    def _move(self, tx: Tx, task: Task, status: TaskStatus, reason: str, **values: Any) -> Task:
        if not rules.can_move(task.status, status):
            raise Conflict(
                f"task {task.id} is {task.status.value} and cannot become {status.value}"
            )
        updated = tx.update_task(task.id, status=status, status_reason=reason, **values)
        if status != task.status:
            tx.append_event(events.task_status(updated, task.status))
            log.info(
                "task.status",
                task_id=task.id,
                status=status.value,
                previous=task.status.value,
                reason=reason,
            )
        return updated

    def _isolate(self, step: str, task_id: str, exc: Exception) -> None:
        """One task's step failed: count it, and fail that task alone when it is due."""
        if isinstance(exc, CcoError):
            log.warning("task.step_failed", step=step, task_id=task_id, error=str(exc))
        else:
            log.exception("task.step_crashed", step=step, task_id=task_id)
        if self.strikes.hit(step, task_id, exc):
            self._fail_alone(task_id, f"{STEP_REASONS[step]}: {describe(exc)}")

    def _fail_alone(self, task_id: str, reason: str) -> None:
        try:
            with self.store.write() as tx:
                current = tx.task(task_id)
                if current is None or current.status in (T.FAILED, T.DONE, T.CANCELLED):
                    return
                if not rules.can_move(current.status, T.FAILED):
                    return
                current = self._move(tx, current, T.FAILED, reason, finished_at=datetime.now(UTC))
            if current.instance_id:
                with self.store.read() as tx:
                    inst = tx.instance(current.instance_id)
                if inst is not None and inst.status in imachine.LIVE:
                    self.instances.stop(inst.id, reason=f"task failed: {reason}")
        except Exception:
            log.exception("task.fail_crashed", task_id=task_id)

    def _adopt(self, tx: Tx, task: Task, inst: Instance) -> Task:
        wt = tx.worktree(inst.worktree_id or "")
        if wt is None:
            return task
        return tx.update_task(
            task.id, worktree_id=wt.id, branch=wt.branch, base_commit=wt.base_commit
        )

    def refresh_waiting(self) -> None:
        """Pending/ready/blocked tasks follow their dependencies.

        Read in one query (each waiting task's status and its dependencies' statuses); a
        write transaction is opened only when some task's status changes, and re-checks those
        tasks in it, so a big backlog costs one read per pass, not a write.
        """
        waiting_statuses = [T.PENDING, T.READY, T.BLOCKED]
        with self.store.read() as tx:
            waiting = tx.dependency_statuses(waiting_statuses)
        moving = [
            task_id
            for task_id, (status, deps) in waiting.items()
            if rules.readiness(deps)[0] != status
        ]
        if not moving:
            return
        try:
            with self.store.write() as tx:
                for task_id in moving:
                    self._promote(tx, task_id)
        except StorageError:
            raise
        except Exception:
            # One task's move failed the whole batch: each alone, so only that one fails.
            for task_id in moving:
                try:
                    with self.store.write() as tx:
                        self._promote(tx, task_id)
                except Exception as exc:
                    self._isolate("refresh", task_id, exc)

    def _promote(self, tx: Tx, task_id: str) -> None:
        task = tx.task(task_id)
        if task is None or task.status not in (T.PENDING, T.READY, T.BLOCKED):
            return  # moved by someone else meanwhile
        status, reason = rules.readiness(tx.task_statuses(task.depends_on))
        if status != task.status:
            self._move(tx, task, status, reason)
