"""Approve: merge a reviewed task's branch, tidy up, mark it done; safe against kill -9.

The intent is recorded first: the task (still in review) gets its approve plan (where it merges,
how, and the commit its branch held), in one transaction, before anything changes in git. Then
every step can run again and does only what is left:

1. merge: skipped when the recorded commit is already in the target branch;
2. worktree and branch removal: skipped when the worktree row is removed already (and a branch
   already deleted is not deleted again);
3. the final write: the task becomes done and the plan is cleared.

An approve interrupted at any step (kill -9, a full disk) is finished by the next `cco tasks
approve ID` or by the daemon's next pass; the merge happens once. An approve in progress holds
the lock `approve:<task>`, so the daemon never finishes one that is still running.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cc_orchestrator import faults
from cc_orchestrator.domain import events
from cc_orchestrator.domain.actions import TaskAction, check_task
from cc_orchestrator.domain.errors import CcoError, Conflict, NotFound
from cc_orchestrator.domain.models import Task, TaskStatus, WorktreeStatus
from cc_orchestrator.domain.text import printable
from cc_orchestrator.logs import get_logger
from cc_orchestrator.services.task_core import TaskCore
from cc_orchestrator.services.task_outcome import settle_instance

log = get_logger("cco.tasks")
T = TaskStatus


def approve_lock(task_id: str) -> str:
    return f"approve:{task_id}"


class ApproveSteps(TaskCore):
    """Approving a task in review (part of TaskService)."""

    # ------------------------------------------------------------------ the user's approve
    def approve(self, key: str) -> Task:
        task = self._check_review(self.get(key))
        if task.approve_plan is None and self.landing and self.landing.wants_pull_request(task):
            return self.landing.request_pull_request(task)
        with self.instances.locks.hold(approve_lock(task.id)):
            task = self.get(task.id)  # as it is now that no other approve runs
            if task.status == T.DONE:
                return task  # finished while this one waited (by the daemon, say)
            self._check_review(task)
            if task.approve_plan is None:
                task = self._record_intent(task)
            task = self._finish(task)
        self.refresh_waiting()
        return task

    @staticmethod
    def _check_review(task: Task) -> Task:
        check_task(task, TaskAction.APPROVE)
        return task

    def resume_approvals(self) -> list[Task]:
        """Finish approves a crash interrupted (none runs: its lock is free)."""
        with self.store.read() as tx:
            due = [t for t in tx.tasks(statuses=[T.REVIEW]) if t.approve_plan is not None]
        finished = []
        for task in due:
            if self.instances.locks.is_held(approve_lock(task.id)):
                continue  # being approved right now
            try:
                finished.append(self.approve(task.id))
            except Exception as exc:
                log.warning("task.approve_resume_failed", task_id=task.id, error=str(exc))
        return finished

    # ------------------------------------------------------------------ the steps
    def _record_intent(self, task: Task) -> Task:
        with self.store.read() as tx:
            unfinished = {d: s for d, s in tx.task_statuses(task.depends_on).items() if s != T.DONE}
        if unfinished:
            first = sorted(unfinished)[0]
            raise Conflict(
                f"its dependency {first} is {unfinished[first].value}, and this "
                "branch holds its commits too",
                hint=f"approve {first} first",
            )
        assert task.repo_path is not None and task.branch is not None
        how = self.config.merge
        tip = self.vcs.resolve_commit(task.repo_path, f"refs/heads/{task.branch}")
        if tip is None:
            raise Conflict(
                f"branch {task.branch!r} of task {task.id} does not exist any more",
                hint="nothing to merge: cancel the task, or retry it",
            )
        into = None
        if how != "none":
            into = task.base_ref or self._current_branch(task.repo_path)
            if self.vcs.resolve_commit(task.repo_path, f"refs/heads/{into}") is None:
                raise Conflict(
                    f"{into!r} is not a local branch, so there is nothing to merge into",
                    hint="set the task's base to a branch, or use tasks.merge=none",
                )
        plan: dict[str, Any] = {
            "how": how,
            "into": into,
            "branch": task.branch,
            "tip": tip,
            "remove_worktree": not self.config.keep_worktree,
            "reason": task.status_reason,
        }
        with self.store.write() as tx:
            current = tx.task(task.id)
            assert current is not None
            task = tx.update_task(
                task.id,
                approve_plan=plan,
                status_reason=f"approving: merging into {into}" if into else "approving",
            )
            tx.append_event(events.task_approving(task, **plan))
        faults.point("approve.after_intent")
        return task

    def _finish(self, task: Task) -> Task:
        plan = task.approve_plan
        assert plan is not None and task.repo_path is not None
        done_reason = plan.get("done_reason")  # landed elsewhere (a merged pull request)
        into = plan["into"]
        if into is not None:
            try:
                self._merge(task, plan)
            except CcoError:
                self._give_up(task, plan)  # nothing merged: as if never approved
                raise
        faults.point("approve.after_merge")
        notes: list[str] = []
        if plan["remove_worktree"] and task.worktree_id:
            wt = self.worktrees.find(task.worktree_id)
            if wt is not None and wt.status is WorktreeStatus.ACTIVE:
                try:
                    with contextlib.suppress(NotFound):
                        notes = self.worktrees.remove(
                            wt.id, delete_branch=into is not None or done_reason is not None
                        )
                except CcoError as exc:  # merged already: the task is done all the same
                    notes = [f"kept worktree {wt.id}: {exc}"]
        faults.point("approve.after_worktree")
        with self.store.write() as tx:
            current = tx.task(task.id)
            assert current is not None
            task = self._move(
                tx,
                current,
                T.DONE,
                done_reason
                or (
                    f"approved; merged into {into}"
                    if into
                    else "approved; branch left for a pull request"
                ),
                finished_at=datetime.now(UTC),
                approve_plan=None,
            )
            tx.append_event(events.task_approved(task, merged_into=into, notes=notes))
            settle_instance(tx, task.instance_id, "task done")
        return task

    def land(self, task_id: str, reason: str) -> Task:
        """Its pull request merged: tidy up as an approve does (the worktree, unless kept),
        and the task is done. Running it again after a crash finishes what is left."""
        task = self.get(task_id)
        if task.status in (T.DONE, T.CANCELLED):
            return task
        plan: dict[str, Any] = {
            "how": "none",
            "into": None,
            "branch": task.branch,
            "tip": None,
            "remove_worktree": not self.config.keep_worktree,
            "reason": task.status_reason,
            "done_reason": reason,
        }
        if task.approve_plan is None:
            with self.store.write() as tx:
                task = tx.update_task(task.id, approve_plan=plan, status_reason=reason)
        return self._finish(task)

    def _give_up(self, task: Task, plan: dict[str, Any]) -> None:
        with self.store.write() as tx:
            task = tx.update_task(task.id, approve_plan=None, status_reason=plan.get("reason"))
            tx.append_event(events.task_approve_failed(task))

    def _merge(self, task: Task, plan: dict[str, Any]) -> None:
        assert task.repo_path is not None
        repo, into, tip = task.repo_path, str(plan["into"]), str(plan["tip"])
        if self.vcs.is_ancestor(repo, tip, f"refs/heads/{into}"):
            return  # merged already (by this approve before a crash, or by hand)
        if self.vcs.resolve_commit(repo, f"refs/heads/{plan['branch']}") != tip:
            raise Conflict(
                f"branch {plan['branch']!r} no longer holds the commit approved ({tip[:12]})",
                hint="it was changed or deleted by hand; merge it yourself, then cancel the task",
            )
        self.vcs.integrate(
            repo,
            str(plan["branch"]),
            into,
            how=str(plan["how"]),
            message=f"Merge task {task.id}: {printable(task.title)}",
        )

    def _current_branch(self, repo: Path) -> str:
        for entry in self.vcs.worktrees(repo):
            if entry.path == repo and entry.branch:
                return entry.branch
        raise Conflict(
            f"the main checkout of {repo} is not on a branch",
            hint="give the task a base branch with `cco tasks edit ID --base`",
        )
