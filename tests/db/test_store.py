"""The state database, one suite on both backends: every test taking `db_url` runs on a real
SQLite file and on a real PostgreSQL database (tests/db/conftest.py). Migrations, constraints,
events, rollbacks, isolation, the write lock, concurrent writers, round trips, the monitor's
hook path, and the worktree service end to end. What only one backend has: SQLite's pragmas
here; PostgreSQL's column types and a remembered database that lost its tables in
test_postgres.py (SQLite's damaged files are in test_integrity.py)."""

from __future__ import annotations

import multiprocessing
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.db.engine import current_revision, head_revision
from cc_orchestrator.db.store import SqlStore
from cc_orchestrator.domain.errors import StorageError
from cc_orchestrator.domain.models import (
    Instance,
    InstanceStatus,
    NewEvent,
    Task,
    TaskStatus,
    Worktree,
    WorktreeStatus,
)
from tests.conftest import git, make_repo

TABLES = {
    "repositories",
    "worktrees",
    "tasks",
    "task_dependencies",
    "instances",
    "events",
    "alembic_version",
}


def test_migrations_create_every_table(db_url: str) -> None:
    store = SqlStore.open(db_url)
    assert store.engine.dialect.name == db_url.split(":")[0]
    assert set(inspect(store.engine).get_table_names()) >= TABLES
    assert current_revision(store.engine) == head_revision()
    store.close()
    # opening again is a no-op, not a second migration
    again = SqlStore.open(db_url)
    assert current_revision(again.engine) == head_revision()
    with again.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    again.close()


def _open_and_close(url: str) -> None:
    SqlStore.open(url).close()


