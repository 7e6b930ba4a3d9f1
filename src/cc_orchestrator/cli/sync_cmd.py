"""`cco sync github`: the repository's GitHub issues become tasks now (the daemon does it every
github.poll_s for repositories with github.sync)."""

from __future__ import annotations

from pathlib import Path

import click

from cc_orchestrator.cli.context import CliState, pass_state
from cc_orchestrator.cli.output import echo, echo_json


@click.group()
def sync() -> None:
    """Issue trackers to tasks, now."""


@sync.command("github")
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The repository (default: the one around the current directory).",
)
@click.option("--dry-run", is_flag=True, help="Say what would change; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def github(state: CliState, repo: Path | None, dry_run: bool, as_json: bool) -> None:
    """Issues matching the repository's filter (github.label, assignee, milestone) become
    tasks, once each; edits update tasks not yet started; closed issues cancel theirs."""
    app = state.app()
    report = app.github_sync.sync(repo or Path.cwd(), dry_run=dry_run, force=True)
    if as_json:
        echo_json(report.as_json())
        return
    would = "would be " if dry_run else ""
    echo(f"{report.repo}{' (dry run)' if dry_run else ''}:")
    for number, task in report.created:
        echo(f"  #{number}: {would}created" + ("" if dry_run else f" as task {task}"))
    for number, task in report.updated:
        echo(f"  #{number}: task {task} {would}updated")
    for number, task in report.cancelled:
        echo(f"  #{number}: task {task} {would}cancelled (the issue was closed)")
    for number, why in report.skipped:
        echo(f"  #{number}: skipped: {why}")
    total = len(report.created) + len(report.updated) + len(report.cancelled)
    if not total and not report.skipped:
        echo(f"  nothing to do ({report.unchanged} issues already in step)")
