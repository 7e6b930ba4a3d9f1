"""A damaged state database is refused with what to do, by every command, and left as it was:
emptied (0 bytes), missing, cut in the middle, with bad pages, or bad where only
`cco up`'s quick_check looks. Real SQLite files, the real CLI (in process and as `cco up`)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from cc_orchestrator.db.integrity import KnownDatabases
from cc_orchestrator.db.rows import EVENTS
from cc_orchestrator.db.store import SqlStore
from cc_orchestrator.db.tables import utcnow
from tests.conftest import Cco

COMMANDS = (("tasks", "list"), ("status",), ("instances", "list"))


@pytest.fixture(autouse=True)
def _agent(fake_claude: Path) -> None:
    return None


@pytest.fixture
def fleet(cco: Cco, repo: Path, data_dir: Path) -> Path:
    """A data directory with 3 tasks and 4000 events; returns its state.db (closed)."""
    for n in range(3):
        cco("tasks", "add", f"task {n}", "--repo", str(repo), "--prompt", f"do {n}")
    store = SqlStore.open(f"sqlite:///{data_dir / 'state.db'}")
    with store.engine.begin() as conn:
        rows = [
            {"ts": utcnow(), "kind": "k", "entity_type": "task", "entity_id": f"t{n}", "data": {}}
            for n in range(4000)
        ]
        conn.execute(insert(EVENTS), rows)
    store.close()  # the last close checkpoints the WAL into the file
    db = data_dir / "state.db"
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    assert len(json.loads(cco("tasks", "list", "--json").output)) == 3
    return db


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused_everywhere(cco: Cco, db: Path, what: str) -> None:
    """Every command exits 3 with one clear line, and the file is exactly as it was."""
    before = digest(db) if db.exists() else None
    for args in COMMANDS:
        result = cco(*args, ok=False)
        assert result.exit_code == 3, (args, result.output)
        assert f"the state database {db} {what}" in result.output
        assert "restore it from a backup" in result.output
        assert "aside to start a new, empty fleet" in result.output
        assert "Traceback" not in result.output and "internal error" not in result.output
        assert "sqlalche.me" not in result.output
    assert (digest(db) if db.exists() else None) == before


def test_emptied_database_is_refused_and_kept(cco: Cco, fleet: Path) -> None:
    fleet.write_bytes(b"")
    refused_everywhere(cco, fleet, "is empty (0 bytes)")
    assert fleet.stat().st_size == 0  # never migrated into a new, empty fleet


def test_missing_database_is_refused_and_not_created(cco: Cco, fleet: Path) -> None:
    fleet.unlink()
    refused_everywhere(cco, fleet, "is missing")
    assert not fleet.exists()


@pytest.mark.parametrize("cut", ["mid-page", "page-boundary"])
def test_half_truncated_database_is_refused(cco: Cco, fleet: Path, cut: str) -> None:
    size = fleet.stat().st_size
    keep = size // 2 + 1234 if cut == "mid-page" else (size // 2 // 4096) * 4096
    os.truncate(fleet, keep)
    refused_everywhere(cco, fleet, "is truncated")


def test_pages_overwritten_in_the_middle_are_refused(cco: Cco, fleet: Path) -> None:
    size = fleet.stat().st_size
    with open(fleet, "r+b") as fh:  # the header stays whole, the size too
        for page in range(2, size // 4096, 5):
            fh.seek(page * 4096)
            fh.write(b"\xff" * 4096)
    refused_everywhere(cco, fleet, "is corrupt")


def test_up_runs_quick_check_and_refuses_a_bad_page_nothing_else_reads(
    cco: Cco, fleet: Path
) -> None:
    with sqlite3.connect(fleet) as conn:
        leaves = [
            n
            for (n,) in conn.execute(
                "SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf'"
                " ORDER BY pageno"
            )
        ]
    assert len(leaves) > 10
    with open(fleet, "r+b") as fh:  # one leaf in the middle of the events, not the last one
        fh.seek((leaves[len(leaves) // 2] - 1) * 4096 + 8)
        fh.write(b"\xee" * 2000)
    assert cco("tasks", "list").exit_code == 0  # what other commands read is intact
    before = digest(fleet)
    try:
        up = subprocess.run(
            [sys.executable, "-m", "cc_orchestrator", "up", "--no-web"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("`cco up` started on a corrupt database")
    assert up.returncode == 3, up.stdout + up.stderr
    assert f"the state database {fleet} is corrupt (quick_check:" in up.stderr
    assert "restore it from a backup" in up.stderr
    assert "cc-orchestrator is up" not in up.stdout
    assert digest(fleet) == before


def test_a_database_never_migrated_here_is_created_and_then_remembered(
    cco: Cco, data_dir: Path
) -> None:
    data_dir.mkdir()
    db = data_dir / "state.db"
    db.write_bytes(b"")  # a new, empty file (as SQLite leaves it when created): a new fleet
    assert cco("tasks", "list").exit_code == 0
    assert db.stat().st_size > 0
    known = json.loads((data_dir / "known-databases.json").read_text())
    assert list(known["databases"]) == [f"sqlite:///{db}"]
    db.write_bytes(b"")
    assert cco("tasks", "list", ok=False).exit_code == 3


def test_an_older_data_dir_is_remembered_on_first_use(cco: Cco, fleet: Path) -> None:
    """A data directory from before the record: its whole database is adopted as known."""
    known = fleet.parent / "known-databases.json"
    known.unlink()
    assert cco("tasks", "list").exit_code == 0
    assert known.exists()
    fleet.write_bytes(b"")
    refused_everywhere(cco, fleet, "is empty (0 bytes)")


def test_the_record_never_holds_a_password(tmp_path: Path) -> None:
    known = KnownDatabases(tmp_path / "known-databases.json")
    url = make_url("postgresql+psycopg://cco:s3cret-pw@db.example:5432/fleet")
    known.record(url, "0002")
    text = known.path.read_text()
    assert "s3cret-pw" not in text and "cco:***@db.example:5432/fleet" in text
    assert known.knows(make_url("postgresql+psycopg://cco:other-pw@db.example:5432/fleet"))
    assert known.path.stat().st_mode & 0o777 == 0o600
