"""What only PostgreSQL has: its column types and driver, and a remembered database that lost
its tables. Everything the two backends share runs on both in test_store.py (and the
one-scheduler lock, an advisory lock here, in test_scheduler_lock.py); the throwaway cluster
and the CCO_REQUIRE_POSTGRES rule are in tests/db/conftest.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from cc_orchestrator.db.store import SqlStore
from cc_orchestrator.domain.errors import DamagedDatabase


def test_driver_and_column_types(pg_url: str) -> None:
    store = SqlStore.open(pg_url)
    assert store.engine.dialect.name == "postgresql"
    assert store.engine.driver == "psycopg"
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_name = 'events'"
            )
        )
        types = {str(name): str(data_type) for name, data_type in rows}
    assert types["id"] == "bigint"
    assert types["ts"] == "timestamp with time zone"
    assert types["data"] == "json"
    store.close()


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
