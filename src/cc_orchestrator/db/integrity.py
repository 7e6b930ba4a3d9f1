"""Is the state database whole, and the one cco made? Checked before anything writes to it.

A data directory remembers every database it migrated (`known-databases.json`: the URL
without its password, and when). A database it remembers that is now missing, empty (0 bytes),
without cco's tables, truncated or corrupt is refused with DamagedDatabase: cco never creates,
migrates or rewrites it, so the evidence stays for a restore. A database it does not remember
is new and gets created and migrated as before.

For SQLite the file's header is checked on every open (a read of 100 bytes): a file cut in the
middle is no longer a whole number of pages, or shorter than its header says. `cco up` also
runs `PRAGMA quick_check` (see docs/architecture.md for why not integrity_check).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from cc_orchestrator.domain.errors import DamagedDatabase

KNOWN_FILE = "known-databases.json"
SQLITE_MAGIC = b"SQLite format 3\x00"
# what SQLite says when the file is not (or no longer) a database
_DAMAGE_WORDS = ("malformed", "not a database", "file is encrypted", "corrupt")


def url_key(url: URL) -> str:
    """The database as the registry names it: its URL, the password masked."""
    return url.render_as_string(hide_password=True)


def _describe(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url_key(url)


class KnownDatabases:
    """The data directory's record of the databases it migrated (one small JSON file)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # an unreadable record protects nothing; it is rewritten on next record
        found = data.get("databases") if isinstance(data, dict) else None
        return found if isinstance(found, dict) else {}

    def knows(self, url: URL) -> bool:
        return url_key(url) in self._load()

    def record(self, url: URL, revision: str | None) -> None:
        """Remember this database (once: a later open only reads the file)."""
        known = self._load()
        key = url_key(url)
        if key in known:
            return
        known[key] = {"first_migrated": datetime.now(UTC).isoformat(), "revision": revision}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"version": 1, "databases": known}, fh, indent=2, sort_keys=True)
            fh.write("\n")
        tmp.replace(self.path)


def damaged(url: URL, what: str, known: KnownDatabases | None) -> DamagedDatabase:
    where = _describe(url)
    if url.get_backend_name() == "sqlite":
        aside = f"move {where}" + (f" and {known.path}" if known is not None else "")
        hint = (
            "restore it from a backup: stop every cco process, then `cco restore FILE --force` "
            f"(`cco backups` lists them); or {aside} aside to start a new, empty fleet"
        )
    else:
        forget = f"delete {known.path}" if known is not None else "point database.url elsewhere"
        hint = (
            "restore the database from a backup (pg_restore), or "
            f"{forget} to start a new, empty fleet in it"
        )
    return DamagedDatabase(f"the state database {where} {what}; cco left it untouched", hint=hint)


def check_sqlite_file(url: URL, known: KnownDatabases | None) -> None:
    """Before SQLite opens (and so creates) the file: refuse a damaged one; a new one is
    created here, owner-only (SQLite gives its -wal and -shm files the same mode)."""
    path = Path(str(url.database))
    remembered = known is not None and known.knows(url)
    try:
        st = path.stat()
    except FileNotFoundError:
        if remembered:
            raise damaged(url, "is missing", known) from None
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another process creates it right now
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return
    if not stat.S_ISREG(st.st_mode):
        raise damaged(url, "is not a regular file", known)
    if st.st_size == 0:
        if remembered:
            raise damaged(url, "is empty (0 bytes)", known)
    else:
        problem = _header_problem(path, st.st_size)
        if problem:
            raise damaged(url, problem, known)
    _owner_only(path, st)  # only once it passed: a damaged file stays exactly as found


def _owner_only(path: Path, st: os.stat_result) -> None:
    """The fleet's prompts and logs are the user's alone: tighten an existing 0644 file (and
    its -wal and -shm companions, which SQLite created with the same mode)."""
    if st.st_uid != os.getuid():
        return
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if candidate.stat().st_mode & 0o077:
                candidate.chmod(0o600)
        except FileNotFoundError:
            continue


def _header_problem(path: Path, size: int) -> str | None:
    try:
        with open(path, "rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        return "is not a SQLite database (damaged header)"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return "is not a SQLite database (damaged header)"
    if size % page_size:
        return f"is truncated ({size} bytes, not a whole number of {page_size}-byte pages)"
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96]  # the header's page count is current
    wal = Path(f"{path}-wal")
    wal_pending = wal.exists() and wal.stat().st_size > 0
    if valid and not wal_pending and pages * page_size > size:
        return f"is truncated ({size} bytes where its header says {pages * page_size})"
    return None


def damage_of(exc: DBAPIError, url: URL, known: KnownDatabases | None) -> DamagedDatabase | None:
    """The DamagedDatabase a driver error means, if it says the file is damaged."""
    message = str(exc.orig).lower()
    if url.get_backend_name() == "sqlite" and any(w in message for w in _DAMAGE_WORDS):
        return damaged(url, f"is corrupt ({exc.orig})", known)
    return None


def quick_check(engine: Engine, known: KnownDatabases | None = None) -> None:
    """SQLite's `PRAGMA quick_check` (O(N), without index-to-table cross-checks); refuses a
    database that fails it. PostgreSQL checks its own pages (a damaged one fails queries)."""
    if engine.url.get_backend_name() != "sqlite" or engine.url.database in (None, ":memory:"):
        return
    try:
        with engine.connect() as conn:
            rows = [str(r[0]) for r in conn.execute(text("PRAGMA quick_check"))]
    except DBAPIError as exc:
        found = damage_of(exc, engine.url, known)
        if found is not None:
            raise found from None
        raise
    if rows != ["ok"]:
        raise damaged(engine.url, f"is corrupt (quick_check: {'; '.join(rows[:3])})", known)
