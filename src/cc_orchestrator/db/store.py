"""The Store: transactions and queries over the tables, returning domain records.

A transaction (SqlTx) is composed of one part per entity, each in its own module and each
implementing one of the narrow ports (ports.RepoRows, WorktreeRows, InstanceRows, TaskRows,
EventLog, FleetCounts); the monitor's hot path runs on CoreTx (db/tx_hook.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from cc_orchestrator.db.engine import IMMEDIATE, make_engine, migrate
from cc_orchestrator.db.integrity import KnownDatabases, check_sqlite_file, damage_of
from cc_orchestrator.db.tx_events import CountTx, EventTx
from cc_orchestrator.db.tx_hook import CoreTx
from cc_orchestrator.db.tx_instances import InstanceTx
from cc_orchestrator.db.tx_links import LinkTx
from cc_orchestrator.db.tx_messages import MessageTx
from cc_orchestrator.db.tx_outbox import OutboxTx
from cc_orchestrator.db.tx_repos import RepoTx, WorktreeTx
from cc_orchestrator.db.tx_tasks import TaskTx
from cc_orchestrator.domain.errors import StorageError
from cc_orchestrator.logs import get_logger

log = get_logger("cco.db")


class SqlTx(RepoTx, WorktreeTx, InstanceTx, TaskTx, CountTx, EventTx, OutboxTx, LinkTx, MessageTx):
    """Implements ports.Tx on one SQLAlchemy session: the union of the per-entity parts."""


def _storage_error(exc: DBAPIError, store: SqlStore) -> StorageError:
    damage = damage_of(exc, store.engine.url, store.known)
    if damage is not None:
        return damage
    if not isinstance(exc, OperationalError):
        raise exc  # a bug (a constraint, a type), not the user's to fix
    locked = "locked" in str(exc.orig) or "lock timeout" in str(exc.orig)
    return StorageError(
        f"the state database failed: {exc.orig}",
        hint="another process held it locked for too long; try again"
        if locked
        else "check database.url and the data directory",
    )


class SqlStore:
    """Implements ports.Store."""

    def __init__(self, engine: Engine, known: KnownDatabases | None = None) -> None:
        self.engine = engine
        self.known = known
        self._listeners: list[Callable[[], None]] = []

    def on_events(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call listener (from the committing thread) after each commit that added events.

        Returns what removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @classmethod
    def open(
        cls, url: str, *, busy_timeout_ms: int = 30_000, known: Path | None = None
    ) -> SqlStore:
        """Check, migrate and open; `known` is the data directory's record of its databases
        (db/integrity.py): a database it remembers is never created or migrated afresh."""
        parsed = make_url(url)
        sqlite = parsed.get_backend_name() == "sqlite"
        in_memory = sqlite and parsed.database in (None, "", ":memory:")
        record = KnownDatabases(known) if known is not None and not in_memory else None
        if sqlite and not in_memory:
            check_sqlite_file(parsed, record)
        engine = make_engine(url, busy_timeout_ms=busy_timeout_ms)
        migrate(engine, record)
        return cls(engine, record)

    @contextmanager
    def _session(self, *, immediate: bool) -> Iterator[SqlTx]:
        try:
            with self.engine.connect() as conn:
                if immediate:
                    conn = conn.execution_options(**{IMMEDIATE: True})
                with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                    tx = SqlTx(session)
                    yield tx
        except DBAPIError as exc:
            raise _storage_error(exc, self) from None
        if tx.appended:
            self._notify()

    def _notify(self) -> None:
        for listener in self._listeners:
            try:
                listener()
            except Exception:  # a listener never fails the transaction that committed
                log.exception("store.listener_failed")

    def write(self) -> AbstractContextManager[SqlTx]:
        return self._session(immediate=True)

    @contextmanager
    def hook_write(self) -> Iterator[CoreTx]:
        """A write transaction for the monitor's hot path, without an ORM session."""
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(**{IMMEDIATE: True})
                with conn.begin():
                    tx = CoreTx(conn)
                    yield tx
        except DBAPIError as exc:
            raise _storage_error(exc, self) from None
        if tx.appended:
            self._notify()

    def read(self) -> AbstractContextManager[SqlTx]:
        return self._session(immediate=False)

    def close(self) -> None:
        self.engine.dispose()
