"""Following running tasks: their agent's status, cost and budget, and the end of its turn.

When the agent's turn ends, leftovers are committed, what changed is recorded (a `task.result`
event), the agent is stopped and the task goes to review (or fails, headless, when nothing
changed because its tool calls were refused).
"""

from __future__ import annotations

from datetime import UTC, datetime

from cc_orchestrator import faults
from cc_orchestrator.domain import events
from cc_orchestrator.domain import instance_status as imachine
from cc_orchestrator.domain import tasks as rules
from cc_orchestrator.domain.models import Instance, InstanceStatus, Task, TaskStatus
from cc_orchestrator.domain.plural import count
from cc_orchestrator.domain.text import printable
from cc_orchestrator.services.instances import INTERRUPTED
from cc_orchestrator.services.task_outcome import denial_summary
from cc_orchestrator.services.task_start import TaskStarting

T = TaskStatus
S = InstanceStatus
# the reasons _complete stops an instance with: found stopped with one of them and its task
# still running, the process completing it died between the two (kill -9); complete it again
COMPLETING = ("task in review", "task failed")


class TaskFollowing(TaskStarting):
    """Following running tasks to review (part of TaskService)."""

    def follow_running(self) -> None:
        with self.store.read() as tx:  # the running tasks and their instances: two queries
            running = tx.tasks(statuses=list(rules.ACTIVE))
            wanted = [t.instance_id for t in running if t.instance_id]
            instances = {i.id: i for i in tx.instances(ids=wanted)} if wanted else {}
        for task in running:
            try:
                self._follow(task, instances.get(task.instance_id or ""))
            except Exception as exc:
                self._isolate("follow", task.id, exc)
            else:
                self.strikes.clear("follow", task.id)

    def _follow(self, task: Task, inst: Instance | None) -> None:
        if inst is None:
            # Claimed, but its instance was never recorded: the starter died before spawning.
            if task.instance_id and self.instances.locks.is_held(f"spawn:{task.instance_id}"):
                return
            self._relaunch(task, "its start was interrupted before the agent ran")
            return
        if task.worktree_id is None and inst.worktree_id:
            with self.store.write() as tx:
                task = self._adopt(tx, task, inst)
        if inst.status == S.FAILED and inst.status_reason == INTERRUPTED:
            self._relaunch(task, "its start was interrupted before the agent ran")
            return
        if inst.cost_usd != task.cost_usd:  # the task shows what its agent has spent so far
            with self.store.write() as tx:
                task = tx.update_task(task.id, cost_usd=inst.cost_usd)
        if task.max_cost_usd is not None and inst.cost_usd > task.max_cost_usd:
            self.instances.stop(inst.id)
            with self.store.write() as tx:
                tx.append_event(
                    events.task_over_budget(
                        task, cost_usd=inst.cost_usd, max_cost_usd=task.max_cost_usd
                    )
                )
                self._move(
                    tx,
                    task,
                    T.FAILED,
                    f"over budget: ${inst.cost_usd:.2f} > ${task.max_cost_usd:.2f}",
                    finished_at=datetime.now(UTC),
                    cost_usd=inst.cost_usd,
                )
            return
        turned = inst.turns > task.turns_at_start
        if inst.status == S.WAITING_INPUT and task.status != T.NEEDS_INPUT:
            with self.store.write() as tx:
                self._move(tx, task, T.NEEDS_INPUT, inst.status_reason or "waiting for input")
        elif inst.status in (S.WORKING, S.STARTING) and task.status == T.NEEDS_INPUT:
            with self.store.write() as tx:
                self._move(tx, task, T.RUNNING, "working again")
        elif turned and (
            inst.status in (S.IDLE, S.EXITED)
            or (inst.status == S.STOPPED and inst.status_reason in COMPLETING)
        ):
            if inst.status != S.STOPPED and self.holds and self.holds.hold(task, inst):
                return  # messages typed in, or parked until its subtasks finish
            self._complete(task, inst)
        elif inst.status in imachine.TERMINAL and not inst.restart_after:
            why = inst.status_reason or inst.status.value
            with self.store.write() as tx:
                self._move(
                    tx,
                    task,
                    T.FAILED,
                    why if why.startswith("the agent") else f"the agent {inst.status.value}: {why}",
                    finished_at=datetime.now(UTC),
                    cost_usd=inst.cost_usd,
                )

    def _complete(self, task: Task, inst: Instance) -> None:
        """The agent's turn ended: commit leftovers, record what changed, stop, review."""
        wt = self.worktrees.get(inst.worktree_id or "")
        # printable: a title stored before control characters were refused must not break git
        message = self.config.commit_message.format(title=printable(task.title), id=task.id)
        committed = self.vcs.commit_all(wt.path, message)
        summary = self.vcs.diff_summary(wt.path, task.base_commit or wt.base_commit)
        changed = (
            f"{count(summary.commits_ahead, 'commit')}, "
            f"{count(summary.files_changed, 'file')} changed"
        )
        # Headless, a tool call that would ask is refused without asking: say which, and a
        # turn that changed nothing because of it is a failure to act on, not work to review.
        denials = self.instances.refusals(inst) if inst.mode == "headless" else []
        status, reason = T.REVIEW, changed
        who, advice = self.instances.refusal_advice(inst) if denials else ("", "")
        if denials and summary.commits_ahead == 0:
            status = T.FAILED
            reason = (
                f"nothing changed: {who} refused {denial_summary(denials)} without asking "
                f"(headless); {advice} or run the task with --mode interactive, then retry"
            )
        elif denials:
            reason = f"{changed}; {who} refused {denial_summary(denials)}"
        # Stopping frees its slot (a rejection resumes the same session) and, as the agent
        # exits, brings its final cost.
        inst = self.instances.stop(
            inst.id, reason=COMPLETING[0] if status == T.REVIEW else COMPLETING[1]
        )
        faults.point("review.after_stop")
        with self.store.write() as tx:
            task = self._move(
                tx,
                task,
                status,
                reason,
                commits_ahead=summary.commits_ahead,
                files_changed=summary.files_changed,
                insertions=summary.insertions,
                deletions=summary.deletions,
                diff_stat=summary.stat,
                finished_at=datetime.now(UTC),
                cost_usd=inst.cost_usd,
            )
            tx.append_event(
                events.task_result(
                    task,
                    committed_leftovers=committed,
                    commits_ahead=summary.commits_ahead,
                    files_changed=summary.files_changed,
                    cost_usd=inst.cost_usd,
                    permission_denials=denials,
                )
            )
