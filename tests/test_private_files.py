"""The data directory and what cco writes under it are the user's alone (dirs 0700, files
0600), under the usual umask 022, also when an older data directory is 0755."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.adapters.claude.launch import STATUS_LINE_COMMAND
from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.models import InstanceStatus
from tests.conftest import Cco, wait_for


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_data_dir_database_and_log_are_owner_only(cco: Cco, data_dir: Path) -> None:
    cco("tasks", "list")
    assert mode(data_dir) == 0o700
    for sub in ("logs", "locks", "instances"):
        assert mode(data_dir / sub) == 0o700, sub
    for name in ("state.db", "known-databases.json", "logs/cco.log"):
        assert mode(data_dir / name) == 0o600, name
    for extra in ("state.db-wal", "state.db-shm"):  # SQLite gives them the database's mode
        if (data_dir / extra).exists():
            assert mode(data_dir / extra) == 0o600, extra


def test_an_open_data_dir_is_tightened_and_said_so(cco: Cco, data_dir: Path) -> None:
    cco("tasks", "list")
    data_dir.chmod(0o755)
    (data_dir / "logs").chmod(0o755)
    (data_dir / "state.db").chmod(0o644)
    (data_dir / "logs" / "cco.log").chmod(0o644)
    result = cco("tasks", "list")
    assert "data_dir.tightened" in result.output and str(data_dir) in result.output
    assert mode(data_dir) == 0o700 and mode(data_dir / "logs") == 0o700
    assert mode(data_dir / "state.db") == 0o600
    assert mode(data_dir / "logs" / "cco.log") == 0o600
    assert "data_dir.tightened" not in cco("tasks", "list").output  # once, not every time


@pytest.fixture
def app(fake_claude: Path) -> Iterator[App]:
    app = build_app(log_to_file=False)
    yield app
    app.close()


def test_instance_files_are_owner_only(app: App, repo: Path) -> None:
    interactive = app.instances.spawn(repo=repo, prompt="write a.txt hi")
    headless = app.instances.spawn(repo=repo, prompt="write b.txt hi", mode="headless")

    def idle() -> bool:
        app.instances.sync()
        return all(app.instances.get(i.id).status == InstanceStatus.IDLE for i in both)

    both = (interactive, headless)
    wait_for(idle, what="both instances idle")
    for inst in (interactive, headless):
        files = app.instances.files(inst.id)
        assert mode(files.folder) == 0o700
        # written by the hook's `>>`, tmux pipe-pane's `cat >>`, the headless wrapper, cco
        for path in (files.events, files.raw_log, files.stream, files.stderr, files.prompt):
            assert path.exists(), path
            assert mode(path) == 0o600, path
        assert files.events.stat().st_size > 0  # the hooks appended to the 0600 file
    assert app.instances.files(headless.id).stream.stat().st_size > 0
    raw = app.instances.files(interactive.id).raw_log  # pipe-pane writes as the pane prints
    wait_for(lambda: raw.stat().st_size > 0, what="the pane's output in raw.log")
    assert mode(raw) == 0o600


def test_the_rotated_raw_log_is_owner_only(
    app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.instances.config, "raw_log_max_bytes", 4096)
    inst = app.instances.spawn(repo=repo, prompt="\n".join(["x" * 100] * 200))
    rotated = app.instances.files(inst.id).raw_log.with_suffix(".log.1")

    def rotated_yet() -> bool:
        app.instances.sync()  # a pass caps raw.log, moving the older half to raw.log.1
        return rotated.exists()

    wait_for(rotated_yet, what="raw.log.1")
    assert mode(rotated) == 0o600
    assert mode(app.instances.files(inst.id).raw_log) == 0o600


def test_the_status_line_copy_is_owner_only(tmp_path: Path) -> None:
    """Claude Code runs the status line command; each copy is a new file (written, renamed)."""
    target = tmp_path / "status.json"
    env = {**os.environ, "CCO_STATUS_FILE": str(target), "CCO_INSTANCE_ID": "i-1"}
    out = subprocess.run(
        ["sh", "-c", STATUS_LINE_COMMAND],
        input='{"cost": {"total_cost_usd": 0.5}}',
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert out.stdout == "cco i-1"
    assert target.read_text() == '{"cost": {"total_cost_usd": 0.5}}'
    assert mode(target) == 0o600
