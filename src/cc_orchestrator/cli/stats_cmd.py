"""`cco stats`: cost, tokens, turns, times and rates per repository, agent, day and task."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from cc_orchestrator.cli.context import CliState, pass_state
from cc_orchestrator.cli.output import echo, echo_json, table
from cc_orchestrator.domain.errors import InvalidInput
from cc_orchestrator.services.stats import GroupStats, TaskStats

_AGO = re.compile(r"^(\d{1,6})([mhdw])$")
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str | None, now: datetime | None = None) -> datetime | None:
    """`7d`, `12h`, `30m`, `2w`, or a date/time (ISO, UTC when it has no zone)."""
    if text is None:
        return None
    now = now or datetime.now(UTC)
    found = _AGO.match(text.strip())
    if found:
        return now - timedelta(**{_UNIT[found.group(2)]: int(found.group(1))})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"--since {text!r} is neither a duration nor a date",
            hint="use e.g. 7d, 12h, 30m, 2w or 2026-12-01",
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _dur(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _rows(groups: list[GroupStats]) -> list[list[object]]:
    return [
        [
            g.key,
            g.tasks,
            f"${g.cost_usd:.2f}",
            f"{g.input_tokens + g.output_tokens}",
            g.turns,
            _dur(g.wall_s),
            _dur(g.active_s),
            _dur(g.waiting_s),
            _rate(g.success_rate),
            _rate(g.retry_rate),
            _rate(g.reject_rate),
        ]
        for g in groups
    ]


HEAD = ["", "tasks", "cost", "tokens", "turns", "wall", "active", "waiting you", "success",
        "retried", "rejected"]  # fmt: skip


def _task_rows(tasks: list[TaskStats]) -> list[list[object]]:
    return [
        [t.id, t.status, f"${t.cost_usd:.2f}", _dur(t.wall_s), _dur(t.active_s), t.title[:50]]
        for t in tasks
    ]


@click.command()
@click.option("--since", default=None, help="Tasks created since: 7d, 12h, 30m, 2w or a date.")
@click.option("--repo", type=click.Path(path_type=Path), default=None, help="Only this repository.")
@click.option("--agent", default=None, help="Only tasks run by this agent (claude, codex, ...).")
@click.option(
    "--by",
    type=click.Choice(["repo", "agent", "day", "task"]),
    default=None,
    help="One table of that breakdown only (default: all of them).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (every breakdown and task).")
@pass_state
def stats(
    state: CliState,
    since: str | None,
    repo: Path | None,
    agent: str | None,
    by: str | None,
    as_json: bool,
) -> None:
    """What the fleet cost and how its work went: cost, tokens, turns, wall and active time,
    time waiting for you (a question or a review), success, retry and reject rates; in all,
    per repository, agent and day, and the slowest and costliest tasks."""
    found = state.app().stats.report(
        since=parse_since(since), repo=repo.resolve() if repo else None, agent=agent
    )
    if as_json:
        echo_json(found)
        return
    if not found.tasks:
        echo("no tasks" + (" in that selection" if since or repo or agent else " yet"))
        return
    if by == "task":
        table(["id", "status", "cost", "wall", "active", "title"], _task_rows(found.tasks))
        return
    sections = {"repo": found.by_repo, "agent": found.by_agent, "day": found.by_day}
    table(HEAD, _rows([found.totals]))
    for name, groups in sections.items():
        if by in (None, name):
            echo("")
            table([f"by {name}", *HEAD[1:]], _rows(groups))
    if by is None:
        echo("\nslowest")
        table(["id", "status", "cost", "wall", "active", "title"], _task_rows(found.slowest))
        echo("\ncostliest")
        table(["id", "status", "cost", "wall", "active", "title"], _task_rows(found.costliest))
