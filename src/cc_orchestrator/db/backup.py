"""Dumps of the state database for `cco backup` / `cco restore` (implements ports_backup).

SQLite: the online backup API copies every page in one step while the daemon keeps writing
(WAL: the copy is the last commit before it began), then the copy is made a self-contained
rollback-journal file. A dump is checked by opening it read-only and immutable (`PRAGMA
integrity_check`, its alembic revision, rows per table), and loaded by an atomic rename over
the database after its stale -wal and -shm are gone (a stale WAL would be replayed into it).

PostgreSQL: `pg_dump --format=custom` on a snapshot exported by a REPEATABLE READ transaction
that also counts the rows, so the counts describe exactly what was dumped; loaded with
`pg_restore --single-transaction`. The connection's password goes in the environment
(PGPASSWORD), never on a command line. Programs are run by the function bootstrap passes in
(adapters/process.run): this layer runs none itself.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from cc_orchestrator.db.engine import MIGRATIONS_DIR, make_engine, migrate
from cc_orchestrator.db.integrity import KnownDatabases
from cc_orchestrator.domain.errors import CcoError, DamagedBackup, StorageError
from cc_orchestrator.ports_backup import DumpFacts

Runner = Callable[..., Any]  # adapters.process.run(args, *, env=..., timeout=...)


def known_revisions() -> list[str]:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_facts(conn: sqlite3.Connection) -> DumpFacts:
    names = [
        str(r[0])
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    revision = None
    if "alembic_version" in names:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = str(row[0]) if row else None
    counts = {
        n: int(conn.execute(f"SELECT count(*) FROM {_quote(n)}").fetchone()[0])
        for n in names
        if n != "alembic_version"
    }
    return DumpFacts("sqlite", revision, counts)


class SqliteDumps:
    backend = "sqlite"
    file_name = "state.db"

    def __init__(self, url: str, known: Path) -> None:
        self.url: URL = make_url(url)
        self.path = Path(str(self.url.database))
        self.known = KnownDatabases(known)

    def where(self) -> str:
        return str(self.path)

    def dump(self, dest: Path) -> DumpFacts:
        if not self.path.is_file() or self.path.stat().st_size == 0:
            raise StorageError(
                f"there is no state database at {self.path} to back up",
                hint="check --data-dir or database.url",
            )
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        src = sqlite3.connect(self.path, timeout=30)
        try:
            dst = sqlite3.connect(dest)
            try:
                src.backup(dst)  # every page in one step: one consistent snapshot
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                facts = _sqlite_facts(dst)
            finally:
                dst.close()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot back up {self.path}: {exc}") from None
        finally:
            src.close()
        return facts

    def check(self, path: Path) -> DumpFacts:
        uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
        try:
            conn = sqlite3.connect(uri, uri=True)
            try:
                rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
                if rows != ["ok"]:
                    raise DamagedBackup(
                        f"the database in the backup is corrupt ({'; '.join(rows[:3])})",
                        hint="use another backup",
                    )
                return _sqlite_facts(conn)
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise DamagedBackup(
                f"the database in the backup cannot be read: {exc}", hint="use another backup"
            ) from None

    def current(self) -> DumpFacts | None:
        if not self.path.is_file() or self.path.stat().st_size == 0:
            return None
        try:
            conn = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True)
            try:
                return _sqlite_facts(conn)
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            return DumpFacts("sqlite", None, {})  # there, but unreadable: still a database

    def load(self, path: Path) -> DumpFacts:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path, 0o600)
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
        for stale in (Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
            stale.unlink(missing_ok=True)
        os.replace(path, self.path)
        _fsync_dir(self.path.parent)
        engine = make_engine(self.url.render_as_string(hide_password=False))
        try:
            migrate(engine, self.known)  # to this cco's schema, and remembered
        finally:
            engine.dispose()
        return self.check_live()

    def move_aside(self, tag: str) -> str:
        """The database and its -wal/-shm renamed to <name>.<tag>: kept, out of the way."""
        aside = self.path.with_name(f"{self.path.name}.{tag}")
        for suffix in ("-wal", "-shm", ""):
            src = Path(f"{self.path}{suffix}")
            if src.exists():
                os.replace(src, Path(f"{aside}{suffix}"))
        return str(aside)

    def check_live(self) -> DumpFacts:
        found = self.current()
        if found is None:
            raise StorageError(f"{self.path} vanished while it was restored")
        return found

    def revisions(self) -> list[str]:
        return known_revisions()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def pg_environment(url: URL, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """libpq's own variables for `url`: nothing of it (the password least) on a command line."""
    env = dict(os.environ if base is None else base)
    pairs = {
        "PGHOST": url.host or url.query.get("host"),
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    for key, value in pairs.items():
        if isinstance(value, str) and value:
            env[key] = value
        else:
            env.pop(key, None)
    return env


class PostgresDumps:
    backend = "postgresql"
    file_name = "state.pgdump"

    def __init__(self, url: str, known: Path, run: Runner) -> None:
        self.url: URL = make_url(url)
        self.known = KnownDatabases(known)
        self.run = run

    def where(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def _engine(self) -> Any:
        return make_engine(self.url.render_as_string(hide_password=False))

    def _facts(self, conn: Any) -> DumpFacts:
        names = [
            str(r[0])
            for r in conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "ORDER BY tablename"
                )
            )
        ]
        revision = None
        if "alembic_version" in names:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        counts = {
            n: int(conn.execute(text(f"SELECT count(*) FROM {_quote(n)}")).scalar() or 0)
            for n in names
            if n != "alembic_version"
        }
        return DumpFacts("postgresql", revision, counts)

    def dump(self, dest: Path) -> DumpFacts:
        engine = self._engine()
        try:
            with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
                conn.execute(text("SET TRANSACTION READ ONLY"))
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
                facts = self._facts(conn)
                self._program(
                    [
                        "pg_dump",
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        f"--snapshot={snapshot}",
                        f"--file={dest}",
                    ]
                )
                conn.rollback()
        finally:
            engine.dispose()
        os.chmod(dest, 0o600)
        return facts

    def check(self, path: Path) -> DumpFacts | None:
        self._program(["pg_restore", "--list", str(path)], damaged=True)
        return None  # what it holds is known once loaded

    def current(self) -> DumpFacts | None:
        engine = self._engine()
        try:
            with engine.connect() as conn:
                found = self._facts(conn)
        finally:
            engine.dispose()
        return found if found.schema_revision is not None or found.counts else None

    def load(self, path: Path) -> DumpFacts:
        engine = self._engine()
        try:
            with engine.connect() as conn:
                names = [
                    str(r[0])
                    for r in conn.execute(
                        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                    )
                ]
                for name in names:  # current() found none of cco's rows, or --force set them aside
                    conn.execute(text(f"DROP TABLE IF EXISTS {_quote(name)} CASCADE"))
                conn.commit()
            self._program(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    f"--dbname={self.url.database}",
                    str(path),
                ]
            )
            migrate(engine, self.known)  # to this cco's schema, and remembered
            with engine.connect() as conn:
                return self._facts(conn)
        finally:
            engine.dispose()

    def move_aside(self, tag: str) -> str:
        raise StorageError(
            f"cannot back up {self.where()} before replacing it",
            hint="repair or drop its tables yourself (pg_dump what you want to keep), then restore",
        )

    def _program(self, args: Sequence[str], *, damaged: bool = False) -> None:
        try:
            self.run(list(args), env=pg_environment(self.url), timeout=3600)
        except CcoError as exc:
            if damaged:
                raise DamagedBackup(
                    f"the PostgreSQL dump in the backup cannot be read: {exc}",
                    hint="use another backup",
                ) from None
            raise StorageError(
                str(exc), hint="is pg_dump/pg_restore installed and as new as the server?"
            ) from None

    def revisions(self) -> list[str]:
        return known_revisions()
