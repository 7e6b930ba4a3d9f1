"""`cco backup`, `cco backups`, `cco restore` from the command line and /api/backups: what each
prints, its exit status, and that a refused restore changes nothing."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from fastapi.testclient import TestClient

from cc_orchestrator.bootstrap import build_app
from cc_orchestrator.web.app import create_app
from tests.conftest import Cco
from tests.web.conftest import api_client


def _add(cco: Cco, repo: Path, title: str) -> str:
    out = cco("tasks", "add", title, "--prompt", "x", "--repo", str(repo), "--json").output
    return str(json.loads(out)["id"])


def test_backup_list_check_and_restore_from_the_cli(cco: Cco, repo: Path, tmp_path: Path) -> None:
    _add(cco, repo, "first")
    _add(cco, repo, "second")
    made = cco("backup").output
    assert made.startswith("backed up to ") and "2 tasks" in made
    listed = json.loads(cco("backups", "--json").output)
    assert len(listed) == 1 and listed[0]["counts"]["tasks"] == 2
    path = Path(listed[0]["path"])
    assert path.parent == tmp_path / "data" / "backups" and os.stat(path).st_mode & 0o777 == 0o600
    assert "is a whole backup" in cco("restore", "--check", str(path)).output
    # into its own, live data directory: refused, exit 1, the database untouched
    state = tmp_path / "data" / "state.db"
    before = hashlib.sha256(state.read_bytes()).hexdigest()
    refused = cco("restore", str(path), ok=False)
    assert refused.exit_code == 1
    assert "already holds a fleet (2 tasks)" in refused.output and "--force" in refused.output
    assert hashlib.sha256(state.read_bytes()).hexdigest() == before
    # a file that is not a backup: exit 3, one line saying so
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"\x1f\x8b not really")
    bad = cco("restore", str(junk), ok=False)
    assert bad.exit_code == 3 and "is not a whole cco backup" in bad.output
    missing = cco("restore", str(tmp_path / "nope.tar.gz"), ok=False)
    assert missing.exit_code == 2 and "no backup at" in missing.output
    # a new file path, then one that exists
    target = tmp_path / "mine.tar.gz"
    assert str(target) in cco("backup", str(target)).output
    again = cco("backup", str(target), ok=False)
    assert again.exit_code == 1 and "already exists" in again.output
    # into an empty data directory
    other = tmp_path / "other"
    done = cco("--data-dir", str(other), "restore", str(target)).output
    assert "2 tasks" in done and "cco up" in done
    titles = json.loads(cco("--data-dir", str(other), "tasks", "list", "--json").output)
    assert sorted(t["title"] for t in titles) == ["first", "second"]


def test_the_api_lists_and_makes_backups(cco: Cco, repo: Path) -> None:
    _add(cco, repo, "one")
    app = build_app(log_to_file=False)
    try:
        with api_client(app) as client:
            assert client.get("/api/backups").json() == []
            made = client.post("/api/backups", json={})
            assert made.status_code == 201, made.text
            body = made.json()
            assert body["counts"]["tasks"] == 1 and body["name"].startswith("cco-backup-")
            assert body["backend"] == "sqlite" and body["size"] > 0
            listed = client.get("/api/backups").json()
            assert [b["name"] for b in listed] == [body["name"]]
            kinds = [e.kind for e in app.instances.events(entity_types=("backup",))]
            assert kinds == ["backup.made"]
        with TestClient(
            create_app(app), base_url="http://127.0.0.1:8080"
        ) as stranger:  # no token: nothing made, nothing listed
            assert stranger.post("/api/backups", json={}).status_code == 401
            assert stranger.get("/api/backups").status_code == 401
        assert len(app.backups.all()) == 1
    finally:
        app.close()
