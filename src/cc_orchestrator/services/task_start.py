"""Starting tasks: the best ready ones first, within the limits, each claimed before it spawns.

A start is idempotent: the task is claimed (running, with the id its instance will get) in one
write transaction before anything is spawned, so after a crash at any step the next look either
adopts what runs or, when nothing ran, starts again; a task never runs twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cc_orchestrator import faults
from cc_orchestrator.domain import events
from cc_orchestrator.domain import instance_status as imachine
from cc_orchestrator.domain import tasks as rules
from cc_orchestrator.domain.errors import CcoError, Conflict
from cc_orchestrator.domain.models import Task, TaskStatus
from cc_orchestrator.domain.names import new_id
from cc_orchestrator.logs import get_logger
from cc_orchestrator.services.isolation import describe
from cc_orchestrator.services.task_core import TaskCore
from cc_orchestrator.services.task_names import instance_name
from cc_orchestrator.services.task_outcome import settle_instance

log = get_logger("cco.tasks")
T = TaskStatus


class TaskStarting(TaskCore):
    """Starting ready tasks (part of TaskService)."""

    def _capacity(
        self,
        task: Task,
        running_by_repo: dict[int | None, int] | None = None,
        live: int | None = None,
    ) -> bool:
        limit = self.instances_config.max_running
        with self.store.read() as tx:
            if live is None:
                live = tx.count_instances(imachine.LIVE) - tx.count_parked()
            per_repo = self.config.max_running_per_repo
            if per_repo and running_by_repo is None:
                running_by_repo = {}
                for t in tx.tasks(statuses=list(rules.ACTIVE)):
                    running_by_repo[t.repo_id] = running_by_repo.get(t.repo_id, 0) + 1
        if limit and live >= limit:
            return False
        return not (
            per_repo and running_by_repo and running_by_repo.get(task.repo_id, 0) >= per_repo
        )

    def start_ready(self) -> list[Task]:
        """Start ready tasks, best first, while there are free slots.

        The slots are counted once per pass and kept up to date as tasks start, and the pass
        stops at the global limit: a backlog of thousands of ready tasks behind a full fleet
        costs one count, not a transaction per task. (The spawn itself re-checks the limit
        in its own transaction, so an instance started meanwhile by another process is never
        one too many.)
        """
        limit = self.instances_config.max_running
        per_repo = self.config.max_running_per_repo
        with self.store.read() as tx:
            live = tx.count_instances(imachine.LIVE) - tx.count_parked()
            if limit and live >= limit:
                return []
            ready = tx.tasks(statuses=[T.READY])
            running_by_repo: dict[int | None, int] = {}
            if per_repo and ready:
                for t in tx.tasks(statuses=list(rules.ACTIVE)):
                    running_by_repo[t.repo_id] = running_by_repo.get(t.repo_id, 0) + 1
        order = rules.order_for_start(
            (t.id, t.priority, t.created_at.timestamp() if t.created_at else 0.0) for t in ready
        )
        by_id = {t.id: t for t in ready}
        started = []
        for task_id in order:
            task = by_id[task_id]
            if limit and live >= limit:
                break
            if per_repo and running_by_repo.get(task.repo_id, 0) >= per_repo:
                continue
            try:
                result = self._start(task)
            except Conflict as exc:  # no longer ready: moved by someone else meanwhile
                log.warning("task.start_failed", task_id=task_id, error=str(exc))
                continue
            except Exception as exc:
                self._isolate("start", task_id, exc)
                continue
            started.append(result)
            if result.status in rules.ACTIVE:
                live += 1
                running_by_repo[task.repo_id] = running_by_repo.get(task.repo_id, 0) + 1
        return started

    def _start(self, task: Task) -> Task:
        # 1. claim: running, with the id its instance will have (one transaction)
        planned = new_id()
        with self.store.write() as tx:
            current = tx.task(task.id)
            if current is None or current.status != T.READY:
                raise Conflict(f"task {task.id} is no longer ready")
            task = self._move(
                tx,
                current,
                T.RUNNING,
                "starting",
                instance_id=planned,
                attempts=current.attempts + 1,
                started_at=datetime.now(UTC),
                turns_at_start=0,
                worktree_id=None,
                branch=None,
                base_commit=None,
            )
        faults.point("start.after_claim")
        return self._launch(task, planned)

    def _relaunch(self, task: Task, reason: str) -> None:
        planned = new_id()
        with self.store.write() as tx:
            settle_instance(tx, task.instance_id, "its start was interrupted; started again")
            task = tx.update_task(
                task.id,
                instance_id=planned,
                status_reason=reason,
                worktree_id=None,
                branch=None,
                base_commit=None,
            )
            tx.append_event(events.task_restart_start(task, reason))
        self._launch(task, planned)

    def _launch(self, task: Task, planned: str) -> Task:
        assert task.repo_path is not None
        with self.store.read() as tx:
            name = instance_name(tx, task)
        try:
            # 2. where to start: stacked on unmerged dependency branches, or the base
            base, merge = self._start_point(task)
            inst = self.instances.spawn(
                repo=task.repo_path,
                name=name,
                prompt=task.prompt,
                agent=task.agent,
                mode=task.mode,
                base=base,
                task_id=task.id,
                instance_id=planned,
                merge=merge,
                max_turns=task.max_turns,
            )
        except Exception as exc:  # spawn undid what it made; the task fails, not the pass
            if not isinstance(exc, CcoError):
                log.exception("task.start_crashed", task_id=task.id)
            with self.store.write() as tx:
                current = tx.task(task.id)
                assert current is not None
                return self._move(
                    tx,
                    current,
                    T.FAILED,
                    f"could not start: {describe(exc)}",
                    finished_at=datetime.now(UTC),
                )
        faults.point("start.before_status")
        # 3. record where it runs
        with self.store.write() as tx:
            current = tx.task(task.id)
            assert current is not None
            current = self._adopt(tx, current, inst)
            return tx.update_task(task.id, status_reason=f"running in instance {inst.id}")

    def _start_point(self, task: Task) -> tuple[str | None, list[str]]:
        """Stack on dependencies whose branch is not merged into the base yet."""
        base = task.base_ref
        with self.store.read() as tx:
            deps = [t for t in (tx.task(d) for d in task.depends_on) if t]
        assert task.repo_path is not None
        target = base or "HEAD"
        unmerged = [
            d.branch
            for d in deps
            if d.branch
            and d.repo_id == task.repo_id
            and self.vcs.branch_exists(task.repo_path, d.branch)
            and not self.vcs.is_ancestor(task.repo_path, d.branch, target)
        ]
        if not unmerged:
            return base, []
        return unmerged[0], unmerged[1:]
