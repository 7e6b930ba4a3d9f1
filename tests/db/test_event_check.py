"""The suite's event check (tests/support/event_check.py) catches what it is there to catch.

Here, in tests/db, the autouse check is off: these tests append bad events on purpose.
"""

from __future__ import annotations

from pathlib import Path

from cc_orchestrator.db.store import SqlStore
from cc_orchestrator.domain import events
from cc_orchestrator.domain.models import NewEvent, Task, TaskStatus
from tests.support.event_check import EventWatch, stored_problems

TASK = Task(id="t1", title="t", prompt="p", status=TaskStatus.READY)


def test_the_check_sees_every_append_and_names_what_does_not_match(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    store = SqlStore.open(f"sqlite:///{db}")
    with EventWatch() as watch, store.write() as tx:
        tx.append_event(events.task_restart_start(TASK, "interrupted"))
        tx.ensure_repo(tmp_path)  # repo.added, appended by the store itself
        tx.append_event(NewEvent("task.renamed", "task", "t1", {}))
        tx.append_event(NewEvent("task.status", "task", "t1", {"task_id": "t1", "status": "idle"}))
    assert watch.found == [
        "appended: unknown event kind 'task.renamed'",
        "appended: task.status: field 'status' = 'idle' is not "
        '"pending" | "ready" | "running" | "needs_input" | "review" | "done" | "failed" | '
        '"cancelled" | "blocked"',
        "appended: task.status: field 'previous' is missing",
        "appended: task.status: field 'reason' is missing",
    ]
    with store.write() as tx:  # the watch is closed: no longer seen
        tx.append_event(NewEvent("task.renamed", "task", "t1", {}))
    assert len(watch.found) == 4
    # what is stored is read back and checked too (what a `cco up` subprocess appended)
    stored = stored_problems(db)
    assert [p.split(": ", 1)[1] for p in stored] == [
        "unknown event kind 'task.renamed'",
        *[f[len("appended: ") :] for f in watch.found[1:]],
        "unknown event kind 'task.renamed'",
    ]
    store.close()
