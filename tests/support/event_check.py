"""Every event the test suite makes matches its kind's definition in domain/events.py.

An autouse fixture (imported by tests/conftest.py) watches every INSERT into the events
table this process runs, on any engine (SQLite or PostgreSQL), and at the end of the test
also reads the events of the test's own SQLite database (what `cco up` and other
subprocesses appended). A test fails when one of them has an unknown kind, the wrong entity
or a payload its definition does not describe. The store's own tests (tests/db) append
arbitrary kinds on purpose and are left out.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.sql.dml import Insert

from cc_orchestrator.domain.events import problems

EXEMPT = ("tests/db/",)


def _rows(multiparams: Any, params: Any) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for each in (multiparams, params):
        if isinstance(each, Mapping):
            found.append(each)
        elif isinstance(each, list | tuple):
            found += [p for p in each if isinstance(p, Mapping)]
    return found


def _check(row: Mapping[str, Any], where: str) -> list[str]:
    data = row.get("data")
    if isinstance(data, str):
        data = json.loads(data)
    found = problems(str(row.get("kind")), str(row.get("entity_type")), data or {})
    return [f"{where}: {p}" for p in found]


def stored_problems(db: Path) -> list[str]:
    """What is wrong with the events stored in one SQLite database."""
    if not db.is_file():
        return []
    found: list[str] = []
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        try:
            rows = conn.execute("SELECT kind, entity_type, data FROM events").fetchall()
        except sqlite3.Error:
            return []  # not migrated (yet), or not ours
    for kind, entity_type, data in rows:
        found += _check({"kind": kind, "entity_type": entity_type, "data": data}, str(db))
    return found


@pytest.fixture(autouse=True)
def events_match_their_definitions(
    request: pytest.FixtureRequest, tmp_path: Path, isolated_env: Path
) -> Iterator[None]:
    if any(part in str(request.node.path) for part in EXEMPT):
        yield
        return
    found: list[str] = []

    def before_execute(conn: Any, clause: Any, multiparams: Any, params: Any, options: Any) -> None:
        if isinstance(clause, Insert) and clause.table.name == "events":
            for row in _rows(multiparams, params):
                found.extend(_check(row, "appended"))

    event.listen(Engine, "before_execute", before_execute)
    try:
        yield
    finally:
        event.remove(Engine, "before_execute", before_execute)
    found += stored_problems(tmp_path / "data" / "state.db")
    if found:
        pytest.fail("events that do not match domain/events.py:\n" + "\n".join(found[:20]))
