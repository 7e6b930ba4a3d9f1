"""Typed updates (domain/updates.py): the TypedDicts name exactly the records' changeable
fields with the records' types, mypy rejects a misspelled field or a wrong value at the call
site, and the store refuses an unknown field from a caller mypy does not see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any, get_type_hints

import pytest
from mypy import api as mypy_api

from cc_orchestrator.db.store import SqlStore
from cc_orchestrator.db.tables import InstanceRow, TaskRow
from cc_orchestrator.domain.models import Instance, InstanceStatus, Task, TaskStatus
from cc_orchestrator.domain.updates import (
    INSTANCE_UPDATE_FIELDS,
    TASK_UPDATE_FIELDS,
    InstanceUpdate,
    TaskUpdate,
)

KEPT_BY_THE_DATABASE = {"id", "created_at", "updated_at"}
# where an update's type differs from the record's, on purpose
INSTANCE_TYPES = {"status_at": "the column is never empty", "question": "stored as its JSON"}


def test_instance_update_names_every_changeable_field_with_its_type() -> None:
    record = {f.name for f in fields(Instance)} - KEPT_BY_THE_DATABASE
    assert set(INSTANCE_UPDATE_FIELDS) == record
    assert set(InstanceRow.__table__.columns.keys()) - KEPT_BY_THE_DATABASE == record
    hints, wanted = get_type_hints(InstanceUpdate), get_type_hints(Instance)
    differ = {name for name in record if hints[name] != wanted[name]}
    assert differ == set(INSTANCE_TYPES)


def test_task_update_names_every_changeable_field_with_its_type() -> None:
    derived = {"repo_path", "depends_on"}
    record = {f.name for f in fields(Task)} - KEPT_BY_THE_DATABASE - derived
    assert set(TASK_UPDATE_FIELDS) == record
    assert set(TaskRow.__table__.columns.keys()) - KEPT_BY_THE_DATABASE == record
    hints, wanted = get_type_hints(TaskUpdate), get_type_hints(Task)
    assert {name: hints[name] for name in record} == {name: wanted[name] for name in record}


SNIPPET = """
from datetime import datetime, UTC
from cc_orchestrator.domain.models import InstanceStatus, TaskStatus
from cc_orchestrator.ports import HookTx, InstanceRows, TaskRows, Tx

def use(tx: Tx, rows: InstanceRows, tasks: TaskRows, hook: HookTx) -> None:
{body}
"""
GOOD = """\
    tx.update_instance("i", status=InstanceStatus.IDLE, turns=3, restart_after=None)
    rows.set_instance("i", cost_usd=0.5, question={"tool": "Bash"}, pane_pid=None)
    hook.set_instance("i", status_at=datetime.now(UTC), exit_status=1)
    tasks.update_task("t", status=TaskStatus.DONE, labels=["a"], approve_plan=None)
"""


def mypy_errors(tmp_path: Path, body: str) -> list[str]:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET.format(body=body))
    out, err, _status = mypy_api.run(
        [
            "--strict",
            "--follow-imports=silent",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            "--config-file",
            "",
            str(snippet),
        ]
    )
    assert not err, err
    return [line for line in out.splitlines() if ": error:" in line]


def test_mypy_accepts_right_updates_and_rejects_wrong_ones(tmp_path: Path) -> None:
    assert mypy_errors(tmp_path, GOOD) == []
    wrong = {
        'tx.update_instance("i", stauts=InstanceStatus.IDLE)': "Unexpected keyword argument",
        'tx.update_instance("i", turns="3")': 'Argument "turns" to "update_instance"',
        'rows.set_instance("i", status="idle")': 'Argument "status" to "set_instance"',
        'hook.set_instance("i", event_offset=1)': 'Unexpected keyword argument "event_offset"',
        'tasks.update_task("t", status=InstanceStatus.IDLE)': 'Argument "status" to "update_task"',
        'tasks.update_task("t", repo_path=None)': 'Unexpected keyword argument "repo_path"',
        'tx.update_task("t", id="other")': 'Unexpected keyword argument "id"',
    }
    body = "".join(f"    {line}\n" for line in wrong)
    errors = mypy_errors(tmp_path, body)
    assert len(errors) == len(wrong), errors
    first = SNIPPET[: SNIPPET.index("{body}")].count("\n") + 1  # the body's first line
    for line_no, (code, message) in enumerate(wrong.items(), start=first):
        assert any(f"snippet.py:{line_no}: error: {message}" in e for e in errors), (code, errors)


def test_the_store_refuses_an_unknown_field_and_changes_nothing(store: SqlStore) -> None:
    with store.write() as tx:
        tx.add_instance(
            Instance(id="i1", name="one", agent="claude", mode="interactive",
                     status=InstanceStatus.WORKING, session_name="cco-i1")
        )  # fmt: skip
        tx.add_task(Task(id="t1", title="t", prompt="p", status=TaskStatus.READY))
    untyped: dict[str, Any] = {"turns": 2, "stauts": "idle"}
    calls: list[Callable[[Any], object]] = [
        lambda tx: tx.update_instance("i1", **untyped),
        lambda tx: tx.set_instance("i1", **untyped),
        lambda tx: tx.update_task("t1", priority=3, repo_path="/x"),
        lambda tx: tx.update_instance("i1", id="i2"),
    ]
    for call in calls:
        with pytest.raises(AttributeError), store.write() as tx:
            call(tx)
    with pytest.raises(AttributeError), store.hook_write() as hx:
        hx.set_instance("i1", **untyped)
    with store.read() as tx:
        inst, task = tx.instance("i1"), tx.task("t1")
    assert inst is not None and inst.turns == 0 and inst.status is InstanceStatus.WORKING
    assert task is not None and task.priority == 0
