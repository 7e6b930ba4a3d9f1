"""`cco backup` / `cco restore` on PostgreSQL: pg_dump on the snapshot that also counted the
rows, pg_restore into an empty database, the password never on a command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from cc_orchestrator.bootstrap import build_app
from cc_orchestrator.db.backup import pg_environment
from cc_orchestrator.domain.errors import Conflict
from tests.pg import PgCluster


def test_a_postgres_fleet_backs_up_and_restores_into_an_empty_database(
    pg_cluster: PgCluster, tmp_path: Path, repo: Path
) -> None:
    source_url = pg_cluster.create_database()
    target_url = pg_cluster.create_database()
    source = build_app(
        overrides={"data_dir": str(tmp_path / "a"), "database": {"url": source_url}},
        log_to_file=False,
    )
    target = build_app(
        overrides={"data_dir": str(tmp_path / "b"), "database": {"url": target_url}},
        log_to_file=False,
    )
    try:
        ids = [source.tasks.add(title=f"pg {n}", prompt="x", repo=repo).id for n in range(3)]
        info = source.backups.make(tmp_path / "pg.tar.gz")
        assert info.backend == "postgresql" and info.counts["tasks"] == 3
        source.tasks.add(title="after", prompt="x", repo=repo)
        assert target.backups.check(info.path).counts["tasks"] == 3
        report = target.backups.restore(info.path)
        assert report.counts["tasks"] == 3
        assert sorted(t.id for t in target.tasks.all()) == sorted(ids)
        # the restored database takes new rows (its sequences came along)
        target.tasks.add(title="new here", prompt="x", repo=repo)
        assert len(target.tasks.all()) == 4
        with pytest.raises(Conflict, match="already holds a fleet"):
            target.backups.restore(info.path)
    finally:
        source.close()
        target.close()
        for url in (source_url, target_url):
            pg_cluster.drop_database(str(make_url(url).database))


def test_the_password_goes_in_the_environment() -> None:
    url = make_url("postgresql+psycopg://cco:s3cret@db.example:5433/fleet")
    env = pg_environment(url, {"PATH": "/usr/bin", "PGPASSWORD": "stale"})
    assert env == {
        "PATH": "/usr/bin",
        "PGHOST": "db.example",
        "PGPORT": "5433",
        "PGUSER": "cco",
        "PGPASSWORD": "s3cret",
        "PGDATABASE": "fleet",
    }
