"""One scheduler per database: two real `cco up` processes, two data directories, one
database (a SQLite file: an flock; PostgreSQL: pg_try_advisory_lock on a connection of its
own)."""

from __future__ import annotations

from pathlib import Path

from tests.db.scheduler_procs import (
    check_one_scheduler_per_database,
    refused,
    start_up,
    stop,
    wait_up,
)


def test_second_up_on_the_same_database_is_refused(tmp_path: Path, db_url: str) -> None:
    check_one_scheduler_per_database(tmp_path, db_url)


def test_a_symlinked_path_is_the_same_database(tmp_path: Path) -> None:
    """The lock follows the file, not the path that names it."""
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    first = start_up(tmp_path / "fleet-a", f"sqlite:///{real / 'state.db'}")
    try:
        wait_up(first, tmp_path / "fleet-a")
        second = refused(tmp_path / "fleet-b", f"sqlite:///{tmp_path / 'link' / 'state.db'}")
        assert second.returncode == 1
        assert f"pid {first.pid}" in second.stderr
    finally:
        stop(first)
