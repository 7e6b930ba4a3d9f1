"""The Store: transactions and queries over the tables, returning domain records."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, aliased

from cc_orchestrator.db.engine import IMMEDIATE, make_engine, migrate
from cc_orchestrator.db.integrity import KnownDatabases, check_sqlite_file, damage_of
from cc_orchestrator.db.tables import (
    EventRow,
    InstanceRow,
    RepositoryRow,
    TaskDependencyRow,
    TaskRow,
    WorktreeRow,
    utcnow,
)
from cc_orchestrator.domain.errors import StorageError
from cc_orchestrator.domain.events import repo_added
from cc_orchestrator.domain.models import (
    Event,
    Instance,
    InstanceStatus,
    NewEvent,
    Repository,
    Task,
    TaskStatus,
    Worktree,
    WorktreeStatus,
)
from cc_orchestrator.logs import get_logger


def _repo(row: RepositoryRow) -> Repository:
    return Repository(id=row.id, path=Path(row.path), name=row.name, created_at=row.created_at)


log = get_logger("cco.db")
INSTANCES = cast(Table, InstanceRow.__table__)
EVENTS = cast(Table, EventRow.__table__)
# The monitor's hot path, built once (building a statement costs as much as running it):
# instances by id and status, an update of some columns of one instance, an event insert.
_INSTANCES_BY_IDS = (
    select(INSTANCES)
    .where(INSTANCES.c.id.in_(bindparam("ids", expanding=True)))
    .where(INSTANCES.c.status.in_(bindparam("statuses", expanding=True)))
    .order_by(INSTANCES.c.created_at, INSTANCES.c.id)
)
_UPDATE_INSTANCE = update(INSTANCES).where(INSTANCES.c.id == bindparam("instance_id_"))
_INSERT_EVENT = insert(EVENTS).returning(EVENTS.c.id)
_INSTANCE_COLUMNS = frozenset(InstanceRow.__table__.columns.keys())
_TERMINAL = {InstanceStatus.EXITED.value, InstanceStatus.FAILED.value, InstanceStatus.STOPPED.value}


_INSTANCE_FIELDS = tuple(f.name for f in fields(Instance))


def _instance(row: Any) -> Instance:
    values = {name: getattr(row, name) for name in _INSTANCE_FIELDS}
    values["status"] = InstanceStatus(row.status)
    return Instance(**values)


def _event(row: EventRow) -> Event:
    return Event(
        id=row.id,
        ts=row.ts,
        kind=row.kind,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        data=dict(row.data or {}),
    )


class CoreTx:
    """The monitor's hot path on a bare connection (ports.HookTx): no ORM session at all.

    A look at a few hook lines runs as often as agents write; a Session's set-up and unit
    of work cost more than its three statements.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.appended = False

    def live_instances(
        self, ids: Collection[str], statuses: Collection[InstanceStatus]
    ) -> list[Instance]:
        """These instances, if in these statuses (at most 500 ids)."""
        params = {"ids": list(ids), "statuses": [s.value for s in statuses]}
        return [_instance(r) for r in self.conn.execute(_INSTANCES_BY_IDS, params)]

    def set_instance(self, instance_id: str, **values: Any) -> None:
        for key, value in values.items():
            if key not in _INSTANCE_COLUMNS:
                raise AttributeError(key)
            if isinstance(value, InstanceStatus):
                values[key] = value.value
        self.conn.execute(_UPDATE_INSTANCE, {"instance_id_": instance_id, **values})

    def append_event(self, event: NewEvent) -> Event:
        self.appended = True
        ts = utcnow()
        event_id = self.conn.scalar(
            _INSERT_EVENT,
            {
                "ts": ts,
                "kind": event.kind,
                "entity_type": event.entity_type,
                "entity_id": event.entity_id,
                "data": event.data,
            },
        )
        return Event(
            id=int(event_id or 0),
            ts=ts,
            kind=event.kind,
            entity_type=event.entity_type,
            entity_id=event.entity_id,
            data=dict(event.data),
        )


