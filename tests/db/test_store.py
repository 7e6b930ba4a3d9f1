"""The state database on real SQLite files: pragmas, migrations, concurrent writers."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

from sqlalchemy import inspect, text

from cc_orchestrator.db.engine import current_revision, head_revision
from cc_orchestrator.db.store import SqlStore
from cc_orchestrator.domain.models import NewEvent


def open_store(path: Path) -> SqlStore:
    return SqlStore.open(f"sqlite:///{path}")


def test_migrations_create_every_table(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "repositories",
        "worktrees",
        "tasks",
        "task_dependencies",
        "instances",
        "events",
        "alembic_version",
    } <= tables
    assert current_revision(store.engine) == head_revision()
    # opening again is a no-op, not a second migration
    store.close()
    assert current_revision(open_store(tmp_path / "s.db").engine) == head_revision()


def test_pragmas(tmp_path: Path) -> None:
    store = SqlStore.open(f"sqlite:///{tmp_path / 's.db'}", busy_timeout_ms=1234)
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 1234


def test_foreign_keys_enforced(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    raw = sqlite3.connect(tmp_path / "s.db")
    raw.execute("PRAGMA foreign_keys=ON")
    try:
        raw.execute(
            "INSERT INTO worktrees (id, repo_id, name, path, branch, base_ref, base_commit,"
            " created_branch, status, created_at) VALUES ('x', 999, 'n', '/p', 'b', 'HEAD', 'c',"
            " 1, 'active', '2026-01-01')"
        )
        raised = False
    except sqlite3.IntegrityError:
        raised = True
    assert raised
    store.close()


def test_events_are_monotonic_and_paged(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    with store.write() as tx:
        for i in range(25):
            tx.append_event(NewEvent("thing.happened", "task", f"t{i % 3}", {"i": i}))
    with store.read() as tx:
        first = tx.events(limit=10)
        rest = tx.events(after_id=first[-1].id, limit=100)
        only_t1 = tx.events(entity_id="t1", limit=100)
    ids = [e.id for e in first + rest]
    assert ids == sorted(ids) and len(set(ids)) == 25
    assert [e.data["i"] for e in only_t1] == list(range(1, 25, 3))


def test_failed_write_rolls_back(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    try:
        with store.write() as tx:
            tx.append_event(NewEvent("a", "task", "t"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with store.read() as tx:
        assert tx.events() == []


def _writer(db: str, worker: int, count: int) -> None:
    store = SqlStore.open(f"sqlite:///{db}", busy_timeout_ms=30_000)
    for i in range(count):
        with store.write() as tx:
            # read-modify-write inside one transaction: lost updates would show as duplicates
            last = tx.events(after_id=0, limit=1_000_000)
            tx.append_event(NewEvent("w", "worker", str(worker), {"i": i, "seen": len(last)}))
    store.close()


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    open_store(db).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(db), w, 60)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    store = open_store(db)
    with store.read() as tx:
        events = tx.events(limit=10_000)
    assert len(events) == 240
    # each write saw every earlier committed write: the serialized counts are 0..239
    assert sorted(e.data["seen"] for e in events) == list(range(240))


def test_dependency_statuses_in_one_query(tmp_path: Path) -> None:
    from cc_orchestrator.domain.models import Task, TaskStatus

    T = TaskStatus
    store = open_store(tmp_path / "state.db")
    with store.write() as tx:
        repo = tx.ensure_repo(tmp_path)
        for task_id, status, deps in [
            ("a", T.REVIEW, []),
            ("b", T.RUNNING, []),
            ("c", T.PENDING, ["a", "b"]),
            ("d", T.READY, []),
            ("e", T.BLOCKED, ["c"]),
            ("f", T.DONE, ["a"]),
        ]:
            tx.add_task(
                Task(id=task_id, title=task_id, prompt="x", status=status, repo_id=repo.id,
                     depends_on=deps)
            )  # fmt: skip
    with store.read() as tx:
        view = tx.dependency_statuses([T.PENDING, T.READY, T.BLOCKED])
    assert view == {
        "c": (T.PENDING, {"a": T.REVIEW, "b": T.RUNNING}),
        "d": (T.READY, {}),
        "e": (T.BLOCKED, {"c": T.PENDING}),
    }
    store.close()


def check_hook_write(store: SqlStore) -> None:
    """The monitor's session-free write: read live instances, update one, append an event,
    listeners told after the commit; a failure rolls everything back."""
    from cc_orchestrator.domain.models import Instance, InstanceStatus

    S = InstanceStatus
    with store.write() as tx:
        for inst_id, status in [("i1", S.WORKING), ("i2", S.STOPPED)]:
            tx.add_instance(
                Instance(id=inst_id, name=inst_id, agent="claude", mode="interactive",
                         status=status, session_name=f"cco-{inst_id}")
            )  # fmt: skip
    told: list[int] = []
    unlisten = store.on_events(lambda: told.append(1))
    with store.hook_write() as hx:
        [live] = hx.live_instances(["i1", "i2", "nope"], [S.WORKING, S.IDLE])
        assert live.id == "i1"
        hx.set_instance("i1", status=S.IDLE, agent_state={"events": 42}, turns=1)
        event = hx.append_event(NewEvent("instance.status", "instance", "i1", {"status": "idle"}))
        assert told == []  # not before the commit
    assert told == [1]
    with store.read() as tx:
        after = tx.instance("i1")
        assert after is not None and after.status == S.IDLE and after.agent_state == {"events": 42}
        assert after.updated_at is not None and after.updated_at >= after.created_at  # type: ignore[operator]
        assert [e.id for e in tx.events(entity_id="i1")] == [event.id]
    try:
        with store.hook_write() as hx:
            hx.set_instance("i1", turns=9)
            hx.append_event(NewEvent("instance.status", "instance", "i1", {}))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with store.read() as tx:
        assert tx.instance("i1").turns == 1  # type: ignore[union-attr]
        assert len(tx.events(entity_id="i1")) == 1
    assert told == [1]
    unlisten()


def test_hook_write(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    check_hook_write(store)
    store.close()
