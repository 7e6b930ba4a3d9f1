"""The state database as a file that can be kept: what a backup needs from the database layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class DumpFacts:
    """What a dump holds: its backend, its schema revision and the rows per table."""

    backend: str
    schema_revision: str | None
    counts: Mapping[str, int] = field(default_factory=dict)


class StateDumps(Protocol):
    """Dumps of the configured state database, and loading one back into it.

    `dump` takes a consistent snapshot while others write (SQLite's online backup API, or
    pg_dump on an exported snapshot); `check` opens a dump without touching the live database
    and says what it holds (a damaged one raises DamagedBackup); `load` puts a checked dump in
    place of the database (which must not be in use) and migrates it to this cco's schema."""

    backend: str
    file_name: str  # the dump's name inside a backup archive

    def where(self) -> str: ...
    def dump(self, dest: Path) -> DumpFacts: ...
    def check(self, path: Path) -> DumpFacts | None: ...  # None: only loading can tell
    def current(self) -> DumpFacts | None: ...  # None: there is no database yet
    def load(self, path: Path) -> DumpFacts: ...
    def move_aside(self, tag: str) -> str: ...  # a database too damaged to dump (--force)
    def revisions(self) -> list[str]: ...  # every schema revision this cco knows, oldest first
