"""`cco jira ...`: the connection to Jira Cloud.

`cco jira status` prints the whole status even when Jira cannot be reached, no site is set or
the credentials are refused (the error is one of its lines, with how to fix it), and then exits
1, so a script can tell a working connection from a broken one; 0 when connected. Never a
token: only where the credentials come from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from cc_orchestrator.cli.context import CliState, pass_state
from cc_orchestrator.cli.output import ago, echo, echo_json


@click.group()
def jira() -> None:
    """Jira Cloud: the connection, its credentials, and each repository's JQL."""


def _repo_line(r: dict[str, Any], *, now: datetime) -> str:
    head = f"  {r['name']} ({r['path']})"
    if r["error"]:
        return f"{head}: {r['error']}"
    parts = [f"jql {r['jql']!r}", f"sync {'on' if r['sync'] else 'off'}"]
    if r["sync"] or r["last_sync_at"]:
        parts.append(f"last sync {ago(r['last_sync_at'], now=now)}")
    if r["last_sync_error"]:
        parts.append(f"last sync failed: {r['last_sync_error']}")
    return f"{head}: " + ", ".join(parts)


def render(status: dict[str, Any], *, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    lines = [f"Jira: {status['site_url'] or 'no site set'}"]
    if status["api_url"] and status["api_url"] != status["site_url"]:
        lines.append(f"API: {status['api_url']}")
    lines.append(f"credentials: {status['credentials'] or 'none found'}")
    if status["connected"]:
        lines.append(f"signed in as: {status['account']}")
    else:
        lines.append(f"error: {status['error']}")
        if status["hint"]:
            lines.append(f"hint: {status['hint']}")
    repos = status["repositories"]
    lines.append("repositories:" if repos else "repositories: none with a jira.jql")
    lines.extend(_repo_line(r, now=now) for r in repos)
    return "\n".join(lines)


@jira.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def status(state: CliState, as_json: bool) -> None:
    """The connection: site, credentials, account, each repository's JQL.

    The site and API root, where the credentials come from (never them), the account they
    act as, and each registered repository with a jira.jql: its query, sync and last sync.
    Exits 1 when Jira cannot be reached or refuses the credentials (all is printed still)."""
    found = state.app().jira_connection.status()
    if as_json:
        echo_json(found)
    else:
        echo(render(found))
    if not found["connected"]:
        click.get_current_context().exit(1)
