"""Backups and restores of a real SQLite fleet: round trip, refusals that change nothing
(a live daemon, a fleet already there, a truncated, altered, foreign or newer backup), the
undo of --force, retention, a backup while another process writes, and the schedule."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.errors import Conflict, DamagedBackup, InvalidInput
from cc_orchestrator.services.backup_loop import BackupLoop
from cc_orchestrator.services.daemon import DAEMON_LOCK
from tests.conftest import wait_for


def _app(data_dir: Path, **overrides: object) -> App:
    return build_app(overrides={"data_dir": str(data_dir), **overrides}, log_to_file=False)


@pytest.fixture
def fleet(tmp_path: Path, repo: Path) -> Iterator[App]:
    """A data directory with three tasks, a web token and one instance folder."""
    app = _app(tmp_path / "data")
    for n in range(3):
        app.tasks.add(title=f"task {n}", prompt=f"do {n}", repo=repo)
    assert app.web_token  # generated into the data directory
    folder = app.data_dir / "instances" / "abc123"
    folder.mkdir(parents=True)
    (folder / "events.jsonl").write_text('{"hook_event_name": "Stop"}\n')
    yield app
    app.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _titles(app: App) -> list[str]:
    return sorted(t.title for t in app.tasks.all())


def test_round_trip_into_an_empty_data_directory(fleet: App, tmp_path: Path, repo: Path) -> None:
    info = fleet.backups.make(tmp_path / "one.tar.gz")
    assert info.path.stat().st_mode & 0o777 == 0o600  # it holds the web token
    assert info.counts["tasks"] == 3 and info.schema_revision == fleet.backups.dumps.revisions()[-1]
    fleet.tasks.add(title="after the backup", prompt="x", repo=repo)

    target = _app(tmp_path / "restored")
    try:
        report = target.backups.restore(info.path)
        assert report.counts["tasks"] == 3 and report.set_aside is None
        assert _titles(target) == ["task 0", "task 1", "task 2"]
        assert (target.data_dir / "web-token").read_text() == (
            fleet.data_dir / "web-token"
        ).read_text()
        restored = target.data_dir / "instances" / "abc123" / "events.jsonl"
        assert restored.read_text() == '{"hook_event_name": "Stop"}\n'
        assert (target.data_dir / "state.db").stat().st_mode & 0o777 == 0o600
        kinds = [e.kind for e in target.instances.events(entity_types=("backup",))]
        assert kinds == ["backup.restored"]  # its backup.made came after the snapshot
    finally:
        target.close()


def test_restore_refuses_a_live_daemon_and_an_existing_fleet_and_changes_nothing(
    fleet: App, tmp_path: Path, repo: Path
) -> None:
    info = fleet.backups.make(tmp_path / "b.tar.gz")
    fleet.tasks.add(title="newer", prompt="x", repo=repo)
    fleet.store.close()
    before = _digest(fleet.data_dir / "state.db")
    with fleet.locks.hold(DAEMON_LOCK), pytest.raises(Conflict, match="daemon is running"):
        fleet.backups.restore(info.path, force=True)
    with pytest.raises(Conflict, match=r"already holds a fleet \(4 tasks\)") as refused:
        fleet.backups.restore(info.path)
    assert "--force" in (refused.value.hint or "")
    assert _digest(fleet.data_dir / "state.db") == before
    assert not (fleet.data_dir / "backups").exists()
    assert fleet.backups.interrupted() is None  # a refusal records no intent


def test_force_keeps_what_it_replaced_and_restoring_that_undoes_it(
    fleet: App, tmp_path: Path, repo: Path
) -> None:
    info = fleet.backups.make(tmp_path / "b.tar.gz")
    fleet.tasks.add(title="newer", prompt="x", repo=repo)
    fleet.close()
    again = _app(fleet.data_dir)
    try:
        report = again.backups.restore(info.path, force=True)
        assert report.set_aside is not None and report.set_aside.parent == again.backups.backup_dir
        assert "newer" not in _titles(again)
        again.store.close()
        del again.__dict__["store"]
        undo = again.backups.restore(report.set_aside, force=True)
        assert undo.counts["tasks"] == 4
        assert "newer" in _titles(again)
    finally:
        again.close()


def _cut(path: Path, dest: Path, keep: float) -> Path:
    data = path.read_bytes()
    dest.write_bytes(data[: int(len(data) * keep)])
    return dest


def _rewrite(path: Path, dest: Path, change: dict[str, bytes | None]) -> Path:
    """The archive again with members replaced (bytes), removed (None) or added."""
    with tarfile.open(path, "r:gz") as src, tarfile.open(dest, "w:gz") as out:
        names = []
        for member in src:
            names.append(member.name)
            body = src.extractfile(member)
            data = body.read() if body else b""
            if member.name in change:
                if change[member.name] is None:
                    continue
                data = change[member.name] or b""
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
        for name, data in change.items():
            if name not in names and data is not None:
                entry = tarfile.TarInfo(name)
                entry.size = len(data)
                out.addfile(entry, io.BytesIO(data))
    return dest


def _member(path: Path, name: str) -> bytes:
    with tarfile.open(path, "r:gz") as tar:
        body = tar.extractfile(name)
        assert body is not None
        return body.read()


def _manifest(path: Path) -> dict[str, object]:
    return dict(json.loads(_member(path, "manifest.json")))


@pytest.mark.parametrize(
    "spoil",
    [
        "truncated",
        "truncated early",
        "altered",
        "member missing",
        "extra member",
        "traversal",
        "not a backup",
        "no manifest",
    ],
)
def test_a_damaged_or_foreign_backup_is_refused_and_nothing_changes(
    spoil: str, fleet: App, tmp_path: Path
) -> None:
    good = fleet.backups.make(tmp_path / "good.tar.gz").path
    bad = tmp_path / "bad.tar.gz"
    db = _member(good, "state.db")
    if spoil == "truncated":
        _cut(good, bad, 0.8)
    elif spoil == "truncated early":
        _cut(good, bad, 0.05)
    elif spoil == "altered":
        _rewrite(good, bad, {"state.db": db[:-1] + b"\x01"})
    elif spoil == "member missing":
        _rewrite(good, bad, {"files/web-token": None})
    elif spoil == "extra member":
        _rewrite(good, bad, {"files/extra": b"x"})
    elif spoil == "traversal":
        _rewrite(good, bad, {"../escape": b"x"})
    elif spoil == "not a backup":
        bad.write_bytes(os.urandom(4096))
    else:
        _rewrite(good, bad, {"manifest.json": None})
    target = _app(tmp_path / "restored")
    try:
        with pytest.raises(DamagedBackup) as refused:
            target.backups.check(bad)
        with pytest.raises(DamagedBackup) as refused_too:
            target.backups.restore(bad)
        assert str(refused.value) == str(refused_too.value)
        assert "bad.tar.gz" in str(refused.value) or "backup" in str(refused.value)
        assert not (target.data_dir / "state.db").exists()
        assert not (target.data_dir / "web-token").exists()
        assert not (tmp_path / "escape").exists()
        assert target.backups.interrupted() is None
        assert [p.name for p in target.data_dir.iterdir() if p.name.startswith(".cco")] == []
    finally:
        target.close()


def test_a_backup_from_a_newer_schema_is_refused_with_what_to_do(
    fleet: App, tmp_path: Path
) -> None:
    import sqlite3

    good = fleet.backups.make(tmp_path / "good.tar.gz").path
    work = tmp_path / "newer.db"
    work.write_bytes(_member(good, "state.db"))
    conn = sqlite3.connect(work)
    conn.execute("UPDATE alembic_version SET version_num = '0999'")
    conn.commit()
    conn.close()
    manifest = _manifest(good)
    data = work.read_bytes()
    manifest["schema_revision"] = "0999"
    manifest["cco_version"] = "9.0.0"
    members = dict(manifest["members"])  # type: ignore[call-overload]
    members["state.db"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    manifest["members"] = members
    bad = _rewrite(
        good,
        tmp_path / "bad.tar.gz",
        {"manifest.json": json.dumps(manifest).encode(), "state.db": data},
    )
    target = _app(tmp_path / "restored")
    try:
        with pytest.raises(DamagedBackup, match="made by a newer cco") as refused:
            target.backups.restore(bad)
        assert "upgrade cc-orchestrator" in (refused.value.hint or "")
        assert not (target.data_dir / "state.db").exists()
    finally:
        target.close()


def test_a_sqlite_backup_is_refused_where_database_url_is_postgres(
    fleet: App, tmp_path: Path
) -> None:
    good = fleet.backups.make(tmp_path / "good.tar.gz").path
    target = _app(
        tmp_path / "restored", **{"database": {"url": "postgresql://nobody@127.0.0.1:1/x"}}
    )
    try:
        with pytest.raises(InvalidInput, match="backup is of a sqlite database"):
            target.backups.restore(good)
    finally:
        target.close()


def test_keep_the_newest_and_clean_what_a_killed_backup_left(fleet: App) -> None:
    fleet.backups.keep = 2
    stale = fleet.backups.backup_dir / ".cco-backup-x.tar.gz.1.partial"
    made = [fleet.backups.make() for _ in range(3)]
    assert stale.parent.is_dir()
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    fleet.backups.make()
    left = [b.path for b in fleet.backups.all()]
    assert len(left) == 2 and made[0].path not in left and made[1].path not in left
    assert not stale.exists()
    assert fleet.backups.backup_dir.stat().st_mode & 0o777 == 0o700


def test_a_backup_while_another_process_writes_is_consistent(
    fleet: App, tmp_path: Path, repo: Path
) -> None:
    writer = _app(fleet.data_dir)
    stop = threading.Event()
    added: list[str] = []

    def write() -> None:
        while not stop.is_set():
            added.append(writer.tasks.add(title="busy", prompt="x", repo=repo).id)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        wait_for(lambda: len(added) > 5, timeout=30, what="the writer to write")
        infos = [fleet.backups.make(tmp_path / f"b{n}.tar.gz") for n in range(3)]
    finally:
        stop.set()
        thread.join(timeout=30)
        writer.close()
    for info in infos:
        checked = fleet.backups.check(info.path)  # integrity and counts agree with the manifest
        assert checked.counts["tasks"] >= 3
    assert infos[0].counts["tasks"] < infos[-1].counts["tasks"] <= 3 + len(added)


def test_the_schedule_makes_backups_and_a_manual_one_moves_it(fleet: App) -> None:
    loop = BackupLoop(fleet.backups, every_h=1.5 / 3600, first_after_min=0)
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,))
    thread.start()
    try:
        wait_for(lambda: len(fleet.backups.all()) >= 2, timeout=30, what="two scheduled backups")
    finally:
        stop.set()
        loop.wake.set()
        thread.join(timeout=30)
    made = [e for e in fleet.instances.events(entity_types=("backup",)) if e.kind == "backup.made"]
    assert made and all(e.data["scheduled"] for e in made)
    off = BackupLoop(fleet.backups, every_h=0, first_after_min=0)
    off.run(threading.Event())  # returns at once: scheduled backups are off
    later = BackupLoop(fleet.backups, every_h=24, first_after_min=0)
    assert later.due_in() > 23 * 3600  # the newest backup is fresh


def test_the_manifest_never_names_a_file_of_its_own_to_copy(fleet: App, tmp_path: Path) -> None:
    """A config_file of '../../...' in a (re-checksummed) manifest copies nothing from outside
    the checked members into the user's config."""
    user_file = fleet.config.user_file
    user_file.parent.mkdir(parents=True, exist_ok=True)
    user_file.write_text("logging: {level: info}\n")
    good = fleet.backups.make(tmp_path / "good.tar.gz").path
    secret = tmp_path / "elsewhere.txt"
    secret.write_text("not for the config")
    manifest = _manifest(good)
    manifest["config_file"] = f"../../../../../../..{secret}"
    bad = _rewrite(good, tmp_path / "bad.tar.gz", {"manifest.json": json.dumps(manifest).encode()})
    target = _app(tmp_path / "restored")
    try:
        report = target.backups.restore(bad)
        assert report.config_kept is None and report.notes == []
        assert user_file.read_text() == "logging: {level: info}\n"
        assert not user_file.with_name(user_file.name + ".restored").exists()
    finally:
        target.close()


def test_force_restores_over_a_damaged_database_and_keeps_it_aside(
    fleet: App, tmp_path: Path
) -> None:
    info = fleet.backups.make(tmp_path / "b.tar.gz")
    fleet.close()
    state = fleet.data_dir / "state.db"
    state.write_bytes(b"not a database at all" * 100)
    again = _app(fleet.data_dir)
    try:
        with pytest.raises(Conflict, match="already holds a database"):
            again.backups.restore(info.path)
        report = again.backups.restore(info.path, force=True)
        assert report.set_aside is not None and "before-restore-" in report.set_aside.name
        assert report.set_aside.read_bytes().startswith(b"not a database")
        assert _titles(again) == ["task 0", "task 1", "task 2"]
    finally:
        again.close()
