"""`cco tasks show`: what a user needs about one task, and how its status moved."""

from __future__ import annotations

from datetime import UTC, datetime

from cc_orchestrator.bootstrap import App
from cc_orchestrator.cli.links_view import issue_text, pull_text
from cc_orchestrator.cli.output import ago, echo
from cc_orchestrator.domain.errors import NotFound
from cc_orchestrator.domain.models import Message, Task
from cc_orchestrator.domain.plural import count
from cc_orchestrator.domain.text import printable
from cc_orchestrator.services.coordination import Caller
from cc_orchestrator.services.task_links import TaskLinks

HISTORY = 15  # status changes shown, newest last
MESSAGES = 5  # the last messages shown
PROMPT_LINES = 20


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def print_messages(messages: list[Message], task_id: str) -> None:
    if not messages:
        return
    echo("messages:")
    for m in messages:
        way = f"to {m.to_task_id}" if m.to_task_id != task_id else f"from {m.sender}"
        text = printable(" ".join(m.text.split()))
        echo(f"  {_when(m.created_at)}  {way:16} {m.status.value:9} {text[:120]}")


def print_task(app: App, task: Task, links: TaskLinks) -> None:
    rows: list[tuple[str, str]] = [
        ("task", f"{task.id} {task.title}"),
        ("status", task.status.value + (f": {task.status_reason}" if task.status_reason else "")),
        ("repository", f"{task.repo_path}" + (f" (from {task.base_ref})" if task.base_ref else "")),
    ]
    if task.priority:
        rows.append(("priority", str(task.priority)))
    if task.labels:
        rows.append(("labels", ", ".join(task.labels)))
    if task.notify:
        rows.append(("notifies", ", ".join(task.notify)))
    if task.depends_on:
        rows.append(("depends on", ", ".join(task.depends_on)))
    if task.parent_id:
        rows.append(("made by", f"task {task.parent_id} (depth {task.depth})"))
    children = app.coordination.get_task(Caller.user(), task.id).children
    if children:
        rows.append(("subtasks", ", ".join(children)))
    if task.progress:
        at = task.progress_at.isoformat() if task.progress_at else None
        rows.append(("progress", f"{printable(task.progress)} ({ago(at, now=datetime.now(UTC))})"))
    if task.waiting_for:
        held = "parked, " if task.parked else ""
        rows.append(("waits for", held + ", ".join(task.waiting_for)))
    if task.agent or task.mode:
        rows.append(("agent", ", ".join(x for x in (task.agent, task.mode) if x)))
    budget = [
        *([count(task.max_turns, "turn")] if task.max_turns else []),
        *([f"${task.max_cost_usd:.2f}"] if task.max_cost_usd else []),
    ]
    if budget:
        rows.append(("budget", ", ".join(budget)))
    if task.instance_id:
        try:
            inst = app.instances.get(task.instance_id)
            rows.append(("instance", f"{inst.name} ({inst.status.value})"))
        except NotFound:
            rows.append(("instance", task.instance_id))
    if task.branch:
        rows.append(("branch", task.branch))
    if links.issue is not None:
        rows.append(("issue", issue_text(links.issue)))
    if links.pull_request is not None:
        rows.append(("pull request", pull_text(links.pull_request)))
    wt = app.worktrees.find(task.worktree_id) if task.worktree_id else None
    if wt is not None:
        gone = "" if wt.status.value == "active" else f" ({wt.status.value})"
        rows.append(("worktree", f"{wt.path}{gone}"))
    if task.commits_ahead is not None:
        rows.append(
            (
                "changes",
                f"{count(task.commits_ahead, 'commit')}, "
                f"{count(task.files_changed or 0, 'file')} changed, "
                f"+{task.insertions or 0} -{task.deletions or 0}",
            )
        )
    if task.attempts > 1:
        rows.append(("attempts", str(task.attempts)))
    rows.append(("cost", f"${task.cost_usd:.4f}"))
    rows.append(("created", _when(task.created_at)))
    if task.started_at:
        rows.append(("started", _when(task.started_at)))
    if task.finished_at:
        rows.append(("finished", _when(task.finished_at)))
    if task.feedback:
        rows.append(("feedback", " ".join(task.feedback.split())[:200]))
    if task.summary:
        rows.append(("summary", printable(" ".join(task.summary.split())[:300])))
    width = max(12, *(len(key) + 2 for key, _ in rows))  # "pull request: " is the longest
    for key, value in rows:
        echo(f"{key + ':':{width}}{value}")
    echo("prompt:")
    lines = task.prompt.splitlines()
    for line in lines[:PROMPT_LINES]:
        echo(f"  {line}")
    if len(lines) > PROMPT_LINES:
        echo(f"  … ({count(len(lines) - PROMPT_LINES, 'more line')}; --json has it all)")
    if task.diff_stat:
        echo("diff:")
        for line in task.diff_stat.splitlines():
            echo(f"  {line}")
    print_messages(app.coordination.messages(Caller.user(), task.id)[-MESSAGES:], task.id)
    events = app.overview.events(entity_id=task.id, limit=10_000)
    history = [e for e in events if e.kind in ("task.created", "task.status")][-HISTORY:]
    echo("history:")
    for event in history:
        echo(
            f"  {_when(event.ts)}  {event.data.get('status', ''):12} "
            f"{event.data.get('reason') or event.kind.removeprefix('task.')}"
        )
