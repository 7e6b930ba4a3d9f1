"""Engine set-up and automatic migrations.

SQLite runs in WAL mode with a busy timeout and foreign keys on. Writes open with
BEGIN IMMEDIATE, so a writer takes the lock up front and waits for it (busy_timeout) instead of
failing half-way with "database is locked"; reads stay deferred and never block on writers.
On PostgreSQL a write transaction takes an advisory lock first, to the same effect.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from cc_orchestrator.db.integrity import KnownDatabases, damage_of, damaged
from cc_orchestrator.domain.errors import StorageError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
logging.getLogger("alembic").setLevel(logging.WARNING)
IMMEDIATE = "cco_immediate"
PG_MIGRATION_LOCK = 74210391  # session advisory lock held while migrating
PG_WRITE_LOCK = 74210392  # transaction advisory lock every write transaction takes


def make_engine(url: str, *, busy_timeout_ms: int = 30_000) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        try:
            engine = create_engine(parsed, pool_pre_ping=True)
        except ImportError as exc:
            raise StorageError(
                f"no database driver for {parsed.drivername}: {exc}",
                hint="install it with: pip install 'cc-orchestrator[postgres]'",
            ) from None
        if engine.dialect.name == "postgresql":
            _serialize_pg_writes(engine, busy_timeout_ms)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # The busy timeout first: switching a fresh file to WAL takes a lock that another
        # process opening the same new database may hold for a moment.
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        _enable_wal(cur, busy_timeout_ms)
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _serialize_pg_writes(engine: Engine, busy_timeout_ms: int) -> None:
    """PostgreSQL's BEGIN IMMEDIATE: a write transaction first takes one transaction-scoped
    advisory lock, so writers run one at a time and each sees every earlier commit (READ
    COMMITTED alone lets two read-modify-write transactions interleave and lose updates).
    Waiting is bounded by busy_timeout, as on SQLite; reads take no lock."""

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(IMMEDIATE, False):
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(busy_timeout_ms)}")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")


def _enable_wal(cur: Any, busy_timeout_ms: int) -> None:
    """Switch to WAL, retrying: SQLite does not apply the busy timeout to this switch, so two
    processes opening a brand-new database at once can see "database is locked" here."""
    deadline = time.monotonic() + busy_timeout_ms / 1000
    delay = 0.005
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def _alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def head_revision() -> str | None:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return script.get_current_head()


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialize migrations of one database across processes."""
    if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (None, ":memory:"):
        lock_path = Path(str(engine.url.database) + ".migrate.lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
    elif engine.url.get_backend_name() == "postgresql":
        with engine.connect() as conn:
            conn.execute(text(f"SELECT pg_advisory_lock({PG_MIGRATION_LOCK})"))
            try:
                yield
            finally:
                conn.execute(text(f"SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"))
                conn.commit()
    else:
        yield


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, known: KnownDatabases | None = None) -> None:
    """Bring the schema to the newest revision; cheap when it already is.

    With `known` (the data directory's record), a database it remembers that has lost cco's
    tables is refused (DamagedDatabase) instead of being migrated afresh; a database migrated
    (or found whole) is remembered from then on."""
    try:
        head = head_revision()
        found = current_revision(engine)
        if found != head:
            with _migration_lock(engine):
                found = current_revision(engine)
                if found is None and known is not None and known.knows(engine.url):
                    raise damaged(engine.url, "has lost cco's tables (empty)", known)
                if found != head:
                    _upgrade(engine)
        if known is not None:
            known.record(engine.url, head)
    except DBAPIError as exc:
        damage = damage_of(exc, engine.url, known)
        if damage is not None:
            raise damage from None
        if isinstance(exc, OperationalError):
            raise StorageError(
                f"cannot open the state database {engine.url.render_as_string()}: {exc.orig}",
                hint="check the data directory or database.url",
            ) from None
        raise StorageError(f"cannot migrate the state database: {exc}") from None
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot migrate the state database: {exc}") from None


def _upgrade(engine: Engine) -> None:
    cfg = _alembic_config(engine)
    # BEGIN IMMEDIATE: the migration takes the write lock up front (waiting for it)
    # instead of failing when it upgrades a read lock another process holds.
    with engine.connect().execution_options(**{IMMEDIATE: True}) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()
