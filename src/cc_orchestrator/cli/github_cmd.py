"""`cco github ...`: the connection to GitHub.

`cco github status` prints the whole status even when GitHub cannot be reached or refuses the
credentials (the error is one of its lines, with how to fix it), and then exits 1, so a script
can tell a working connection from a broken one; 0 when connected. Never a token: only where
the credentials come from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from cc_orchestrator.cli.context import CliState, pass_state
from cc_orchestrator.cli.output import ago, echo, echo_json


@click.group()
def github() -> None:
    """GitHub: the connection, its credentials, and each repository's GitHub side."""


def _rate(limit: dict[str, Any], *, now: datetime) -> str:
    line = f"{limit['remaining']}/{limit['limit']} requests left"
    if limit.get("reset_at"):
        reset = datetime.fromisoformat(limit["reset_at"])
        minutes = max(0, round((reset - now).total_seconds() / 60))
        line += f", full again at {reset.astimezone().strftime('%H:%M')} (in {minutes} min)"
    return line


def _repo_line(r: dict[str, Any], *, now: datetime) -> str:
    head = f"  {r['name']} ({r['path']})"
    if r["error"]:
        return f"{head}: {r['error']}"
    parts = [
        f"{r['repository']} (from {r['resolved_from']})",
        f"sync {'on' if r['sync'] else 'off'}",
    ]
    if r["sync"] or r["last_sync_at"]:
        parts.append(f"last sync {ago(r['last_sync_at'], now=now)}")
    if r["last_sync_error"]:
        parts.append(f"last sync failed: {r['last_sync_error']}")
    n = r["open_pull_requests"]
    parts.append(f"{n} open pull request{'' if n == 1 else 's'}")
    return f"{head}: " + ", ".join(parts)


def render(status: dict[str, Any], *, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    lines = [
        f"GitHub: {status['api_url']}",
        f"credentials: {status['credentials'] or 'none found'}",
    ]
    if status["connected"]:
        lines.append(f"signed in as: {status['login']}")
        if status["rate_limit"]:
            lines.append(f"rate limit: {_rate(status['rate_limit'], now=now)}")
        elif status["rate_limit_error"]:
            lines.append(f"rate limit: {status['rate_limit_error']}")
    else:
        lines.append(f"error: {status['error']}")
        if status["hint"]:
            lines.append(f"hint: {status['hint']}")
    repos = status["repositories"]
    lines.append("repositories:" if repos else "repositories: none registered yet")
    lines.extend(_repo_line(r, now=now) for r in repos)
    return "\n".join(lines)


@github.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def status(state: CliState, as_json: bool) -> None:
    """The connection: credentials, login, rate limit, each repository's side.

    The API, where the credentials come from (never them), who they act as, the rate limit
    left, and each registered repository's GitHub repository, sync and open pull requests.
    Exits 1 when GitHub cannot be reached or refuses the credentials (all is printed still)."""
    found = state.app().github_connection.status()
    if as_json:
        echo_json(found)
    else:
        echo(render(found))
    if not found["connected"]:
        click.get_current_context().exit(1)


@github.command("update-branch")
@click.argument("task_id")
@pass_state
def update_branch(state: CliState, task_id: str) -> None:
    """Merge the moved base into a task's PR branch and push it.

    For a task in review whose pull request is open: its base is fetched from the remote and
    merged into the task's branch in its worktree; the outbox pushes it to the pull request.
    A conflict changes nothing and names the files."""
    task = state.app().github_pulls.update_branch(task_id)
    echo(f"task {task.id}: {task.status_reason}")
