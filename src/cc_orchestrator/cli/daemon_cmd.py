"""`cco up` (the daemon) and `cco status` (one screen of everything)."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from typing import Any

import click

from cc_orchestrator.bootstrap import App
from cc_orchestrator.cli.main import CliState, pass_state
from cc_orchestrator.cli.output import echo_json
from cc_orchestrator.domain.models import InstanceStatus, TaskStatus
from cc_orchestrator.services.daemon import run_daemon


@click.command("up")
@pass_state
def up(state: CliState) -> None:
    """Run the scheduler and the instance monitor in the foreground. Ctrl-C stops cco;
    running instances keep running and are re-adopted next time."""
    app = state.app()
    stop_event = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop_event.set())
    seen = {"id": app.instances.last_event_id()}

    def report() -> None:
        for event in app.instances.events(after_id=seen["id"], entity_types=("task", "instance")):
            seen["id"] = event.id
            if event.kind in ("task.status", "instance.status"):
                what = "task" if event.kind.startswith("task") else "instance"
                click.echo(
                    f"{time.strftime('%H:%M:%S')}  {what:8} {event.entity_id}  "
                    f"{event.data.get('status', ''):13} {event.data.get('reason', '')}"
                )

    click.echo(f"cc-orchestrator is up (data: {app.data_dir}); Ctrl-C to stop")
    try:
        run_daemon(
            tasks=app.tasks,
            instances=app.instances,
            locks=app.locks,
            pid_file=app.data_dir / "daemon.pid",
            interval_s=app.config.settings.instances.monitor_interval_s,
            stop=stop_event,
            on_start=lambda lo: (
                click.echo(f"{len(lo)} leftover session(s): see `cco instances reconcile`")
                if lo
                else None
            ),
            on_tick=report,
        )
    except KeyboardInterrupt:
        stop_event.set()
    click.echo("cc-orchestrator stopped; instances keep running")


def _snapshot(app: App) -> dict[str, Any]:
    app.instances.sync()
    instances = app.instances.all()
    tasks = app.tasks.all()
    needs = (
        [
            {"kind": "instance", "id": i.id, "why": i.status_reason or "waiting for input"}
            for i in instances
            if i.status == InstanceStatus.WAITING_INPUT
        ]
        + [
            {"kind": "task", "id": t.id, "why": f"review: {t.title}"}
            for t in tasks
            if t.status == TaskStatus.REVIEW
        ]
        + [
            {"kind": "task", "id": t.id, "why": f"failed: {t.status_reason}"}
            for t in tasks
            if t.status == TaskStatus.FAILED
        ]
    )
    return {
        "daemon": "running" if app.locks.is_held("daemon") else "stopped",
        "instances": dict(Counter(i.status.value for i in instances)),
        "tasks": dict(Counter(t.status.value for t in tasks)),
        "cost_usd": round(sum(i.cost_usd for i in instances), 4),
        "needs_you": needs,
    }


def _render(snap: dict[str, Any]) -> str:
    lines = [f"daemon: {snap['daemon']}    total cost: ${snap['cost_usd']:.4f}"]
    inst = snap["instances"]
    lines.append("instances: " + (", ".join(f"{v} {k}" for k, v in sorted(inst.items())) or "none"))
    tasks = snap["tasks"]
    lines.append(
        "tasks:     " + (", ".join(f"{v} {k}" for k, v in sorted(tasks.items())) or "none")
    )
    if snap["needs_you"]:
        lines.append("needs you:")
        lines += [f"  {n['kind']:8} {n['id']}  {n['why']}" for n in snap["needs_you"]]
    else:
        lines.append("needs you: nothing")
    return "\n".join(lines)


@click.command("status")
@click.option("--watch", is_flag=True, help="Redraw every second until Ctrl-C.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def status(state: CliState, watch: bool, as_json: bool) -> None:
    """Instances and tasks by state, and what needs you now."""
    app = state.app()
    if as_json:
        echo_json(_snapshot(app))
        return
    if not watch:
        click.echo(_render(_snapshot(app)))
        return
    try:
        while True:
            click.clear()
            click.echo(_render(_snapshot(app)))
            click.echo(f"\n(updated {time.strftime('%H:%M:%S')}; Ctrl-C to quit)")
            time.sleep(1)
    except KeyboardInterrupt:
        pass
