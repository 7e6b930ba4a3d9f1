"""`cco instances ...`: spawn, list, show, attach, send, logs, stop, restart, monitor."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import click

from cc_orchestrator.cli.answer_cmd import answer
from cc_orchestrator.cli.context import CliState, pass_state
from cc_orchestrator.cli.output import echo_json, table
from cc_orchestrator.cli.stopping import stop_on_signals
from cc_orchestrator.domain.errors import InvalidInput
from cc_orchestrator.domain.models import Instance, InstanceStatus
from cc_orchestrator.domain.plural import count
from cc_orchestrator.services.instance_monitor import Leftover
from cc_orchestrator.services.monitor import run_monitor

_ORDER = {
    s: n
    for n, s in enumerate(
        [
            InstanceStatus.WAITING_INPUT,
            InstanceStatus.WORKING,
            InstanceStatus.STARTING,
            InstanceStatus.IDLE,
            InstanceStatus.FAILED,
            InstanceStatus.EXITED,
            InstanceStatus.STOPPED,
        ]
    )
}


def read_text_arg(text: str | None, path: Path | None, what: str) -> str | None:
    """TEXT, '-' for stdin, or a file's content."""
    if text is not None and path is not None:
        raise click.UsageError(f"give the {what} as text or as a file, not both")
    if path is not None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"cannot read {what} file {path}: {exc.strerror}") from None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{what} file {path} is not UTF-8 text") from None
    if text == "-":
        return sys.stdin.read()
    return text


@click.group()
def instances() -> None:
    """Agents running in tmux sessions, each in its own worktree."""


instances.add_command(answer)


@instances.command("spawn")
@click.option(
    "--repo",
    type=click.Path(path_type=Path),
    default=None,
    help="Repository to work in (a new worktree is made).",
)
@click.option("--worktree", "worktree_id", default=None, help="Use this existing worktree.")
@click.option("--prompt", default=None, help="First prompt ('-' reads stdin).")
@click.option(
    "--prompt-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Read the first prompt from a file.",
)
@click.option(
    "--agent",
    default=None,
    help="claude, codex or a configured agents.<name> (default: instances.agent).",
)
@click.option(
    "--mode",
    type=click.Choice(["interactive", "headless"]),
    default=None,
    help="Interactive terminal UI, or headless (-p, stream-json).",
)
@click.option("--name", default=None, help="A name for the instance (and its worktree).")
@click.option("--base", default=None, help="Base ref of the new worktree.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def spawn(
    state: CliState,
    repo: Path | None,
    worktree_id: str | None,
    prompt: str | None,
    prompt_file: Path | None,
    agent: str | None,
    mode: str | None,
    name: str | None,
    base: str | None,
    as_json: bool,
) -> None:
    """Start an agent; without --worktree a new worktree is created (and undone on failure)."""
    text = read_text_arg(prompt, prompt_file, "prompt")
    if repo is None and worktree_id is None:
        repo = Path.cwd()
    inst = state.app().instances.spawn(
        repo=repo,
        worktree_id=worktree_id,
        prompt=text,
        agent=agent,
        mode=mode,
        name=name,
        base=base,
    )
    if as_json:
        echo_json(inst)
        return
    click.echo(
        f"spawned instance {inst.id} ({inst.agent}, {inst.mode}) in tmux session "
        f"{inst.session_name}"
    )
    click.echo(f"  attach: cco instances attach {inst.id}    logs: cco instances logs {inst.id}")


