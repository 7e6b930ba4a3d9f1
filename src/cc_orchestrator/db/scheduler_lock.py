"""One scheduler per database, whatever data directory points at it.

SQLite: an flock(2) on `<database>.scheduler.lock` beside the (symlink-resolved) file. Every
process sharing a SQLite file runs on its machine, the kernel drops the lock when the holder
dies (kill -9 included), and nothing needs a heartbeat. It is a separate file, not the
database itself: closing any descriptor of the database would drop SQLite's own POSIX locks.

PostgreSQL: `pg_try_advisory_lock` on a connection kept open for the daemon's life; the server
drops it when that session ends (the process died, or the connection was cut).

The holder also writes who it is (host, pid, data directory) into the scheduler_lock table, so
a refused `cco up` can name it. That row is informative only: the lock decides.
"""

from __future__ import annotations

import fcntl
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from sqlalchemy import Connection, Engine, Table, delete, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from cc_orchestrator.db.engine import IMMEDIATE
from cc_orchestrator.db.tables import SchedulerLockRow
from cc_orchestrator.domain.errors import Conflict
from cc_orchestrator.logs import get_logger

log = get_logger("cco.db")

PG_SCHEDULER_LOCK = 74210393  # session advisory lock held by the running scheduler
LOCK_TABLE = cast(Table, SchedulerLockRow.__table__)


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    data_dir: str
    since: datetime

    @classmethod
    def me(cls, data_dir: Path) -> Holder:
        return cls(socket.gethostname(), os.getpid(), str(data_dir), datetime.now(UTC))


class SchedulerLock:
    """Taken by `cco up` before it schedules anything; released when it stops."""

    def __init__(self, engine: Engine, me: Holder) -> None:
        self.engine = engine
        self.me = me
        self._fd: int | None = None
        self._conn: Connection | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None or self._conn is not None

    def acquire(self) -> None:
        """Take the lock or raise Conflict naming who holds it."""
        if self.held:
            return
        url = self.engine.url
        if url.get_backend_name() == "sqlite":
            if url.database in (None, "", ":memory:"):
                return  # a private in-memory database: nobody else can see it
            self._flock(Path(os.path.realpath(str(url.database))))
        elif self.engine.dialect.name == "postgresql":
            self._advisory()
        try:
            self._write_holder()
        except BaseException:
            self.release()
            raise

    def _flock(self, database: Path) -> None:
        lock_path = Path(f"{database}.scheduler.lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise self._refused() from None
        self._fd = fd

    def _advisory(self) -> None:
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = conn.scalar(text(f"SELECT pg_try_advisory_lock({PG_SCHEDULER_LOCK})"))
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            raise self._refused()
        self._conn = conn

    def _write_holder(self) -> None:
        me = self.me
        row = {"id": 1, "host": me.host, "pid": me.pid, "data_dir": me.data_dir, "since": me.since}
        table = LOCK_TABLE
        writer = self.engine.connect().execution_options(**{IMMEDIATE: True})
        with writer as conn, conn.begin():
            conn.execute(delete(table))
            conn.execute(insert(table), row)

    def _forget_holder(self) -> None:
        """Clear our row, so it never names a stopped daemon; best effort (the lock decides)."""
        try:
            writer = self.engine.connect().execution_options(**{IMMEDIATE: True})
            with writer as conn, conn.begin():
                table = LOCK_TABLE
                me = self.me
                conn.execute(delete(table).where(table.c.pid == me.pid, table.c.host == me.host))
        except SQLAlchemyError as exc:
            log.warning("scheduler_lock.forget_failed", error=str(exc))

    def holder(self) -> Holder | None:
        """Who wrote the holder row last (the live holder, when the lock is held)."""
        table = LOCK_TABLE
        with self.engine.connect() as conn:
            found = conn.execute(select(table).where(table.c.id == 1)).first()
        if found is None:
            return None
        return Holder(found.host, found.pid, found.data_dir, found.since)

    def _refused(self) -> Conflict:
        who = self.holder()
        if who is None:
            named, how = "another `cco up` (starting right now)", "stop that `cco up` first"
        else:
            since = who.since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            named = f"`cco up` pid {who.pid} on host {who.host} (data directory {who.data_dir}, "
            named += f"since {since})"
            how = f"stop it first: Ctrl-C in its terminal, or `kill {who.pid}` on {who.host}"
        return Conflict(
            f"another scheduler already runs on this database: {named}",
            hint=f"{how}; a second fleet needs its own database (database.url)",
        )

    def release(self) -> None:
        if self.held:
            self._forget_holder()
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        if self._conn is not None:
            try:
                self._conn.execute(text(f"SELECT pg_advisory_unlock({PG_SCHEDULER_LOCK})"))
            finally:
                self._conn.close()
                self._conn = None
