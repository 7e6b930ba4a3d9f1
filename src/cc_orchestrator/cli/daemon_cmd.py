"""`cco up` (the daemon) and `cco status` (one screen of everything)."""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

import click

from cc_orchestrator.cli.context import CliState, pass_state
from cc_orchestrator.cli.listen import bind_dashboard
from cc_orchestrator.cli.output import echo, echo_json
from cc_orchestrator.cli.stopping import stop_on_signals
from cc_orchestrator.domain.errors import Conflict
from cc_orchestrator.domain.plural import count
from cc_orchestrator.services.daemon import run_daemon


@click.command("up")
@click.option("--no-web", is_flag=True, help="Do not serve the dashboard.")
@click.option("--host", default=None, help="Dashboard address (default: web.host).")
@click.option("--port", type=int, default=None, help="Dashboard port (default: web.port).")
@pass_state
def up(state: CliState, no_web: bool, host: str | None, port: int | None) -> None:
    """Run the scheduler, the instance monitor and the dashboard in the foreground.
    Ctrl-C stops cco; running instances keep running and are re-adopted next time."""
    app = state.app()
    if app.overview.daemon_running():
        raise Conflict(
            "the daemon is already running for this data directory",
            hint="stop it first, or use another --data-dir",
        )
    app.backups.refuse_if_interrupted()  # a half-restored data directory is not a fleet
    app.claim_scheduler()  # one scheduler per database, whatever data directory points at it
    web = app.config.settings.web
    host = host or web.host
    port = port or web.port
    app.web_address = None if no_web else (host, port)  # where agents find its /mcp
    server = None
    listening = None
    if not no_web:
        from cc_orchestrator.web.server import make_server

        server = make_server(app, host, port)  # refuses an exposed host without a token
        listening = bind_dashboard(host, port)  # a port in use stops us here, before "up"
    stop_event = threading.Event()
    seen = {"id": app.instances.last_event_id()}

    def report() -> None:
        for event in app.instances.events(after_id=seen["id"], entity_types=("task", "instance")):
            seen["id"] = event.id
            if event.kind in ("task.status", "instance.status"):
                what = "task" if event.kind.startswith("task") else "instance"
                echo(
                    f"{time.strftime('%H:%M:%S')}  {what:8} {event.entity_id}  "
                    f"{event.data.get('status', ''):13} {event.data.get('reason', '')}"
                )

    errors: list[Exception] = []

    def loop() -> None:
        try:
            run_daemon(
                tasks=app.tasks,
                monitor=app.monitor,
                locks=app.locks,
                pid_file=app.data_dir / "daemon.pid",
                interval_s=app.config.settings.instances.monitor_interval_s,
                watch_hooks=app.config.settings.instances.watch_hooks,
                gather_s=app.config.settings.instances.hook_gather_s,
                stop=stop_event,
                outbox=app.outbox_worker(),
                store=app.store,
                loops=[app.github_loop(), app.backup_loop()],
                on_start=lambda lo: (
                    click.echo(
                        f"{count(len(lo), 'leftover session')}: see `cco instances reconcile`"
                    )
                    if lo
                    else None
                ),
                on_tick=report,
            )
        except Exception as exc:  # Ctrl-C is not an error: it ends the loop below
            errors.append(exc)
            if server is not None:
                server.should_exit = True

    click.echo(f"cc-orchestrator is up (data: {app.data_dir}); Ctrl-C to stop")
    _freeze_startup_objects()
    if server is None:
        # Started as a shell's background job (`nohup cco up --no-web &`), Ctrl-C's signal
        # arrives ignored: take it back, so `kill -INT` stops the daemon as Ctrl-C does.
        try:
            with stop_on_signals(stop_event):
                loop()
        except KeyboardInterrupt:  # a second Ctrl-C: do not wait for the pass to end
            stop_event.set()
    else:
        worker = threading.Thread(target=loop, name="cco-daemon", daemon=True)
        worker.start()
        _echo_dashboard(app, host, port)
        try:
            server.run(sockets=[listening] if listening else None)  # Ctrl-C, SIGTERM
        except KeyboardInterrupt:
            pass  # uvicorn re-raises the signal it handled once it has shut down
        finally:
            stop_event.set()
            worker.join(timeout=30)
    if errors:
        raise errors[0]
    click.echo("cc-orchestrator stopped; instances keep running")


@click.command("web")
@click.option("--host", default=None, help="Address (default: web.host).")
@click.option("--port", type=int, default=None, help="Port (default: web.port).")
@click.option(
    "--link",
    is_flag=True,
    help="Print a new one-time login link for the running dashboard, and exit.",
)
@pass_state
def web(state: CliState, host: str | None, port: int | None, link: bool) -> None:
    """Serve the dashboard and API alone (no scheduler)."""
    from cc_orchestrator.web.server import login_link, make_server

    app = state.app()
    settings = app.config.settings.web
    host, port = host or settings.host, port or settings.port
    if link:
        click.echo(login_link(app, host, port))
        return
    server = make_server(app, host, port)
    listening = bind_dashboard(host, port)
    _echo_dashboard(app, host, port)
    _freeze_startup_objects()
    server.run(sockets=[listening])


def _echo_dashboard(app: Any, host: str, port: int) -> None:
    """The address, and a one-time login link (single use, 15 minutes) for this browser."""
    from cc_orchestrator.web.server import dashboard_url, login_link

    click.echo(f"dashboard: {dashboard_url(host, port)}")
    click.echo(f"log in (one-time link): {login_link(app, host, port)}")


def _freeze_startup_objects() -> None:
    """Keep what start-up built (modules, the app, SQLAlchemy's and pydantic's caches) out of
    the garbage collector's full passes: a long-running server otherwise pauses ~50 ms in
    each one, which was the whole p99 tail of the API (GET /api/tasks p99 64 -> 19 ms)."""
    gc.collect()
    gc.freeze()


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
        lines += [
            f"  {n['why']}"
            if n["kind"] == "notifications"
            else f"  {n['kind']:8} {n['id']}  {n['why']}"
            for n in snap["needs_you"]
        ]
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
        echo_json(app.overview.snapshot())
        return
    if not watch:
        echo(_render(app.overview.snapshot()))
        return
    try:
        while True:
            click.clear()
            echo(_render(app.overview.snapshot()))
            click.echo(f"\n(updated {time.strftime('%H:%M:%S')}; Ctrl-C to quit)")
            time.sleep(1)
    except KeyboardInterrupt:
        pass