@instances.command("list")
@click.option("--live", is_flag=True, help="Only instances still running.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def list_(state: CliState, live: bool, as_json: bool) -> None:
    """List instances, those that need you first."""
    service = state.app().instances
    service.sync()
    items = service.all(include_ended=not live)
    if as_json:
        echo_json(items)
        return
    if not items:
        click.echo("no instances (start one with `cco instances spawn --prompt TEXT`)")
        return
    items.sort(key=lambda i: (_ORDER[i.status], i.created_at or 0))
    table(
        ["ID", "NAME", "STATUS", "AGENT", "MODE", "TURNS", "COST", "WHY"],
        [
            [
                i.id,
                i.name,
                i.status,
                i.agent,
                i.mode,
                i.turns,
                f"${i.cost_usd:.4f}",
                (i.question.subject if i.question else i.status_reason or "")[:60],
            ]
            for i in items
        ],
    )


@instances.command("show")
@click.argument("instance_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def show(state: CliState, instance_id: str, as_json: bool) -> None:
    """Show one instance by id or name."""
    service = state.app().instances
    service.sync()
    inst = service.get(instance_id)
    if as_json:
        echo_json(inst)
        return
    from cc_orchestrator.cli.instance_view import print_instance

    print_instance(state.app(), inst)


@instances.command("attach")
@click.argument("instance_id")
@pass_state
def attach(state: CliState, instance_id: str) -> None:
    """Attach this terminal to the instance's tmux session (detach with C-b d)."""
    app = state.app()
    app.replace_process(app.instances.attach_argv(instance_id))  # becomes tmux attach


@instances.command("send")
@click.argument("instance_id")
@click.argument("text", required=False)
@click.option(
    "--file",
    "path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Send a file's content.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Type even while the agent is working, or into a permission dialog.",
)
@pass_state
def send(
    state: CliState, instance_id: str, text: str | None, path: Path | None, force: bool
) -> None:
    """Send a prompt (TEXT '-' reads stdin). Permission questions: `cco instances answer`."""
    value = read_text_arg(text, path, "text")
    if value is None:
        raise click.UsageError("give TEXT, '-' for stdin, or --file")
    inst = state.app().instances.send(instance_id, value, force=force)
    click.echo(f"sent {count(len(value), 'character')} to {inst.id}")


@instances.command("logs")
@click.argument("instance_id")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines.")
@click.option(
    "--raw", is_flag=True, help="The terminal's raw output instead of the structured log."
)
@pass_state
def logs(state: CliState, instance_id: str, follow: bool, raw: bool) -> None:
    """The structured log (turns, tools, messages, cost), or the raw terminal with --raw."""
    try:
        for chunk in state.app().instances.log_lines(instance_id, raw=raw, follow=follow):
            click.echo(chunk, nl=False)
    except KeyboardInterrupt:
        pass


@instances.command("stop")
@click.argument("instance_id")
@click.option("--remove-worktree", is_flag=True, help="Also remove its worktree and branch.")
@click.option("--force", is_flag=True, help="With --remove-worktree: discard uncommitted work.")
@pass_state
def stop(state: CliState, instance_id: str, remove_worktree: bool, force: bool) -> None:
    """Stop an instance (its tmux session goes); the worktree stays unless asked."""
    inst = state.app().instances.stop(instance_id, remove_worktree=remove_worktree, force=force)
    click.echo(
        f"stopped instance {inst.id}" + (" and removed its worktree" if remove_worktree else "")
    )


@instances.command("restart")
@click.argument("instance_id")
@pass_state
def restart(state: CliState, instance_id: str) -> None:
    """Restart the agent, resuming its conversation."""
    inst = state.app().instances.restart(instance_id)
    click.echo(f"restarted instance {inst.id} (restart {inst.restarts})")


@instances.command("reconcile")
@click.option("--kill-leftovers", is_flag=True, help="Kill the leftover sessions listed.")
@pass_state
def reconcile(state: CliState, kill_leftovers: bool) -> None:
    """Re-adopt live sessions, mark vanished ones, list leftover cco sessions."""
    leftovers = state.app().monitor.reconcile(kill_leftovers=kill_leftovers)
    _print_leftovers(leftovers, killed=kill_leftovers)


def _print_leftovers(leftovers: list[Leftover], *, killed: bool) -> None:
    if not leftovers:
        click.echo("no leftover sessions")
        return
    click.echo(
        "killed leftover sessions:"
        if killed
        else "leftover sessions (remove with --kill-leftovers):"
    )
    table(["SESSION", "WHY"], [[item.session, item.reason] for item in leftovers])


@instances.command("monitor")
@click.option("--once", is_flag=True, help="One look at every instance, then exit.")
@pass_state
def monitor(state: CliState, once: bool) -> None:
    """Watch every instance in the foreground: status, crashes, restarts. Ctrl-C stops watching;
    the instances keep running."""
    app = state.app()
    if once:
        _print_leftovers(app.monitor.reconcile(), killed=False)
        return
    stop_event = threading.Event()
    seen = {"id": app.instances.last_event_id()}

    def tick(_instances: list[Instance]) -> None:
        for event in app.instances.events(after_id=seen["id"]):
            seen["id"] = event.id
            if event.kind == "instance.status":
                click.echo(
                    f"{event.entity_id}  {event.data.get('status', ''):13}  "
                    f"{event.data.get('reason', '')}"
                )
            elif event.kind == "instance.dialog":
                click.echo(f"{event.entity_id}  {'dialog':13}  {event.data.get('answered', '')}")

    try:
        with stop_on_signals(stop_event):  # SIGINT too, even when started ignoring it
            # a Ctrl-C right after the banner is a stop too, never a traceback
            click.echo("monitoring instances (Ctrl-C to stop watching; instances keep running)")
            run_monitor(
                app.monitor,
                interval_s=app.config.settings.instances.monitor_interval_s,
                stop=stop_event,
                on_start=lambda lo: _print_leftovers(lo, killed=False),
                on_tick=tick,
            )
    except KeyboardInterrupt:  # a second Ctrl-C
        stop_event.set()
    click.echo("monitor stopped")
