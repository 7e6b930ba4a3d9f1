"""The state database on a real PostgreSQL server: migrations, types, concurrent writers, and
the worktree service end to end with `database.url` pointing at it.

A throwaway cluster (tests/pg.py) starts once per session and every test gets its own fresh
database. Skipped when the PostgreSQL server binaries or psycopg are missing; set
CCO_REQUIRE_POSTGRES=1 (as CI does) to fail instead of skipping.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.db.engine import current_revision, head_revision
from cc_orchestrator.db.store import SqlStore
from cc_orchestrator.domain.errors import DamagedDatabase, StorageError
from cc_orchestrator.domain.models import NewEvent, Worktree, WorktreeStatus
from tests.conftest import git, make_repo
from tests.pg import PgCluster, unavailable_reason

# A zone with an odd, non-whole-hour offset: timestamps must still come back as the same
# instant in UTC, whatever the server's (and so the session's) TimeZone is.
SERVER_TZ = "Pacific/Chatham"
TABLES = {
    "repositories",
    "worktrees",
    "tasks",
    "task_dependencies",
    "instances",
    "events",
    "alembic_version",
}


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    reason = unavailable_reason()
    if reason is not None:
        if os.environ.get("CCO_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"CCO_REQUIRE_POSTGRES=1 but: {reason}")
        pytest.skip(reason)
    cluster = PgCluster.start(timezone=SERVER_TZ)
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    """A fresh, empty database for this test only."""
    url = pg_cluster.create_database()
    yield url
    pg_cluster.drop_database(str(make_url(url).database))


def test_migrations_create_every_table(pg_url: str) -> None:
    store = SqlStore.open(pg_url)
    assert store.engine.dialect.name == "postgresql"
    assert store.engine.driver == "psycopg"
    inspector = inspect(store.engine)
    assert set(inspector.get_table_names()) >= TABLES
    assert current_revision(store.engine) == head_revision()
    with store.engine.connect() as conn:
        types = dict(
            conn.execute(
                text(
                    "SELECT column_name, data_type FROM information_schema.columns"
                    " WHERE table_name = 'events'"
                )
            ).all()
        )
    assert types["id"] == "bigint"
    assert types["ts"] == "timestamp with time zone"
    assert types["data"] == "json"
    store.close()
    # opening again is a no-op, not a second migration
    again = SqlStore.open(pg_url)
    assert current_revision(again.engine) == head_revision()
    again.close()


def _open_and_close(url: str) -> None:
    SqlStore.open(url).close()


def test_concurrent_first_opens_migrate_once(pg_url: str) -> None:
    """Several processes opening a fresh database at once: the advisory lock serializes them."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_open_and_close, args=(pg_url,)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    store = SqlStore.open(pg_url)
    assert current_revision(store.engine) == head_revision()
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    store.close()


def test_events_are_monotonic_and_paged(pg_url: str) -> None:
    store = SqlStore.open(pg_url)
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
    store.close()


def test_json_and_timestamps_round_trip(pg_url: str) -> None:
    store = SqlStore.open(pg_url)
    data = {"nested": {"list": [1, 2.5, None, True]}, "text": 'héllo ✓ "quoted"', "n": 2**40}
    before = datetime.now(UTC)
    with store.write() as tx:
        written = tx.append_event(NewEvent("kind", "task", "t1", data))
    with store.read() as tx:
        [event] = tx.events()
    assert event.id == written.id and event.data == data
    # the server's TimeZone is not UTC, yet the time comes back aware, in UTC, and right
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
    store.close()


def test_foreign_keys_enforced(pg_url: str) -> None:
    store = SqlStore.open(pg_url)
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO worktrees (id, repo_id, name, path, branch, base_ref, base_commit,"
                " created_branch, status, created_at) VALUES ('x', 999, 'n', '/p', 'b', 'HEAD',"
                " 'c', true, 'active', now())"
            )
        )
    store.close()


def test_failed_write_rolls_back(pg_url: str) -> None:
    store = SqlStore.open(pg_url)
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.append_event(NewEvent("a", "task", "t"))
        raise RuntimeError("boom")
    with store.read() as tx:
        assert tx.events() == []
    store.close()


def test_reads_do_not_wait_for_an_open_write(pg_url: str) -> None:
    store = SqlStore.open(pg_url)
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
    store.close()


def test_a_second_writer_waits_at_most_busy_timeout(pg_url: str) -> None:
    """Like BEGIN IMMEDIATE: writers queue up front, and give up with StorageError in time."""
    store = SqlStore.open(pg_url)
    impatient = SqlStore.open(pg_url, busy_timeout_ms=300)
    with store.write() as tx:
        tx.append_event(NewEvent("first", "task", "t"))
        started = time.monotonic()
        with pytest.raises(StorageError, match="lock timeout"), impatient.write() as tx2:
            tx2.append_event(NewEvent("second", "task", "t"))
        assert 0.2 < time.monotonic() - started < 5
    with impatient.write() as tx2:  # free again once the first write committed
        tx2.append_event(NewEvent("third", "task", "t"))
    with store.read() as tx:
        assert [e.kind for e in tx.events()] == ["first", "third"]
    impatient.close()
    store.close()