def test_concurrent_first_opens_migrate_once(db_url: str) -> None:
    """Several processes opening a fresh database at once: a file lock (an advisory lock on
    PostgreSQL) serializes them."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_open_and_close, args=(db_url,)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    store = SqlStore.open(db_url)
    assert current_revision(store.engine) == head_revision()
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    store.close()


def test_pragmas(tmp_path: Path) -> None:
    store = SqlStore.open(f"sqlite:///{tmp_path / 's.db'}", busy_timeout_ms=1234)
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 1234
    store.close()


def test_foreign_keys_enforced(store: SqlStore) -> None:
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO worktrees (id, repo_id, name, path, branch, base_ref, base_commit,"
                " created_branch, status, created_at) VALUES ('x', 999, 'n', '/p', 'b', 'HEAD',"
                " 'c', true, 'active', CURRENT_TIMESTAMP)"
            )
        )
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM worktrees")).scalar() == 0


def test_events_are_monotonic_and_paged(store: SqlStore) -> None:
    with store.write() as tx:
        for i in range(25):
            tx.append_event(NewEvent("thing.happened", "task", f"t{i % 3}", {"i": i}))
    with store.read() as tx:
        first = tx.events(limit=10)
        rest = tx.events(after_id=first[-1].id, limit=100)
        only_t1 = tx.events(entity_id="t1", limit=100)
        last = tx.last_event_id()
    ids = [e.id for e in first + rest]
    assert ids == sorted(ids) and len(set(ids)) == 25 and last == ids[-1]
    assert [e.data["i"] for e in only_t1] == list(range(1, 25, 3))


def test_json_and_timestamps_round_trip(store: SqlStore) -> None:
    data = {"nested": {"list": [1, 2.5, None, True]}, "text": 'héllo ✓ "quoted"', "n": 2**40}
    before = datetime.now(UTC)
    with store.write() as tx:
        written = tx.append_event(NewEvent("kind", "task", "t1", data))
    with store.read() as tx:
        [event] = tx.events()
    assert event.id == written.id and event.data == data
    # PostgreSQL's TimeZone is not UTC, yet the time comes back aware, in UTC, and right
    assert event.ts.tzinfo is not None and event.ts.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=5) <= event.ts <= datetime.now(UTC) + timedelta(seconds=5)

    repo_path = Path("/somewhere/repo")
    aware = datetime(2026, 3, 1, 23, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-7)))
    naive = datetime(2026, 6, 1, 12, 0, 0)  # naive means UTC
    with store.write() as tx:
        repo = tx.ensure_repo(repo_path)
        tx.add_worktree(
            Worktree(
                id="wt1",
                repo_id=repo.id,
                repo_path=repo_path,
                name="one",
                path=Path("/somewhere/wt1"),
                branch="cco/wt1",
                base_ref="HEAD",
                base_commit="0" * 40,
                created_branch=True,
                status=WorktreeStatus.ACTIVE,
                created_at=aware,
            )
        )
        tx.mark_worktree_removed("wt1", naive)
    with store.read() as tx:
        wt = tx.worktree("wt1")
        [repo_again] = tx.repos()
    assert wt is not None and wt.status is WorktreeStatus.REMOVED and wt.created_branch is True
    assert wt.created_at == aware and wt.created_at.utcoffset() == timedelta(0)
    assert wt.created_at.hour == 6 and wt.created_at.day == 2
    assert wt.removed_at == naive.replace(tzinfo=UTC)
    assert repo_again.created_at.utcoffset() == timedelta(0)


def test_failed_write_rolls_back(store: SqlStore) -> None:
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.append_event(NewEvent("a", "task", "t"))
        raise RuntimeError("boom")
    with store.read() as tx:
        assert tx.events() == []


def test_reads_do_not_wait_for_an_open_write(store: SqlStore) -> None:
    with store.write() as tx:
        tx.append_event(NewEvent("committed", "task", "t"))
    holding, release = threading.Event(), threading.Event()

    def hold_write() -> None:
        with store.write() as tx:
            tx.append_event(NewEvent("uncommitted", "task", "t"))
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=hold_write)
    thread.start()
    try:
        assert holding.wait(30)
        started = time.monotonic()
        with store.read() as tx:
            kinds = [e.kind for e in tx.events()]
        assert time.monotonic() - started < 5
        assert kinds == ["committed"]  # and never sees the other transaction's work
    finally:
        release.set()
        thread.join(30)
    with store.read() as tx:
        assert [e.kind for e in tx.events()] == ["committed", "uncommitted"]


def test_a_second_writer_waits_at_most_busy_timeout(store: SqlStore, db_url: str) -> None:
    """Writers queue up front (BEGIN IMMEDIATE, or PostgreSQL's lock), and give up with
    StorageError in time."""
    impatient = SqlStore.open(db_url, busy_timeout_ms=300)
    with store.write() as tx:
        tx.append_event(NewEvent("first", "task", "t"))
        started = time.monotonic()
        with (
            pytest.raises(StorageError, match=r"locked|lock timeout") as caught,
            impatient.write() as tx2,
        ):
            tx2.append_event(NewEvent("second", "task", "t"))
        assert 0.2 < time.monotonic() - started < 5
        assert "another process held it locked for too long" in str(caught.value.hint)
    with impatient.write() as tx2:  # free again once the first write committed
        tx2.append_event(NewEvent("third", "task", "t"))
    with store.read() as tx:
        assert [e.kind for e in tx.events()] == ["first", "third"]
    impatient.close()


def _writer(url: str, worker: int, count: int) -> None:
    store = SqlStore.open(url, busy_timeout_ms=30_000)
    for i in range(count):
        with store.write() as tx:
            # read-modify-write inside one transaction: lost updates would show as duplicates
            last = tx.events(after_id=0, limit=1_000_000)
            tx.append_event(NewEvent("w", "worker", str(worker), {"i": i, "seen": len(last)}))
    store.close()


def test_concurrent_writers_lose_nothing(db_url: str) -> None:
    SqlStore.open(db_url).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(db_url, w, 60)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    store = SqlStore.open(db_url)
    with store.read() as tx:
        events = tx.events(limit=10_000)
    assert len(events) == 240
    # each write saw every earlier committed write: the serialized counts are 0..239
    assert sorted(e.data["seen"] for e in events) == list(range(240))
    store.close()


def test_dependency_statuses_in_one_query(store: SqlStore, tmp_path: Path) -> None:
    T = TaskStatus
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
                     depends_on=tuple(deps))
            )  # fmt: skip
    with store.read() as tx:
        view = tx.dependency_statuses([T.PENDING, T.READY, T.BLOCKED])
    assert view == {
        "c": (T.PENDING, {"a": T.REVIEW, "b": T.RUNNING}),
        "d": (T.READY, {}),
        "e": (T.BLOCKED, {"c": T.PENDING}),
    }


def test_hook_write(store: SqlStore) -> None:
    """The monitor's session-free write: read live instances, update one, append an event,
    listeners told after the commit; a failure rolls everything back."""
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
        hx.set_instance("i1", status=S.IDLE, pane_pid=42, turns=1)
        event = hx.append_event(NewEvent("instance.status", "instance", "i1", {"status": "idle"}))
        assert told == []  # not before the commit
    assert told == [1]
    with store.read() as tx:
        after = tx.instance("i1")
        assert after is not None and after.status == S.IDLE and after.pane_pid == 42
        assert after.created_at is not None
        assert after.updated_at is not None and after.updated_at >= after.created_at
        assert [e.id for e in tx.events(entity_id="i1")] == [event.id]
    with pytest.raises(RuntimeError), store.hook_write() as hx:
        hx.set_instance("i1", turns=9)
        hx.append_event(NewEvent("instance.status", "instance", "i1", {}))
        raise RuntimeError("boom")
    with store.read() as tx:
        again = tx.instance("i1")
        assert again is not None and again.turns == 1
        assert len(tx.events(entity_id="i1")) == 1
    assert told == [1]
    unlisten()


# the worktree service, end to end, with `database.url` pointing at the database ------------


@pytest.fixture
def app_on_url(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.setenv("CC_ORCH_DATABASE__URL", db_url)
    app = build_app(log_to_file=False)
    yield app
    app.close()


def branches(repo: Path) -> set[str]:
    return set(git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/").split())


def git_worktree_paths(repo: Path) -> set[Path]:
    out = git(repo, "worktree", "list", "--porcelain")
    return {
        Path(line.split(" ", 1)[1]) for line in out.splitlines() if line.startswith("worktree ")
    }


def test_worktree_service_on_the_database_of_its_url(
    app_on_url: App, db_url: str, tmp_path: Path, data_dir: Path
) -> None:
    app = app_on_url
    assert app.store.engine.dialect.name == db_url.split(":")[0]
    repo = make_repo(tmp_path / "repo")
    other = make_repo(tmp_path / "other")

    keep = app.worktrees.create(repo=repo, name="keep")
    assert keep.path.is_dir() and (keep.path / "README.md").read_text() == "hello\n"
    assert git(keep.path, "rev-parse", "--abbrev-ref", "HEAD") == keep.branch
    assert keep.base_commit == git(repo, "rev-parse", "HEAD")
    gone = app.worktrees.create(repo=repo, name="gone")
    work = app.worktrees.create(repo=repo, name="work")
    app.worktrees.create(repo=other, name="other-keep")
    names = {v.worktree.name for v in app.worktrees.views()}
    assert names == {"keep", "gone", "work", "other-keep"}

    # remove refuses uncommitted work, then removes with force
    (work.path / "notes.txt").write_text("precious")
    with pytest.raises(Exception, match="uncommitted changes"):
        app.worktrees.remove("work")
    app.worktrees.remove("work", force=True, delete_branch=True)
    assert not work.path.exists()

    # a folder deleted by hand: cleanup removes the row's leftovers and the merged branch
    shutil.rmtree(gone.path)
    report = app.worktrees.cleanup()
    assert not [f for f in report.findings if f.error]
    assert ("missing_folder", "remove") in {(f.kind, f.action) for f in report.findings}
    assert gone.branch not in branches(repo)
    assert git_worktree_paths(repo) == {repo, keep.path}
    assert {v.worktree.name for v in app.worktrees.views()} == {"keep", "other-keep"}
    assert app.worktrees.cleanup().findings == []

    with app.store.read() as tx:
        statuses = {w.name: w.status for w in tx.worktrees(statuses=())}
        kinds = [e.kind for e in tx.events(limit=1000)]
    assert statuses["work"] is WorktreeStatus.REMOVED
    assert statuses["keep"] is WorktreeStatus.ACTIVE
    assert kinds.count("worktree.created") == 4
    assert kinds.count("repo.added") == 2
    # the state went to the URL's database, not to a SQLite file in the data directory
    assert not (data_dir / "state.db").exists()


def test_worktrees_by_ids_in_order(store: SqlStore, tmp_path: Path) -> None:
    """Only the worktrees asked for (any number of ids: they go in chunks), oldest first."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with store.write() as tx:
        repo = tx.ensure_repo(tmp_path)
        for n in range(1203):
            tx.add_worktree(
                Worktree(
                    id=f"wt{n:04d}",
                    repo_id=repo.id,
                    repo_path=tmp_path,
                    name=f"w{n}",
                    path=tmp_path / f"w{n}",
                    branch=f"cco/w{n}",
                    base_ref="HEAD",
                    base_commit="0" * 40,
                    created_branch=True,
                    status=WorktreeStatus.REMOVED if n % 3 == 0 else WorktreeStatus.ACTIVE,
                    created_at=base + timedelta(seconds=n),
                )
            )
    wanted = [f"wt{n:04d}" for n in range(1202, -1, -2)] + ["nope"]
    with store.read() as tx:
        every = tx.worktrees(ids=wanted, statuses=())
        active = tx.worktrees(ids=wanted)
        none = tx.worktrees(ids=[])
    assert [w.id for w in every] == [f"wt{n:04d}" for n in range(0, 1203, 2)]
    assert [w.id for w in active] == [f"wt{n:04d}" for n in range(0, 1203, 2) if n % 3]
    assert none == []
