"""`cco backup`, `cco backups`, `cco restore`: the fleet's state kept, listed and put back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from cc_orchestrator.cli.context import CliState, pass_state
from cc_orchestrator.cli.output import ago, echo, echo_json, table


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


@click.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def backup(state: CliState, path: Path | None, as_json: bool) -> None:
    """Back up the fleet's state now, while the daemon runs or not.

    PATH is a new file or a folder (default: backup.dir, where the newest backup.keep are
    kept). The backup holds the database (a consistent snapshot), the web token, the agents'
    instance files, your config file and a manifest with checksums. It holds secrets: it is
    written owner-only (0600)."""
    info = state.app().backups.make(path)
    if as_json:
        echo_json(info)
        return
    echo(f"backed up to {info.path} ({_size(info.size)}: {info.summary()})")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def backups(state: CliState, as_json: bool) -> None:
    """List the backups in backup.dir, newest first."""
    found = state.app().backups.all()
    if as_json:
        echo_json(found)
        return
    if not found:
        echo(f"no backups in {state.app().backups.backup_dir}: `cco backup` makes one")
        return
    now = datetime.now(UTC)
    table(
        ["made", "size", "tasks", "events", "schema", "path"],
        [
            [
                ago(b.created_at, now=now),
                _size(b.size),
                b.counts.get("tasks", 0),
                b.counts.get("events", 0),
                b.schema_revision or "-",
                str(b.path),
            ]
            for b in found
        ],
    )


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Replace a data directory that already holds a fleet (a backup of it is taken first).",
)
@click.option("--check", "check_only", is_flag=True, help="Only check the backup; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def restore(state: CliState, path: Path, force: bool, check_only: bool, as_json: bool) -> None:
    """Restore the fleet's state from a backup into this data directory.

    The daemon must be stopped. The backup is read whole and checked first (checksums, the
    database's integrity, a schema this cco knows); a data directory that already holds a
    fleet is refused without --force. Then start `cco up`: it adopts the agents still alive in
    tmux and marks the vanished ones, as after any restart."""
    app = state.app()
    if check_only:
        info = app.backups.check(path)
        if as_json:
            echo_json(info)
        else:
            echo(f"{path} is a whole backup, made {info.created_at}: {info.summary()}")
        return
    report = app.backups.restore(path, force=force)
    if as_json:
        echo_json(report)
        return
    c = report.counts
    echo(
        f"restored {report.database} from {report.backup.path} (made {report.backup.created_at}): "
        f"{c.get('tasks', 0)} tasks, {c.get('instances', 0)} instances, "
        f"{c.get('events', 0)} events, {report.files} files"
    )
    if report.set_aside is not None:
        echo(f"what it replaced is kept in {report.set_aside}")
    for note in report.notes:
        echo(note)
    echo("start the daemon with `cco up`: it adopts the live agents and marks the vanished ones")
