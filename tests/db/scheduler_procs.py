"""Two real `cco up` processes with their own data directories on one database (SQLite file or
PostgreSQL URL): the second is refused, naming the first; a killed holder frees the lock."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from cc_orchestrator.db.engine import make_engine
from tests.conftest import wait_for


def holder_rows(url: str) -> list[tuple[str, int]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT host, pid FROM scheduler_lock"))
            return [(str(host), int(pid)) for host, pid in rows]
    finally:
        engine.dispose()


def start_up(data_dir: Path, url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "CC_ORCH_DATA_DIR": str(data_dir), "CC_ORCH_DATABASE__URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "cc_orchestrator", "up", "--no-web"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_up(proc: subprocess.Popen[str], data_dir: Path) -> None:
    """Until the daemon runs (its pid file is written once it holds both locks)."""
    pid_file = data_dir / "daemon.pid"

    def running() -> bool:
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"`cco up` exited {proc.returncode}:\n{out}{err}")
        return pid_file.exists() and pid_file.read_text().strip() == str(proc.pid)

    wait_for(running, timeout=60, what="`cco up` to run")


def stop(proc: subprocess.Popen[str]) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return out + err


def refused(data_dir: Path, url: str) -> subprocess.CompletedProcess[str]:
    """A second `cco up`; fails the test if it starts instead of being refused."""
    second = start_up(data_dir, url)
    try:
        out, err = second.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        stop(second)
        pytest.fail("a second `cco up` started on a database another one schedules")
    return subprocess.CompletedProcess(second.args, second.returncode, out, err)


def check_one_scheduler_per_database(tmp_path: Path, url: str) -> None:
    first_dir, second_dir = tmp_path / "fleet-a", tmp_path / "fleet-b"
    first = start_up(first_dir, url)
    try:
        wait_up(first, first_dir)
        assert (first_dir / "daemon.pid").stat().st_mode & 0o777 == 0o600
        second = refused(second_dir, url)
        assert second.returncode == 1, second.stdout + second.stderr
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, second.stderr
        assert lines[0].startswith("error: another scheduler already runs on this database:")
        assert f"pid {first.pid} on host {socket.gethostname()}" in lines[0]
        assert f"data directory {first_dir}" in lines[0]
        assert "a second fleet needs its own database (database.url)" in lines[0]
        assert "cc-orchestrator is up" not in second.stdout
        assert not (second_dir / "daemon.pid").exists()
        assert first.poll() is None  # the first one runs on, undisturbed
    finally:
        out = stop(first)
    assert "cc-orchestrator stopped" in out
    assert holder_rows(url) == []  # a stopped daemon is never named
    # stopped: the lock is free again; a holder killed with SIGKILL frees it too
    third = start_up(second_dir, url)
    try:
        wait_up(third, second_dir)
        third.kill()
        third.wait(timeout=30)
    finally:
        stop(third)
    fourth = start_up(first_dir, url)
    try:
        wait_up(fourth, first_dir)
    finally:
        assert "cc-orchestrator stopped" in stop(fourth)
