"""`cco tasks ...`: add, list, show, edit, start, cancel, retry, approve, reject, deps."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cc_orchestrator.cli.context import CliState, pass_state
from cc_orchestrator.cli.instances_cmd import read_text_arg
from cc_orchestrator.cli.links_view import links_json, short
from cc_orchestrator.cli.output import echo, echo_json, table, to_jsonable
from cc_orchestrator.domain.errors import InvalidInput
from cc_orchestrator.domain.models import TaskStatus

_STATUSES = [s.value for s in TaskStatus]


@click.group()
def tasks() -> None:
    """Work items: a prompt for an agent, run in its own worktree, reviewed, merged."""


def _prompt_option(f: click.decorators.FC) -> click.decorators.FC:
    f = click.option(
        "--prompt-file",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Read the prompt from a file.",
    )(f)
    return click.option(
        "--prompt", default=None, help="The instructions ('-' reads stdin; default: the title)."
    )(f)


@tasks.command("add")
@click.argument("title")
@_prompt_option
@click.option(
    "--repo",
    type=click.Path(path_type=Path),
    default=".",
    show_default=True,
    help="The repository to work in.",
)
@click.option("--base", default=None, help="Branch, tag or commit to start from (default HEAD).")
@click.option("--priority", type=int, default=0, show_default=True, help="Higher starts first.")
@click.option("--label", "labels", multiple=True, help="A label (repeatable).")
@click.option(
    "--notify",
    "notify",
    multiple=True,
    metavar="CHANNEL",
    help="Tell this notification channel about it (repeatable; notifications.channels).",
)
@click.option(
    "--depends-on", "depends_on", multiple=True, help="A task that must finish first (repeatable)."
)
@click.option("--agent", default=None, help="Agent to use (default: instances.agent).")
@click.option(
    "--mode",
    type=click.Choice(["interactive", "headless"]),
    default=None,
    help="How the agent runs (default: instances.mode).",
)
@click.option("--max-turns", type=int, default=None, help="Budget: most agent turns.")
@click.option("--max-cost", type=float, default=None, help="Budget: most USD spent.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def add(
    state: CliState,
    title: str,
    prompt: str | None,
    prompt_file: Path | None,
    repo: Path,
    base: str | None,
    priority: int,
    labels: tuple[str, ...],
    notify: tuple[str, ...],
    depends_on: tuple[str, ...],
    agent: str | None,
    mode: str | None,
    max_turns: int | None,
    max_cost: float | None,
    as_json: bool,
) -> None:
    """Add a task; it starts by itself (with `cco up`) once its dependencies finish."""
    text = read_text_arg(prompt, prompt_file, "prompt")
    task = state.app().tasks.add(
        title=title,
        prompt=title if text is None else text,
        repo=repo,
        base=base,
        priority=priority,
        labels=labels,
        notify=notify,
        depends_on=depends_on,
        agent=agent,
        mode=mode,
        max_turns=max_turns,
        max_cost_usd=max_cost,
    )
    if as_json:
        echo_json(task)
    else:
        echo(f"added task {task.id} ({task.status.value}): {task.title}")
        if not state.app().overview.daemon_running():
            click.echo("the daemon is not running: start it with `cco up` to run the task")


@tasks.command("list")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(_STATUSES),
    help="Only tasks in this status (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def list_(state: CliState, statuses: tuple[str, ...], as_json: bool) -> None:
    """List tasks, by status."""
    app = state.app()
    app.tasks.instances.sync()
    items = app.tasks.all(statuses=[TaskStatus(s) for s in statuses] if statuses else None)
    links = app.task_links.of(items)
    if as_json:
        echo_json([{**to_jsonable(t), **links_json(links[t.id])} for t in items])
        return
    if not items:
        echo("no tasks (add one with `cco tasks add TITLE --prompt TEXT`)")
        return
    order = {s: n for n, s in enumerate(TaskStatus)}
    items.sort(key=lambda t: (order[t.status], -t.priority, t.created_at or 0))
    linked = any(links[t.id].any for t in items)  # the column only where there is something
    table(
        [
            "ID",
            "STATUS",
            "PRI",
            "TITLE",
            "DEPENDS ON",
            *(["ISSUE/PR"] if linked else []),
            "BRANCH",
            "WHY",
        ],
        [
            [
                t.id,
                t.status,
                t.priority,
                t.title[:40],
                ",".join(t.depends_on) or "-",
                *([short(links[t.id]) or "-"] if linked else []),
                t.branch,
                (t.status_reason or "")[:50],
            ]
            for t in items
        ],
    )


@tasks.command("show")
@click.argument("task_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def show(state: CliState, task_id: str, as_json: bool) -> None:
    """Show a task: prompt, branch, what changed, cost."""
    app = state.app()
    task = app.tasks.get(task_id)
    links = app.task_links.one(task)
    if as_json:
        echo_json({**to_jsonable(task), **links_json(links)})
        return
    from cc_orchestrator.cli.task_view import print_task

    print_task(app, task, links)


@tasks.command("edit")
@click.argument("task_id")
@click.option("--title", default=None, help="New title.")
@_prompt_option
@click.option("--priority", type=int, default=None, help="New priority.")
@click.option("--label", "labels", multiple=True, help="Replace the labels (repeatable).")
@click.option(
    "--notify",
    "notify",
    multiple=True,
    metavar="CHANNEL",
    help="Replace the notification channels it names (repeatable).",
)
@click.option("--no-notify", is_flag=True, help="Name no notification channel any more.")
@click.option("--base", default=None, help="New base ref.")
@click.option("--add-dep", "add_deps", multiple=True, help="Add a dependency (repeatable).")
@click.option("--remove-dep", "remove_deps", multiple=True, help="Remove a dependency.")
@pass_state
def edit(
    state: CliState,
    task_id: str,
    title: str | None,
    prompt: str | None,
    prompt_file: Path | None,
    priority: int | None,
    labels: tuple[str, ...],
    notify: tuple[str, ...],
    no_notify: bool,
    base: str | None,
    add_deps: tuple[str, ...],
    remove_deps: tuple[str, ...],
) -> None:
    """Change a task; prompt, base and dependencies only before it starts."""
    if notify and no_notify:
        raise InvalidInput("--notify and --no-notify contradict each other")
    text = read_text_arg(prompt, prompt_file, "prompt")
    task = state.app().tasks.edit(
        task_id,
        title=title,
        prompt=text,
        priority=priority,
        labels=labels or None,
        notify=[] if no_notify else (notify or None),
        base=base,
        add_deps=add_deps,
        remove_deps=remove_deps,
    )
    echo(f"edited task {task.id} ({task.status.value})")


@tasks.command("start")
@click.argument("task_id")
@pass_state
def start(state: CliState, task_id: str) -> None:
    """Start a ready task now, ahead of the queue."""
    task = state.app().tasks.start(task_id)
    echo(f"task {task.id} is {task.status.value}: {task.status_reason}")


@tasks.command("cancel")
@click.argument("task_id")
@pass_state
def cancel(state: CliState, task_id: str) -> None:
    """Cancel a task (its agent is stopped; its dependents become blocked)."""
    task = state.app().tasks.cancel(task_id)
    echo(f"cancelled task {task.id}")


@tasks.command("retry")
@click.argument("task_id")
@pass_state
def retry(state: CliState, task_id: str) -> None:
    """Queue a failed, cancelled or blocked task again."""
    task = state.app().tasks.retry(task_id)
    echo(f"task {task.id} is {task.status.value}")


@tasks.command("approve")
@click.argument("task_id")
@pass_state
def approve(state: CliState, task_id: str) -> None:
    """Accept the work: merge its branch into the base (tasks.merge), tidy its worktree."""
    task = state.app().tasks.approve(task_id)
    echo(f"task {task.id} is done: {task.status_reason}")


@tasks.command("reject")
@click.argument("task_id")
@click.option(
    "--feedback",
    required=True,
    help="What to change; sent to the same agent session ('-' reads stdin).",
)
@pass_state
def reject(state: CliState, task_id: str, feedback: str) -> None:
    """Send the work back with feedback; the same agent conversation continues."""
    text = read_text_arg(feedback, None, "feedback")
    if text is None:
        raise InvalidInput("--feedback is empty")
    task = state.app().tasks.reject(task_id, text)
    echo(f"task {task.id} is running again with your feedback")


@tasks.command("message")
@click.argument("task_id")
@click.argument("text")
@pass_state
def message(state: CliState, task_id: str, text: str) -> None:
    """Send a message to a task's agent (TEXT, or - for stdin): queued, and typed into its
    conversation as a user turn when its current turn ends (never into a working agent)."""
    if text == "-":
        text = sys.stdin.read()
    from cc_orchestrator.services.coordination import Caller

    msg = state.app().coordination.send_message(Caller.user(), task_id, text)
    echo(f"message {msg.id} queued for task {msg.to_task_id}: its agent reads it when idle")


@tasks.command("messages")
@click.argument("task_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def messages(state: CliState, task_id: str, as_json: bool) -> None:
    """The messages to and from a task's agent (other agents', yours, cco's), oldest first."""
    from cc_orchestrator.cli.task_view import print_messages
    from cc_orchestrator.services.coordination import Caller

    found = state.app().coordination.messages(Caller.user(), task_id)
    if as_json:
        echo_json([to_jsonable(m) for m in found])
        return
    if not found:
        echo(f"no messages to or from task {task_id}")
        return
    print_messages(found, task_id)


@tasks.command("deps")
@click.argument("task_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def deps(state: CliState, task_id: str, as_json: bool) -> None:
    """What a task waits for, and what waits for it."""
    view = state.app().tasks.deps(task_id)
    if as_json:
        echo_json(
            {
                "task": view.task.id,
                "depends_on": [
                    {"id": t.id, "status": t.status, "title": t.title} for t in view.dependencies
                ],
                "dependents": [
                    {"id": t.id, "status": t.status, "title": t.title} for t in view.dependents
                ],
            }
        )
        return
    echo(f"{view.task.id} ({view.task.status.value}) {view.task.title}")
    echo("depends on:" if view.dependencies else "depends on nothing")
    for t in view.dependencies:
        echo(f"  {t.id}  {t.status.value:11}  {t.title}")
    echo("needed by:" if view.dependents else "needed by nothing")
    for t in view.dependents:
        echo(f"  {t.id}  {t.status.value:11}  {t.title}")
