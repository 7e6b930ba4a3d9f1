"""From a committed event to what is worth a notification (a notice kind and its Message).

Read inside the outbox's intake transaction: the task and instance as they are then, so a
question is told with the question, a failure with its reason, a review with its diff stat.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC

from cc_orchestrator.domain import notices as n
from cc_orchestrator.domain.models import Event, Instance, InstanceStatus, Task, TaskStatus
from cc_orchestrator.domain.notices import Message, clip
from cc_orchestrator.ports import Tx


@dataclass(frozen=True)
class Notice:
    kind: str
    entity_id: str  # the task (or task-less instance) it is about; "" for the daemon
    message: Message
    task: Task | None = None


def notice_for(tx: Tx, event: Event, *, public_url: str | None) -> Notice | None:
    """The notice this event makes, if any."""
    at = event.ts.astimezone(UTC).isoformat(timespec="seconds")
    data = event.data
    if event.kind == "instance.status" and data.get("status") == InstanceStatus.WAITING_INPUT:
        inst = tx.instance(event.entity_id)
        if inst is None:
            return None
        task = tx.task(inst.task_id) if inst.task_id else None
        return _needs_input(inst, task, at, public_url, str(data.get("reason", "")))
    if event.kind == "instance.status" and data.get("status") == InstanceStatus.FAILED:
        if data.get("task_id"):
            return None  # its task says so (task.status failed)
        inst = tx.instance(event.entity_id)
        if inst is None:
            return None
        title = clip(f"instance {inst.name} ({inst.id}) failed", n.TITLE_MAX)
        msg = _message(n.FAILED, title, str(data.get("reason", "")), at, public_url, inst=inst)
        return Notice(n.FAILED, inst.id, msg)
    if event.entity_type != "task" and event.kind != "daemon.unhealthy":
        return None
    if event.kind == "daemon.unhealthy":
        what = "restarted after a crash" if data.get("what") == "crashed" else "keeps failing"
        msg = Message(
            kind=n.DAEMON_UNHEALTHY,
            title=f"cco daemon {what}",
            text=clip(str(data.get("reason", "")), n.TEXT_MAX),
            at=at,
            link=_link(public_url, None),
            fields=(("Daemon", event.entity_id),),
        )
        return Notice(n.DAEMON_UNHEALTHY, "", msg)
    task = tx.task(event.entity_id)
    if task is None:
        return None
    if event.kind == "task.over_budget":
        text = f"spent ${data.get('cost_usd', 0):.2f}, over its budget of "
        text += f"${data.get('max_cost_usd', 0):.2f}: its agent was stopped"
        return _task_notice(n.OVER_BUDGET, task, "went over budget", text, at, public_url)
    if event.kind != "task.status":
        return None
    status = data.get("status")
    if status == TaskStatus.FAILED:
        reason = str(data.get("reason", "")) or "failed"
        return _task_notice(n.FAILED, task, "failed", reason, at, public_url)
    if status == TaskStatus.REVIEW:
        return _task_notice(n.REVIEW, task, "is ready for review", _review(task), at, public_url)
    if status == TaskStatus.DONE:
        chain = _chain(tx, task)
        if len(chain) < 2 or any(t.status != TaskStatus.DONE for t in chain):
            return None
        text = "\n".join(f"{t.id}  {t.title}" for t in chain)
        cost = sum(t.cost_usd for t in chain)
        notice = _task_notice(
            n.CHAIN_DONE, task, f"finished a chain of {len(chain)} tasks", text, at, public_url
        )
        msg = notice.message
        fields = (*msg.fields, ("Chain cost", f"${cost:.2f}"))
        return Notice(notice.kind, notice.entity_id, replace(msg, fields=fields), task)
    return None


def _needs_input(
    inst: Instance, task: Task | None, at: str, public_url: str | None, reason: str
) -> Notice:
    q = inst.question
    lines = []
    if q is not None:
        lines.append(f"asks to use {q.subject}")
        if q.description:
            lines.append(q.description)
        if q.edit:
            lines.append(q.edit)
        if q.choices:
            lines.append("choices: " + " · ".join(f"{c.key}. {c.label}" for c in q.choices))
    else:
        lines.append(reason or "waits for your input")
    text = "\n".join(lines)
    if task is not None:
        # the task follows its instance at the scheduler's next pass: it is still "running" in
        # this event's transaction, yet what it is now is waiting on someone
        shown = replace(task, status=TaskStatus.NEEDS_INPUT)
        return _task_notice(n.NEEDS_INPUT, shown, "needs your input", text, at, public_url)
    title = clip(f"instance {inst.name} ({inst.id}) needs your input", n.TITLE_MAX)
    msg = _message(n.NEEDS_INPUT, title, text, at, public_url, inst=inst)
    return Notice(n.NEEDS_INPUT, inst.id, msg)


def _review(task: Task) -> str:
    parts = []
    if task.files_changed is not None:
        parts.append(
            f"{task.files_changed} files changed, +{task.insertions or 0} -{task.deletions or 0}"
            f" in {task.commits_ahead or 0} commits"
        )
    if task.diff_stat:
        parts.append(task.diff_stat)
    return "\n".join(parts) or "no changes"


def _task_notice(
    kind: str, task: Task, what: str, text: str, at: str, public_url: str | None
) -> Notice:
    title = clip(f"{task.title} ({task.id}) {what}", n.TITLE_MAX)
    fields = [("Task", task.id), ("Status", task.status.value)]
    if task.repo_path is not None:
        fields.append(("Repository", task.repo_path.name))
    if task.branch:
        fields.append(("Branch", task.branch))
    fields.append(("Cost", f"${task.cost_usd:.2f}"))
    msg = Message(
        kind=kind,
        title=title,
        text=clip(text, n.TEXT_MAX),
        at=at,
        task_id=task.id,
        task_title=task.title,
        repo=task.repo_path.name if task.repo_path else None,
        instance_id=task.instance_id,
        link=_link(public_url, f"tasks/{task.id}"),
        fields=tuple(fields),
    )
    return Notice(kind, task.id, msg, task)


def _message(
    kind: str, title: str, text: str, at: str, public_url: str | None, *, inst: Instance
) -> Message:
    return Message(
        kind=kind,
        title=title,
        text=clip(text, n.TEXT_MAX),
        at=at,
        instance_id=inst.id,
        link=_link(public_url, f"instances/{inst.id}"),
        fields=(("Instance", inst.id), ("Agent", inst.agent)),
    )


def _link(public_url: str | None, page: str | None) -> str | None:
    if not public_url:
        return None
    base = public_url.rstrip("/") + "/"
    return base + (f"#/{page}" if page else "")


def _chain(tx: Tx, task: Task) -> list[Task]:
    """Every task joined to this one by dependencies, either way (itself included)."""
    edges = tx.dependency_edges()
    linked: dict[str, set[str]] = {}
    for child, parents in edges.items():
        for parent in parents:
            linked.setdefault(child, set()).add(parent)
            linked.setdefault(parent, set()).add(child)
    seen = {task.id}
    todo = [task.id]
    while todo:
        for other in linked.get(todo.pop(), ()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    found = [t for key in sorted(seen) if (t := tx.task(key)) is not None]
    return found
