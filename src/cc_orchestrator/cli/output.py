"""Plain output helpers: aligned tables and JSON, written to click's stdout.

User text (titles, prompts, reasons) may hold control characters from records written before
they were refused: tables and `echo` drop them, so ESC or BEL never reach the terminal raw
(JSON escapes them by itself)."""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from cc_orchestrator.domain.text import printable


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def ago(text: str | None, *, now: datetime) -> str:
    """An ISO time as a person reads it next to now: "12 s ago", "3 min ago", else the local
    date and time; "never" for none."""
    if not text:
        return "never"
    when = datetime.fromisoformat(text)
    seconds = (now - when).total_seconds()
    if seconds < 90:
        return f"{max(0, round(seconds))} s ago"
    if seconds < 5400:
        return f"{round(seconds / 60)} min ago"
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def echo_json(value: Any) -> None:
    click.echo(json.dumps(to_jsonable(value), indent=2, sort_keys=False))


def echo(text: str) -> None:
    """click.echo for lines that hold user text: control characters dropped."""
    click.echo(printable(text, multiline=True))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[printable(str(c)) for c in headers], *[[_cell(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        line = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        click.echo(click.style(line, bold=True) if n == 0 else line)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    if isinstance(value, enum.Enum):
        return str(value.value)
    return printable(str(value))
