"""The two databases the store runs on, for one suite over both.

`db_url` is parametrized: every test that takes it runs once on a SQLite file and once on a
fresh database of a throwaway PostgreSQL cluster (tests/pg.py), started once per session.
The PostgreSQL runs are skipped when its server binaries or psycopg are missing; set
CCO_REQUIRE_POSTGRES=1 (as CI does) to fail instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from cc_orchestrator.db.store import SqlStore
from tests.pg import PgCluster, unavailable_reason

# A zone with an odd, non-whole-hour offset: timestamps must still come back as the same
# instant in UTC, whatever the server's (and so the session's) TimeZone is.
SERVER_TZ = "Pacific/Chatham"
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    reason = unavailable_reason()
    if reason is not None:
        if os.environ.get("CCO_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"CCO_REQUIRE_POSTGRES=1 but: {reason}")
        pytest.skip(reason)
    cluster = PgCluster.start(timezone=SERVER_TZ)
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    """A fresh, empty database for this test only."""
    url = pg_cluster.create_database()
    yield url
    pg_cluster.drop_database(str(make_url(url).database))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a new, empty database: a SQLite file (not created yet, in a folder that
    does not exist yet, outside the data directory) or a fresh PostgreSQL database."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite:///{tmp_path / 'shared' / 'state.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[SqlStore]:
    """A store opened (and migrated) on `db_url`, closed afterwards."""
    opened = SqlStore.open(db_url)
    yield opened
    opened.close()
