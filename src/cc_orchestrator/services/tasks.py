"""Tasks: from a prompt to reviewed work on a branch, with dependencies, priorities, limits.

A start is idempotent: the task is claimed (running, with the id its instance will get) in one
write transaction before anything is spawned, so after a crash at any step the next look either
adopts what runs or, when nothing ran, starts again; a task never runs twice.

TaskService is built of parts, each a module: task_core (collaborators, reading, moves, the
dependency refresh), task_edit (add, edit), task_start (claim and spawn), task_follow (the
running agent to review), approval (approve); this module holds the user's actions (cancel,
retry, start, reject) and the scheduling pass (`tick`).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from cc_orchestrator.domain import tasks as rules
from cc_orchestrator.domain.actions import TaskAction, check_task
from cc_orchestrator.domain.errors import Conflict, LimitReached, NotFound
from cc_orchestrator.domain.models import Task, TaskStatus
from cc_orchestrator.domain.text import check_multiline
from cc_orchestrator.services.approval import ApproveSteps
from cc_orchestrator.services.isolation import run_step
from cc_orchestrator.services.task_core import DepsView
from cc_orchestrator.services.task_edit import MAX_TITLE, TaskEditing
from cc_orchestrator.services.task_follow import TaskFollowing
from cc_orchestrator.services.task_outcome import settle_instance

__all__ = ["MAX_TITLE", "DepsView", "TaskService"]

T = TaskStatus


class TaskService(TaskEditing, TaskFollowing, ApproveSteps):
    """Tasks: adding and editing (task_edit.py), starting (task_start.py), following to review
    (task_follow.py), approving (approval.py), on the shared core (task_core.py); here the
    user's actions and the scheduling pass."""

    # ------------------------------------------------------------------ lifecycle
    def cancel(self, key: str, *, reason: str = "cancelled by the user") -> Task:
        task = self.get(key)
        check_task(task, TaskAction.CANCEL)
        if task.instance_id and task.status in (*rules.ACTIVE, T.REVIEW):
            with contextlib.suppress(NotFound):
                self.instances.stop(task.instance_id)
        with self.store.write() as tx:
            current = tx.task(task.id)
            assert current is not None
            task = self._move(tx, current, T.CANCELLED, reason, finished_at=datetime.now(UTC))
            settle_instance(tx, task.instance_id, "task cancelled")
        self.refresh_waiting()
        return task

    def retry(self, key: str) -> Task:
        task = self.get(key)
        check_task(task, TaskAction.RETRY)
        with self.store.write() as tx:
            status, reason = rules.readiness(self._dep_statuses(tx, task.depends_on, strict=False))
            if status == T.BLOCKED:
                raise Conflict(
                    f"task {task.id} cannot run: {reason}", hint="retry that dependency first"
                )
            settle_instance(tx, task.instance_id, "task retried in a new instance")
            task = self._move(
                tx,
                task,
                status,
                f"retried: {reason}",
                instance_id=None,
                finished_at=None,
                summary=None,
                waiting_for=[],
                parked=False,
            )
        self.refresh_waiting()
        return task

    def start(self, key: str) -> Task:
        """Start now, ahead of the queue (still within the limits)."""
        task = self.get(key)
        check_task(task, TaskAction.START)
        if not self._capacity(task):
            raise LimitReached(
                "no free slot: instances.max_running (or tasks.max_running_per_repo) is reached",
                hint="it will start by itself when a slot frees up (with `cco up` running)",
            )
        return self._start(task)

    def reject(self, key: str, feedback: str, *, reason: str | None = None) -> Task:
        """Back to the agent with feedback (the user's, or a pull request's CI and reviews)."""
        task = self.get(key)
        feedback = self.instances.check_prompt(check_multiline(feedback, "the feedback"))
        check_task(task, TaskAction.REJECT)
        assert task.instance_id is not None
        inst = self.instances.get(task.instance_id)
        # The agent is restarted first and the task moved after: a scheduler look in between
        # sees a task still in review, never a running task whose agent is stopped.
        self.instances.restart(inst.id, reason="review feedback", prompt=feedback)
        with self.store.write() as tx:
            current = tx.task(task.id)
            assert current is not None
            return self._move(
                tx,
                current,
                T.RUNNING,
                reason or "rejected: working on the feedback",
                feedback=feedback,
                turns_at_start=inst.turns,
                finished_at=None,
                summary=None,  # a new request_review says when it is done again
                waiting_for=[],
                parked=False,
            )

    # ------------------------------------------------------------------ scheduling
    def tick(self) -> None:
        """One scheduling pass: follow running tasks, promote waiting ones, start ready ones.

        It never raises: a step that fails for one task fails that task (see isolation.py),
        and a step that fails as a whole (the database) is logged and retried next pass.
        """
        run_step("sync", lambda: self.instances.sync(returning=False))
        run_step("follow", self.follow_running)
        run_step("approve", self.resume_approvals)
        run_step("refresh", self.refresh_waiting)
        if self.holds is not None:
            run_step("messages", self.holds.tidy)
        run_step("start", self.start_ready)
