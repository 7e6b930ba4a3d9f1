"""`cco instances show`: what a user needs about one instance, and how its status moved."""

from __future__ import annotations

from datetime import datetime

from cc_orchestrator.bootstrap import App
from cc_orchestrator.cli.output import echo
from cc_orchestrator.domain.errors import NotFound
from cc_orchestrator.domain.models import Instance
from cc_orchestrator.domain.plural import count

HISTORY = 15  # status changes shown, newest last


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def print_instance(app: App, inst: Instance) -> None:
    rows: list[tuple[str, str]] = [
        ("instance", inst.name if inst.name == inst.id else f"{inst.name} (id {inst.id})"),
        (
            "status",
            f"{inst.status.value}"
            + (f": {inst.status_reason}" if inst.status_reason else "")
            + (f" (since {_when(inst.status_at)})" if inst.status_at else ""),
        ),
        (
            "agent",
            f"{inst.agent}, {inst.mode}"
            + (f", permission mode {inst.permission_mode}" if inst.permission_mode else ""),
        ),
    ]
    if inst.task_id:
        try:
            task = app.tasks.get(inst.task_id)
            rows.append(("task", f'{task.id} "{task.title}" ({task.status.value})'))
        except NotFound:
            rows.append(("task", inst.task_id))
    wt = app.worktrees.find(inst.worktree_id) if inst.worktree_id else None
    if wt is not None:
        gone = "" if wt.status.value == "active" else f" ({wt.status.value})"
        rows.append(("worktree", f"{wt.path}{gone}"))
        rows.append(("branch", f"{wt.branch} (from {wt.base_ref})"))
    else:
        rows.append(("worktree", "-"))
    rows.append(("tmux", f"{inst.session_name}    attach: cco instances attach {inst.id}"))
    rows.append(
        (
            "usage",
            f"{count(inst.turns, 'turn')}, {inst.input_tokens} in / {inst.output_tokens} out "
            f"tokens, ${inst.cost_usd:.4f}",
        )
    )
    if inst.restarts:
        rows.append(("restarts", str(inst.restarts)))
    if inst.agent_session_id:
        rows.append(("session id", inst.agent_session_id))
    rows.append(("created", _when(inst.created_at)))
    if inst.prompt:
        prompt = " ".join(inst.prompt.split())
        rows.append(("prompt", prompt[:200] + ("…" if len(prompt) > 200 else "")))
    for key, value in rows:
        echo(f"{key + ':':12}{value}")
    if inst.question is not None:
        from cc_orchestrator.cli.answer_cmd import question_lines

        for line in question_lines(inst.question):
            echo(line)
    events = app.overview.events(entity_id=inst.id, limit=10_000)
    history = [e for e in events if e.kind in ("instance.created", "instance.status")][-HISTORY:]
    echo("history:" if history else "history:    none yet")
    for event in history:
        echo(
            f"  {_when(event.ts)}  {event.data.get('status', ''):13} "
            f"{event.data.get('reason') or event.kind.removeprefix('instance.')}"
        )
