"""Tasks added and edited: every field checked before anything is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from cc_orchestrator.domain import events
from cc_orchestrator.domain import tasks as rules
from cc_orchestrator.domain.actions import TaskAction, check_task
from cc_orchestrator.domain.errors import InvalidInput
from cc_orchestrator.domain.links import IssueLink
from cc_orchestrator.domain.models import Task, TaskStatus
from cc_orchestrator.domain.names import new_id
from cc_orchestrator.domain.text import check_line, check_multiline, check_title
from cc_orchestrator.logs import get_logger
from cc_orchestrator.services.instances import MODES
from cc_orchestrator.services.task_core import TaskCore

log = get_logger("cco.tasks")
T = TaskStatus


MAX_TITLE = 200


class TaskEditing(TaskCore):
    """Adding and editing tasks (part of TaskService)."""

    def add(
        self,
        *,
        title: str,
        prompt: str,
        repo: Path,
        base: str | None = None,
        priority: int = 0,
        labels: Sequence[str] = (),
        notify: Sequence[str] = (),
        depends_on: Sequence[str] = (),
        agent: str | None = None,
        mode: str | None = None,
        max_turns: int | None = None,
        max_cost_usd: float | None = None,
        link: IssueLink | None = None,
        parent: Task | None = None,
        parent_waits: bool = False,
    ) -> Task:
        """A new task; `link` (its task_id ignored) records the tracker issue it comes from in
        the same transaction, so a sync killed at any point never makes it twice.

        parent: the running task whose agent makes this one (services/coordination.py checks
        the limits first); `parent_waits` makes the parent depend on it, in the same
        transaction, so its agent is held at the end of its turn until this one finishes."""
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
        channels = self._check_notify(notify)
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
                    notify=channels,
                    agent=agent,
                    mode=mode,
                    max_turns=max_turns,
                    max_cost_usd=max_cost_usd,
                    depends_on=tuple(sorted(set(depends_on))),
                    parent_id=parent.id if parent else None,
                    depth=parent.depth + 1 if parent else 0,
                )
            )
            tx.append_event(events.task_created(task))
            if parent is not None:
                if parent_waits:
                    current = tx.task(parent.id)
                    assert current is not None
                    tx.set_dependencies(parent.id, {*current.depends_on, task.id})
                    tx.update_task(parent.id, waiting_for=[*current.waiting_for, task.id])
                tx.append_event(events.task_subtask(parent, task, waits=parent_waits))
            if link is not None:
                made = tx.add_issue_link(replace(link, task_id=task.id))
                tx.append_event(events.task_linked(made))
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
        notify: Sequence[str] | None = None,
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
        if notify is not None:
            changes["notify"] = self._check_notify(notify)
        reshape = prompt is not None or base is not None or add_deps or remove_deps
        if reshape:
            check_task(task, TaskAction.EDIT_PROMPT)
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
            edited = [*changes, *(["depends_on"] if add_deps or remove_deps else [])]
            tx.append_event(events.task_edited(updated, edited))
            if "status" in changes:
                tx.append_event(events.task_status(updated, task.status))
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

    def _check_notify(self, names: Sequence[str]) -> list[str]:
        """The notification channels a task names: each one of notifications.channels."""
        for name in names:
            if name not in self.channels:
                known = ", ".join(self.channels) if self.channels else "none is configured"
                raise InvalidInput(
                    f"no notification channel {name!r} (known: {known})",
                    hint="channels are set under notifications.channels in your config file",
                )
        return sorted(set(names))

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
