"""`cco sync github|jira`: the repository's tracker issues become tasks now (the daemon does it
every <tracker>.poll_s for repositories with <tracker>.sync)."""

from __future__ import annotations

from pathlib import Path

import click

from cc_orchestrator.cli.context import CliState, pass_state
from cc_orchestrator.cli.output import echo, echo_json

REPO = click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The repository (default: the one around the current directory).",
)
DRY_RUN = click.option("--dry-run", is_flag=True, help="Say what would change; change nothing.")
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group()
def sync() -> None:
    """Issue trackers to tasks, now."""


@sync.command("github")
@REPO
@DRY_RUN
@JSON
@pass_state
def github(state: CliState, repo: Path | None, dry_run: bool, as_json: bool) -> None:
    """Issues matching the repository's filter (github.label, assignee, milestone) become
    tasks, once each; edits update tasks not yet started; closed issues cancel theirs."""
    _run(state, "github", repo, dry_run, as_json)


@sync.command("jira")
@REPO
@DRY_RUN
@JSON
@pass_state
def jira(state: CliState, repo: Path | None, dry_run: bool, as_json: bool) -> None:
    """The issues the repository's jira.jql finds become tasks, once each ("is blocked by"
    links become dependencies); edits update tasks not yet started; issues done cancel
    theirs."""
    _run(state, "jira", repo, dry_run, as_json)


def _run(state: CliState, tracker: str, repo: Path | None, dry_run: bool, as_json: bool) -> None:
    app = state.app()
    root = repo or Path.cwd()
    report = app.tracker_sync.sync(root, tracker, dry_run=dry_run, force=True)
    if as_json:
        echo_json(report.as_json())
        return
    would = "would be " if dry_run else ""
    name = report.repo if tracker == "github" else f"Jira ({root})"
    echo(f"{name}{' (dry run)' if dry_run else ''}:")

    def key(ref: int | str) -> str:
        return f"#{ref}" if tracker == "github" else str(ref)

    for ref, task in report.created:
        echo(f"  {key(ref)}: {would}created" + ("" if dry_run else f" as task {task}"))
    for ref, task in report.updated:
        echo(f"  {key(ref)}: task {task} {would}updated")
    done = "the issue was closed" if tracker == "github" else "the issue is done"
    for ref, task in report.cancelled:
        echo(f"  {key(ref)}: task {task} {would}cancelled ({done})")
    for ref, why in report.skipped:
        echo(f"  {key(ref)}: skipped: {why}")
    total = len(report.created) + len(report.updated) + len(report.cancelled)
    if not total and not report.skipped:
        echo(f"  nothing to do ({report.unchanged} issues already in step)")
