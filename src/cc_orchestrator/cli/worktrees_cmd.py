"""`cco worktrees ...`: create, list, show, remove, cleanup."""

from __future__ import annotations

from pathlib import Path

import click

from cc_orchestrator.cli.context import CliState, pass_state
from cc_orchestrator.cli.output import echo_json, table, to_jsonable
from cc_orchestrator.logs import redact_text
from cc_orchestrator.services.overview import Owner
from cc_orchestrator.services.worktrees import CleanupReport, Progress


def _progress(quiet: bool) -> Progress:
    def say(message: str) -> None:
        if not quiet:
            click.echo(f"  · {redact_text(message)}", err=True)

    return say


@click.group()
def worktrees() -> None:
    """Git worktrees that cco creates and owns, one per instance or task."""


@worktrees.command("create")
@click.option(
    "--repo",
    "repo",
    type=click.Path(path_type=Path),
    default=".",
    show_default=True,
    help="The git repository.",
)
@click.option("--base", default=None, help="Branch, tag, remote branch or commit to start from.")
@click.option(
    "--branch",
    default=None,
    help="Branch name; an existing branch is checked out instead of created.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.argument("name", required=False)
@pass_state
def create(
    state: CliState,
    repo: Path,
    base: str | None,
    branch: str | None,
    as_json: bool,
    name: str | None,
) -> None:
    """Create a worktree (default branch: <prefix><id>-<name>)."""
    app = state.app()
    wt = app.worktrees.create(
        repo=repo,
        name=name,
        base=base,
        branch=branch,
        progress=_progress(state.verbosity < 0 or as_json),
    )
    if as_json:
        echo_json(wt)
    else:
        click.echo(f"created worktree {wt.id} at {wt.path} on branch {wt.branch}")


@worktrees.command("list")
@click.option(
    "--repo",
    type=click.Path(path_type=Path),
    default=None,
    help="Only this repository's worktrees.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def list_(state: CliState, repo: Path | None, as_json: bool) -> None:
    """List active worktrees, grouped by repository, with the task or instance in each."""
    app = state.app()
    views = app.worktrees.views(repo)
    owners = app.overview.worktree_owners([v.worktree.id for v in views])
    if as_json:
        echo_json(
            [
                {
                    **_as_dict(v.worktree),
                    "exists": v.exists,
                    "owner": to_jsonable(owners.get(v.worktree.id)),
                }
                for v in views
            ]
        )
        return
    if not views:
        click.echo("no worktrees (create one with `cco worktrees create --repo PATH`)")
        return
    rows = sorted(views, key=lambda v: (str(v.worktree.repo_path), v.worktree.created_at))
    table(
        ["ID", "NAME", "BRANCH", "OWNER", "REPO", "PATH", "CREATED"],
        [
            [
                v.worktree.id,
                v.worktree.name,
                v.worktree.branch,
                _owner(owners.get(v.worktree.id)),
                v.worktree.repo_path.name,
                str(v.worktree.path) + ("" if v.exists else " (missing)"),
                v.worktree.created_at,
            ]
            for v in rows
        ],
    )


def _owner(owner: Owner | None) -> str:
    """`task t1 "Add login", instance i1 (working)`, or `-` for a worktree made by hand."""
    if owner is None:
        return "-"
    parts = []
    if owner.task_id:
        title = owner.task_title or ""
        parts.append(f'task {owner.task_id} "{title[:30]}{"…" if len(title) > 30 else ""}"')
    if owner.instance_id:
        parts.append(f"instance {owner.instance_id} ({owner.instance_status})")
    return ", ".join(parts)


def _as_dict(wt: object) -> dict[str, object]:
    from cc_orchestrator.cli.output import to_jsonable

    data = to_jsonable(wt)
    assert isinstance(data, dict)
    return data


@worktrees.command("show")
@click.argument("worktree_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def show(state: CliState, worktree_id: str, as_json: bool) -> None:
    """Show one worktree by id or name."""
    wt = state.app().worktrees.get(worktree_id)
    if as_json:
        echo_json(wt)
        return
    for key, value in _as_dict(wt).items():
        click.echo(f"{key + ':':16}{'-' if value is None else value}")


@worktrees.command("remove")
@click.argument("worktree_id")
@click.option(
    "--force",
    is_flag=True,
    help="Discard uncommitted changes (and, with --delete-branch, unmerged commits).",
)
@click.option("--delete-branch", is_flag=True, help="Also delete the branch cco created.")
@pass_state
def remove(state: CliState, worktree_id: str, force: bool, delete_branch: bool) -> None:
    """Remove a worktree; refuses uncommitted changes unless --force."""
    notes = state.app().worktrees.remove(worktree_id, force=force, delete_branch=delete_branch)
    click.echo(f"removed worktree {worktree_id}")
    for note in notes:
        click.echo(f"  {note}")


@worktrees.command("cleanup")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@click.option(
    "--force",
    is_flag=True,
    help="Also remove orphans with uncommitted changes and unmerged branches.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def cleanup(state: CliState, dry_run: bool, force: bool, as_json: bool) -> None:
    """Find and remove leftovers: folders with no record, records with no folder, git's stale
    entries, and branches cco created that are merged or whose worktree is gone."""
    app = state.app()
    preview = app.worktrees.cleanup(dry_run=True, force=force)
    if not as_json:
        _print_findings(preview, "would remove" if dry_run else "found")
    if dry_run:
        if as_json:
            echo_json(preview)
        return
    report = app.worktrees.cleanup(
        dry_run=False, force=force, progress=_progress(state.verbosity < 0 or as_json)
    )
    if as_json:
        echo_json(report)
        return
    failed = [f for f in report.findings if f.error]
    click.echo(f"removed {len(report.removed)}, kept {len(report.kept)}")
    if failed:
        raise click.exceptions.Exit(1)


def _print_findings(report: CleanupReport, verb: str) -> None:
    if not report.findings:
        click.echo("nothing to clean up")
        return
    click.echo(f"{verb}:")
    table(
        ["ACTION", "KIND", "TARGET", "WHY"],
        [[f.action, f.kind.replace("_", " "), f.target, f.reason] for f in report.findings],
    )