def _writer(url: str, worker: int, count: int) -> None:
    store = SqlStore.open(url, busy_timeout_ms=30_000)
    for i in range(count):
        with store.write() as tx:
            # read-modify-write inside one transaction: lost updates would show as duplicates
            last = tx.events(after_id=0, limit=1_000_000)
            tx.append_event(NewEvent("w", "worker", str(worker), {"i": i, "seen": len(last)}))
    store.close()


def test_concurrent_writers_lose_nothing(pg_url: str) -> None:
    SqlStore.open(pg_url).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(pg_url, w, 60)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    store = SqlStore.open(pg_url)
    with store.read() as tx:
        events = tx.events(limit=10_000)
    assert len(events) == 240
    # each write saw every earlier committed write: the serialized counts are 0..239
    assert sorted(e.data["seen"] for e in events) == list(range(240))
    store.close()


# the worktree service, end to end --------------------------------------------------------


@pytest.fixture
def pg_app(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.setenv("CC_ORCH_DATABASE__URL", pg_url)
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


def test_worktree_service_on_postgres(pg_app: App, tmp_path: Path, data_dir: Path) -> None:
    assert pg_app.store.engine.dialect.name == "postgresql"
    repo = make_repo(tmp_path / "repo")
    other = make_repo(tmp_path / "other")

    keep = pg_app.worktrees.create(repo=repo, name="keep")
    assert keep.path.is_dir() and (keep.path / "README.md").read_text() == "hello\n"
    assert git(keep.path, "rev-parse", "--abbrev-ref", "HEAD") == keep.branch
    assert keep.base_commit == git(repo, "rev-parse", "HEAD")
    gone = pg_app.worktrees.create(repo=repo, name="gone")
    work = pg_app.worktrees.create(repo=repo, name="work")
    pg_app.worktrees.create(repo=other, name="other-keep")
    names = {v.worktree.name for v in pg_app.worktrees.views()}
    assert names == {"keep", "gone", "work", "other-keep"}

    # remove refuses uncommitted work, then removes with force
    (work.path / "notes.txt").write_text("precious")
    with pytest.raises(Exception, match="uncommitted changes"):
        pg_app.worktrees.remove("work")
    pg_app.worktrees.remove("work", force=True, delete_branch=True)
    assert not work.path.exists()

    # a folder deleted by hand: cleanup removes the row's leftovers and the merged branch
    shutil.rmtree(gone.path)
    report = pg_app.worktrees.cleanup()
    assert not [f for f in report.findings if f.error]
    assert ("missing_folder", "remove") in {(f.kind, f.action) for f in report.findings}
    assert gone.branch not in branches(repo)
    assert git_worktree_paths(repo) == {repo, keep.path}
    assert {v.worktree.name for v in pg_app.worktrees.views()} == {"keep", "other-keep"}
    assert pg_app.worktrees.cleanup().findings == []

    with pg_app.store.read() as tx:
        statuses = {w.name: w.status for w in tx.worktrees(statuses=())}
        kinds = [e.kind for e in tx.events(limit=1000)]
    assert statuses["work"] is WorktreeStatus.REMOVED
    assert statuses["keep"] is WorktreeStatus.ACTIVE
    assert kinds.count("worktree.created") == 4
    assert kinds.count("repo.added") == 2
    # the state went to PostgreSQL, not to a SQLite file in the data directory
    assert not (data_dir / "state.db").exists()


def test_hook_write(pg_url: str) -> None:
    from tests.db.test_store import check_hook_write

    store = SqlStore.open(pg_url)
    check_hook_write(store)
    store.close()


def test_one_scheduler_per_postgres_database(pg_url: str, tmp_path: Path) -> None:
    """Two real `cco up` with their own data directories on one PostgreSQL database: the
    second is refused naming the first (pg_try_advisory_lock on a connection of its own)."""
    from tests.db.scheduler_procs import check_one_scheduler_per_database

    check_one_scheduler_per_database(tmp_path, pg_url)


def test_a_remembered_postgres_database_that_lost_its_tables_is_refused(
    pg_url: str, tmp_path: Path
) -> None:
    known = tmp_path / "data" / "known-databases.json"
    store = SqlStore.open(pg_url, known=known)
    store.close()
    assert known.stat().st_mode & 0o777 == 0o600
    (key,) = json.loads(known.read_text())["databases"]
    assert key.endswith(f"/{make_url(pg_url).database}")
    with store.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    store.engine.dispose()
    with pytest.raises(DamagedDatabase) as caught:
        SqlStore.open(pg_url, known=known)
    assert "has lost cco's tables" in str(caught.value)
    assert f"delete {known}" in str(caught.value)
    with store.engine.connect() as conn:  # nothing was created: the evidence stays as found
        assert inspect(conn).get_table_names() == []
    known.unlink()  # forgotten: a new, empty fleet in it
    SqlStore.open(pg_url, known=known).close()