class SqlTx:
    """Implements ports.Tx on one SQLAlchemy session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.appended = False  # whether this transaction appended events

    # repositories -----------------------------------------------------------------------
    def repo_by_path(self, path: Path) -> Repository | None:
        row = self.session.scalar(select(RepositoryRow).where(RepositoryRow.path == str(path)))
        return _repo(row) if row else None

    def ensure_repo(self, path: Path) -> Repository:
        row = self.session.scalar(select(RepositoryRow).where(RepositoryRow.path == str(path)))
        if row is None:
            row = RepositoryRow(path=str(path), name=path.name)
            self.session.add(row)
            self.session.flush()
            self.append_event(repo_added(row.id, path))
        return _repo(row)

    def repos(self) -> list[Repository]:
        return [_repo(r) for r in self.session.scalars(select(RepositoryRow).order_by("id"))]

    # worktrees --------------------------------------------------------------------------
    def _worktree(self, row: WorktreeRow) -> Worktree:
        repo = self.session.get(RepositoryRow, row.repo_id)
        assert repo is not None
        return Worktree(
            id=row.id,
            repo_id=row.repo_id,
            repo_path=Path(repo.path),
            name=row.name,
            path=Path(row.path),
            branch=row.branch,
            base_ref=row.base_ref,
            base_commit=row.base_commit,
            created_branch=row.created_branch,
            status=WorktreeStatus(row.status),
            created_at=row.created_at,
            removed_at=row.removed_at,
        )

    def add_worktree(self, worktree: Worktree) -> None:
        self.session.add(
            WorktreeRow(
                id=worktree.id,
                repo_id=worktree.repo_id,
                name=worktree.name,
                path=str(worktree.path),
                branch=worktree.branch,
                base_ref=worktree.base_ref,
                base_commit=worktree.base_commit,
                created_branch=worktree.created_branch,
                status=worktree.status.value,
                created_at=worktree.created_at,
            )
        )
        self.session.flush()

    def worktree(self, key: str) -> Worktree | None:
        """By id, else by name among active worktrees (when the name is unique)."""
        row = self.session.get(WorktreeRow, key)
        if row is None:
            rows = list(
                self.session.scalars(
                    select(WorktreeRow).where(
                        WorktreeRow.name == key, WorktreeRow.status == WorktreeStatus.ACTIVE.value
                    )
                )
            )
            row = rows[0] if len(rows) == 1 else None
        return self._worktree(row) if row else None

    def worktrees(
        self,
        *,
        repo_id: int | None = None,
        statuses: tuple[WorktreeStatus, ...] = (WorktreeStatus.ACTIVE,),
    ) -> list[Worktree]:
        query = select(WorktreeRow).order_by(WorktreeRow.created_at, WorktreeRow.id)
        if repo_id is not None:
            query = query.where(WorktreeRow.repo_id == repo_id)
        if statuses:
            query = query.where(WorktreeRow.status.in_([s.value for s in statuses]))
        return [self._worktree(r) for r in self.session.scalars(query)]

    def set_worktree_status(self, worktree_id: str, status: WorktreeStatus) -> None:
        row = self.session.get(WorktreeRow, worktree_id)
        if row is not None:
            row.status = status.value
            self.session.flush()

    def mark_worktree_removed(self, worktree_id: str, when: datetime) -> None:
        row = self.session.get(WorktreeRow, worktree_id)
        if row is not None:
            row.status = WorktreeStatus.REMOVED.value
            row.removed_at = when
            self.session.flush()

    # instances --------------------------------------------------------------------------
    def add_instance(self, instance: Instance) -> None:
        values = {f.name: getattr(instance, f.name) for f in fields(instance)}
        values["status"] = instance.status.value
        for key in ("created_at", "updated_at", "status_at"):
            if values[key] is None:
                values.pop(key)
        self.session.add(InstanceRow(**values))
        self.session.flush()

    def instance(self, key: str) -> Instance | None:
        """By id, else by name when exactly one instance has it."""
        row = self.session.get(InstanceRow, key)
        if row is None:
            rows = list(self.session.scalars(select(InstanceRow).where(InstanceRow.name == key)))
            live = [r for r in rows if r.status not in _TERMINAL]
            row = rows[0] if len(rows) == 1 else live[0] if len(live) == 1 else None
        return _instance(row) if row else None

    def instances(
        self,
        *,
        statuses: Collection[InstanceStatus] | None = None,
        task_id: str | None = None,
        ids: Collection[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Instance]:
        conn = self.session.connection()
        if ids is not None and statuses is not None and task_id is None and limit is None:
            wanted = list(ids)
            if len(wanted) <= 500:  # the monitor's query, prepared once
                return CoreTx(conn).live_instances(wanted, statuses)
        # Core rows, not ORM objects: the monitor lists the live instances on every pass
        query = select(INSTANCES).order_by(INSTANCES.c.created_at, INSTANCES.c.id)
        if statuses is not None:
            query = query.where(INSTANCES.c.status.in_([s.value for s in statuses]))
        if task_id is not None:
            query = query.where(INSTANCES.c.task_id == task_id)
        if ids is not None:
            wanted = list(ids)
            rows = [
                row
                for start in range(0, len(wanted), 500)  # stay under SQL parameter limits
                for row in conn.execute(
                    query.where(INSTANCES.c.id.in_(wanted[start : start + 500]))
                )
            ]
            rows.sort(key=lambda r: (r.created_at, r.id))
            end = None if limit is None else offset + limit
            return [_instance(r) for r in rows[offset:end]]
        if limit is not None:
            query = query.limit(limit).offset(offset)
        return [_instance(r) for r in conn.execute(query)]

    def update_instance(self, instance_id: str, **values: Any) -> Instance:
        row = self.session.get(InstanceRow, instance_id)
        if row is None:
            raise KeyError(instance_id)
        for key, value in values.items():
            if not hasattr(row, key):
                raise AttributeError(key)
            setattr(row, key, value.value if isinstance(value, InstanceStatus) else value)
        self.session.flush()
        return _instance(row)

    def set_instance(self, instance_id: str, **values: Any) -> None:
        """update_instance without loading the row: one UPDATE statement (the monitor's path)."""
        CoreTx(self.session.connection()).set_instance(instance_id, **values)
        loaded = self.session.identity_map.get(self.session.identity_key(InstanceRow, instance_id))
        if loaded is not None:
            self.session.expire(loaded)  # an ORM copy read earlier in this transaction

    def count_instances(self, statuses: Collection[InstanceStatus]) -> int:
        query = (
            select(func.count())
            .select_from(InstanceRow)
            .where(InstanceRow.status.in_([s.value for s in statuses]))
        )
        return int(self.session.scalar(query) or 0)

    # tasks ------------------------------------------------------------------------------
    def _task(
        self,
        row: TaskRow,
        deps: Collection[str] | None = None,
        repo_paths: dict[int, str] | None = None,
    ) -> Task:
        """A record from a row; deps and repo paths may come preloaded for a whole list."""
        values = {
            f.name: getattr(row, f.name)
            for f in fields(Task)
            if f.name not in ("repo_path", "depends_on")
        }
        values["status"] = TaskStatus(row.status)
        values["labels"] = list(row.labels or [])
        if repo_paths is None:
            repo = self.session.get(RepositoryRow, row.repo_id) if row.repo_id else None
            repo_path = repo.path if repo else None
        else:
            repo_path = repo_paths.get(row.repo_id) if row.repo_id else None
        if deps is None:
            deps = list(
                self.session.scalars(
                    select(TaskDependencyRow.depends_on_id)
                    .where(TaskDependencyRow.task_id == row.id)
                    .order_by(TaskDependencyRow.depends_on_id)
                )
            )
        return Task(
            **values,
            repo_path=Path(repo_path) if repo_path else None,
            depends_on=tuple(sorted(deps)),
        )

    def add_task(self, task: Task) -> Task:
        values = {
            f.name: getattr(task, f.name)
            for f in fields(Task)
            if f.name not in ("repo_path", "depends_on")
        }
        values["status"] = task.status.value
        for key in ("created_at", "updated_at"):
            if values[key] is None:
                values.pop(key)
        row = TaskRow(**values)
        self.session.add(row)
        self.session.flush()
        for dep in task.depends_on:
            self.session.add(TaskDependencyRow(task_id=task.id, depends_on_id=dep))
        self.session.flush()
        return self._task(row)

    def task(self, key: str) -> Task | None:
        row = self.session.get(TaskRow, key)
        return self._task(row) if row else None

    def tasks(
        self,
        *,
        statuses: Collection[TaskStatus] | None = None,
        repo_id: int | None = None,
        limit: int | None = None,
        offset: int = 0,
        after: str | None = None,
    ) -> list[Task]:
        """Oldest first; dependencies and repositories loaded in two queries for the page.

        after: the tasks that come after this one in that order (keyset paging: every page
        costs what the first does, where a deep offset makes the database step over rows).
        """
        query = select(TaskRow).order_by(TaskRow.created_at, TaskRow.id)
        if after is not None:
            anchor = select(TaskRow.created_at).where(TaskRow.id == after).scalar_subquery()
            query = query.where(
                or_(
                    TaskRow.created_at > anchor,
                    and_(TaskRow.created_at == anchor, TaskRow.id > after),
                )
            )
        if statuses is not None:
            query = query.where(TaskRow.status.in_([s.value for s in statuses]))
        if repo_id is not None:
            query = query.where(TaskRow.repo_id == repo_id)
        if limit is not None:
            query = query.limit(limit).offset(offset)
        rows = list(self.session.scalars(query))
        deps: dict[str, list[str]] = {r.id: [] for r in rows}
        ids = list(deps)
        for start in range(0, len(ids), 500):  # stay under SQL parameter limits
            chunk = ids[start : start + 500]
            for task_id, dep in self.session.execute(
                select(TaskDependencyRow.task_id, TaskDependencyRow.depends_on_id).where(
                    TaskDependencyRow.task_id.in_(chunk)
                )
            ):
                deps[task_id].append(dep)
        repo_paths = {
            r_id: path
            for r_id, path in self.session.execute(select(RepositoryRow.id, RepositoryRow.path))
        }
        return [self._task(r, deps[r.id], repo_paths) for r in rows]

    def total_cost(self) -> float:
        return float(self.session.scalar(select(func.sum(InstanceRow.cost_usd))) or 0.0)

    def count_by_status(self, kind: str) -> dict[str, int]:
        """How many tasks or instances are in each status (one grouped query)."""
        table = TaskRow if kind == "task" else InstanceRow
        rows = self.session.execute(select(table.status, func.count()).group_by(table.status))
        return {status: int(count) for status, count in rows}

    def update_task(self, task_id: str, **values: Any) -> Task:
        row = self.session.get(TaskRow, task_id)
        if row is None:
            raise KeyError(task_id)
        for key, value in values.items():
            if not hasattr(row, key) or key in ("repo_path", "depends_on"):
                raise AttributeError(key)
            setattr(row, key, value.value if isinstance(value, TaskStatus) else value)
        self.session.flush()
        return self._task(row)

    def set_dependencies(self, task_id: str, depends_on: Collection[str]) -> None:
        self.session.execute(delete(TaskDependencyRow).where(TaskDependencyRow.task_id == task_id))
        for dep in sorted(set(depends_on)):
            self.session.add(TaskDependencyRow(task_id=task_id, depends_on_id=dep))
        self.session.flush()

    def dependency_edges(self) -> dict[str, list[str]]:
        edges: dict[str, list[str]] = {}
        for task_id, dep in self.session.execute(
            select(TaskDependencyRow.task_id, TaskDependencyRow.depends_on_id)
        ):
            edges.setdefault(task_id, []).append(dep)
        return edges

    def dependents(self, task_id: str) -> list[str]:
        return list(
            self.session.scalars(
                select(TaskDependencyRow.task_id)
                .where(TaskDependencyRow.depends_on_id == task_id)
                .order_by(TaskDependencyRow.task_id)
            )
        )

    def task_statuses(self, ids: Collection[str]) -> dict[str, TaskStatus]:
        wanted = list(ids)
        found: dict[str, TaskStatus] = {}
        for start in range(0, len(wanted), 500):  # stay under SQL parameter limits
            rows = self.session.execute(
                select(TaskRow.id, TaskRow.status).where(
                    TaskRow.id.in_(wanted[start : start + 500])
                )
            )
            found.update((i, TaskStatus(s)) for i, s in rows)
        return found

    def dependency_statuses(
        self, statuses: Collection[TaskStatus]
    ) -> dict[str, tuple[TaskStatus, dict[str, TaskStatus]]]:
        """For each task in these statuses: its status and its dependencies' statuses.

        One query (tasks joined with their dependencies and those tasks), no task objects:
        what the scheduler re-checks on every pass for every waiting task.
        """
        dep = aliased(TaskRow)
        query = (
            select(TaskRow.id, TaskRow.status, dep.id, dep.status)
            .outerjoin(TaskDependencyRow, TaskDependencyRow.task_id == TaskRow.id)
            .outerjoin(dep, dep.id == TaskDependencyRow.depends_on_id)
            .where(TaskRow.status.in_([s.value for s in statuses]))
        )
        found: dict[str, tuple[TaskStatus, dict[str, TaskStatus]]] = {}
        for task_id, status, dep_id, dep_status in self.session.execute(query):
            entry = found.setdefault(task_id, (TaskStatus(status), {}))
            if dep_id is not None:
                entry[1][dep_id] = TaskStatus(dep_status)
        return found

    # events -----------------------------------------------------------------------------
    def append_event(self, event: NewEvent) -> Event:
        self.appended = True
        return CoreTx(self.session.connection()).append_event(event)

    def last_event_id(self) -> int:
        return int(self.session.scalar(select(func.max(EventRow.id))) or 0)

    def events(
        self,
        *,
        after_id: int = 0,
        limit: int = 100,
        entity_id: str | None = None,
        entity_types: Collection[str] | None = None,
    ) -> list[Event]:
        query = select(EventRow).where(EventRow.id > after_id).order_by(EventRow.id).limit(limit)
        if entity_id is not None:
            query = query.where(EventRow.entity_id == entity_id)
        if entity_types is not None:
            query = query.where(EventRow.entity_type.in_(list(entity_types)))
        return [_event(r) for r in self.session.scalars(query)]


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
