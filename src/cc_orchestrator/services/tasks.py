"""Tasks: from a prompt to reviewed work on a branch, with dependencies, priorities, limits.

A start is idempotent: the task is claimed (running, with the id its instance will get) in one
write transaction before anything is spawned, so after a crash at any step the next look either
adopts what runs or, when nothing ran, starts again; a task never runs twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cc_orchestrator import faults
from cc_orchestrator.config import InstancesConfig, TasksConfig
from cc_orchestrator.domain import instance_status as imachine
from cc_orchestrator.domain import tasks as rules
from cc_orchestrator.domain.errors import (
    CcoError,
    Conflict,
    InvalidInput,
    LimitReached,
    NotFound,
    StorageError,
)
from cc_orchestrator.domain.models import Instance, InstanceStatus, NewEvent, Task, TaskStatus
from cc_orchestrator.domain.names import new_id
from cc_orchestrator.domain.plural import count
from cc_orchestrator.domain.text import check_line, check_multiline, check_title, printable
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Store, Tx, Vcs
from cc_orchestrator.services.approval import ApproveSteps
from cc_orchestrator.services.instances import INTERRUPTED, MODES, InstanceService
from cc_orchestrator.services.isolation import STEP_REASONS, Strikes, describe, run_step
from cc_orchestrator.services.task_names import instance_name
from cc_orchestrator.services.task_outcome import (
    denial_summary,
    settle_instance,
)
from cc_orchestrator.services.worktrees import WorktreeService

log = get_logger("cco.tasks")
T = TaskStatus
S = InstanceStatus
MAX_TITLE = 200


@dataclass(frozen=True)
class DepsView:
    task: Task
    dependencies: list[Task]
    dependents: list[Task]


class TaskService(ApproveSteps):
    def __init__(
        self,
        *,
        store: Store,
        instances: InstanceService,
        worktrees: WorktreeService,
        vcs: Vcs,
        config: TasksConfig,
        instances_config: InstancesConfig,
    ) -> None:
        self.store = store
        self.instances = instances
        self.worktrees = worktrees
        self.vcs = vcs
        self.config = config
        self.instances_config = instances_config
        self.strikes = Strikes()

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

    # ------------------------------------------------------------------ creating and editing
    def add(
        self,
        *,
        title: str,
        prompt: str,
        repo: Path,
        base: str | None = None,
        priority: int = 0,
        labels: Sequence[str] = (),
        depends_on: Sequence[str] = (),
        agent: str | None = None,
        mode: str | None = None,
        max_turns: int | None = None,
        max_cost_usd: float | None = None,
    ) -> Task:
        title = self._check_title(title)
        prompt = self.instances.check_prompt(check_multiline(prompt, "the prompt"))
        root = self.worktrees.check(repo=repo, base=base)
        self._check_agent(agent, mode)
        self._check_budget(max_turns, max_cost_usd)
        if max_turns is not None and (mode or self.instances_config.mode) != "headless":
            raise InvalidInput(
                "--max-turns applies to headless runs only",
                hint="add --mode headless, or leave out --max-turns",
            )
        labels = self._check_labels(labels)
        task_id = new_id()
        with self.store.write() as tx:
            statuses = self._dep_statuses(tx, depends_on)
            repo_row = tx.ensure_repo(root)
            status, reason = rules.readiness(statuses)
            task = tx.add_task(
                Task(
                    id=task_id,
                    title=title,
                    prompt=prompt,
                    status=status,
                    status_reason=reason,
                    repo_id=repo_row.id,
                    base_ref=base,
                    priority=priority,
                    labels=labels,
                    agent=agent,
                    mode=mode,
                    max_turns=max_turns,
                    max_cost_usd=max_cost_usd,
                    depends_on=tuple(sorted(set(depends_on))),
                )
            )
            tx.append_event(
                self._event(
                    task,
                    "task.created",
                    status=status.value,
                    title=title,
                    depends_on=list(task.depends_on),
                )
            )
        log.info("task.created", task_id=task.id, status=status.value)
        return task

    def edit(
        self,
        key: str,
        *,
        title: str | None = None,
        prompt: str | None = None,
        priority: int | None = None,
        labels: Sequence[str] | None = None,
        base: str | None = None,
        add_deps: Sequence[str] = (),
        remove_deps: Sequence[str] = (),
    ) -> Task:
        task = self.get(key)
        changes: dict[str, Any] = {}
        if title is not None:
            changes["title"] = self._check_title(title)
        if priority is not None:
            changes["priority"] = priority
        if labels is not None:
            changes["labels"] = self._check_labels(labels)
        reshape = prompt is not None or base is not None or add_deps or remove_deps
        if reshape and task.status not in (*rules.OPEN, T.BLOCKED, T.FAILED, T.CANCELLED):
            raise Conflict(
                f"task {task.id} is {task.status.value}; its prompt, base and "
                "dependencies can change only before it starts",
                hint="cancel it first, or reject it with feedback",
            )
        if prompt is not None:
            changes["prompt"] = self.instances.check_prompt(check_multiline(prompt, "the prompt"))
        if base is not None and task.repo_path is not None:
            self.worktrees.check(repo=task.repo_path, base=base)
            changes["base_ref"] = base
        with self.store.write() as tx:
            deps = (set(task.depends_on) | set(add_deps)) - set(remove_deps)
            if add_deps or remove_deps:
                self._dep_statuses(tx, add_deps)
                cycle = rules.find_cycle(tx.dependency_edges(), task.id, deps)
                if cycle:
                    raise InvalidInput(
                        "that dependency would close a cycle: " + " -> ".join(cycle),
                        hint="remove one of these edges",
                    )
                tx.set_dependencies(task.id, deps)
            if task.status in rules.OPEN or task.status == T.BLOCKED:
                status, reason = rules.readiness(self._dep_statuses(tx, deps, strict=False))
                if status != task.status:
                    changes.update(status=status, status_reason=reason)
            updated = tx.update_task(task.id, **changes) if changes else tx.task(task.id)
            assert updated is not None
            tx.append_event(
                self._event(
                    updated,
                    "task.edited",
                    fields=sorted([*changes, *(["depends_on"] if add_deps or remove_deps else [])]),
                )
            )
            if "status" in changes:
                tx.append_event(self._status_event(updated, task.status))
        return updated

    def _check_title(self, title: str) -> str:
        title = check_title(title)
        if not title:
            raise InvalidInput("the title is empty")
        if len(title) > MAX_TITLE:
            raise InvalidInput(
                f"the title is longer than {MAX_TITLE} characters",
                hint="put the details in the prompt",
            )
        return title

    def _check_labels(self, labels: Sequence[str]) -> list[str]:
        out = []
        for label in labels:
            label = check_line(label, f"label {label!r}")
            if not label or len(label) > 50:
                raise InvalidInput(f"label {label!r} is not valid", hint="1-50 printable chars")
            out.append(label)
        return sorted(set(out))

    def _check_agent(self, agent: str | None, mode: str | None) -> None:
        if mode is not None and mode not in MODES:
            raise InvalidInput(f"unknown mode {mode!r}", hint="use interactive or headless")
        if agent is not None:
            self.instances.agents(agent)

    @staticmethod
    def _check_budget(max_turns: int | None, max_cost: float | None) -> None:
        if max_turns is not None and max_turns <= 0:
            raise InvalidInput("--max-turns must be a positive number")
        if max_cost is not None and max_cost <= 0:
            raise InvalidInput("--max-cost must be a positive amount of USD")

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
            cancelled = sorted(d for d, s in statuses.items() if s == T.CANCELLED)
            if cancelled:
                raise InvalidInput(
                    f"task {cancelled[0]} is cancelled, so it can never finish",
                    hint=f"retry it first: cco tasks retry {cancelled[0]}",
                )
        return statuses

    @staticmethod
    def _not_approving(task: Task) -> None:
        if task.approve_plan is not None:
            raise Conflict(
                f"task {task.id} is being approved (its merge may be done already)",
                hint=f"finish it: cco tasks approve {task.id}",
            )

    # ------------------------------------------------------------------ events
    def _event(self, task: Task, kind: str, **data: Any) -> NewEvent:
        return NewEvent(kind, "task", task.id, {"task_id": task.id, **data})

    def _status_event(self, task: Task, previous: TaskStatus) -> NewEvent:
        return self._event(
            task,
            "task.status",
            status=task.status.value,
            previous=previous.value,
            reason=task.status_reason or "",
        )

    def _move(self, tx: Tx, task: Task, status: TaskStatus, reason: str, **values: Any) -> Task:
        if not rules.can_move(task.status, status):
            raise Conflict(
                f"task {task.id} is {task.status.value} and cannot become {status.value}"
            )
        updated = tx.update_task(task.id, status=status, status_reason=reason, **values)
        if status != task.status:
            tx.append_event(self._status_event(updated, task.status))
            log.info(
                "task.status",
                task_id=task.id,
                status=status.value,
                previous=task.status.value,
                reason=reason,
            )
        return updated

    # ------------------------------------------------------------------ lifecycle
    def cancel(self, key: str) -> Task:
        task = self.get(key)
        if task.status in (T.DONE, T.CANCELLED):
            raise Conflict(f"task {task.id} is already {task.status.value}")
        self._not_approving(task)
        if task.instance_id and task.status in (*rules.ACTIVE, T.REVIEW):
            with contextlib.suppress(NotFound):
                self.instances.stop(task.instance_id)
        with self.store.write() as tx:
            current = tx.task(task.id)
            assert current is not None
            task = self._move(
                tx, current, T.CANCELLED, "cancelled by the user", finished_at=datetime.now(UTC)
            )
            settle_instance(tx, task.instance_id, "task cancelled")
        self.refresh_waiting()
        return task

    def retry(self, key: str) -> Task:
        task = self.get(key)
        if task.status not in (T.FAILED, T.CANCELLED, T.BLOCKED):
            raise Conflict(
                f"task {task.id} is {task.status.value}; only failed, cancelled or "
                "blocked tasks can be retried"
            )
        with self.store.write() as tx:
            status, reason = rules.readiness(self._dep_statuses(tx, task.depends_on, strict=False))
            if status == T.BLOCKED:
                raise Conflict(
                    f"task {task.id} cannot run: {reason}", hint="retry that dependency first"
                )
            settle_instance(tx, task.instance_id, "task retried in a new instance")
            task = self._move(
                tx, task, status, f"retried: {reason}", instance_id=None, finished_at=None
            )
        self.refresh_waiting()
        return task

    def start(self, key: str) -> Task:
        """Start now, ahead of the queue (still within the limits)."""
        task = self.get(key)
        if task.status == T.PENDING:
            raise Conflict(
                f"task {task.id} is {task.status_reason}",
                hint="it starts by itself when they finish",
            )
        if task.status != T.READY:
            raise Conflict(f"task {task.id} is {task.status.value}; only a ready task starts")
        if not self._capacity(task):
            raise LimitReached(
                "no free slot: instances.max_running (or tasks.max_running_per_repo) is reached",
                hint="it will start by itself when a slot frees up (with `cco up` running)",
            )
        return self._start(task)

    def reject(self, key: str, feedback: str) -> Task:
        task = self.get(key)
        feedback = self.instances.check_prompt(check_multiline(feedback, "the feedback"))
        if task.status != T.REVIEW or task.instance_id is None:
            raise Conflict(
                f"task {task.id} is {task.status.value}; only a task in review can be rejected"
            )
        self._not_approving(task)
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
                "rejected: working on the feedback",
                feedback=feedback,
                turns_at_start=inst.turns,
                finished_at=None,
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
        run_step("start", self.start_ready)

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
        elif inst.status in (S.IDLE, S.EXITED) and turned:
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

    def _adopt(self, tx: Tx, task: Task, inst: Instance) -> Task:
        wt = tx.worktree(inst.worktree_id or "")
        if wt is None:
            return task
        return tx.update_task(
            task.id, worktree_id=wt.id, branch=wt.branch, base_commit=wt.base_commit
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
        if denials and summary.commits_ahead == 0:
            status = T.FAILED
            reason = (
                f"nothing changed: Claude Code refused {denial_summary(denials)} without asking "
                "(headless); allow it in the project's .claude/settings.json or run the task "
                "with --mode interactive, then retry"
            )
        elif denials:
            reason = f"{changed}; Claude Code refused {denial_summary(denials)}"
        # Stopping frees its slot (a rejection resumes the same session) and, as the agent
        # exits, brings its final cost.
        inst = self.instances.stop(
            inst.id, reason="task in review" if status == T.REVIEW else "task failed"
        )
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
                self._event(
                    task,
                    "task.result",
                    committed_leftovers=committed,
                    commits_ahead=summary.commits_ahead,
                    files_changed=summary.files_changed,
                    cost_usd=inst.cost_usd,
                    permission_denials=[{"tool": d.tool, "detail": d.detail} for d in denials],
                )
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

    def _capacity(
        self,
        task: Task,
        running_by_repo: dict[int | None, int] | None = None,
        live: int | None = None,
    ) -> bool:
        limit = self.instances_config.max_running
        with self.store.read() as tx:
            if live is None:
                live = tx.count_instances(imachine.LIVE)
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
            live = tx.count_instances(imachine.LIVE)
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
            tx.append_event(self._event(task, "task.restart_start", reason=reason))
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
