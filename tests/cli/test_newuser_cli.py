"""What a new user tripped on at the command line: pipes, ports, empty repositories, names."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import build_app
from tests.conftest import Cco, git

CCO = [sys.executable, "-m", "cc_orchestrator"]


@pytest.fixture(autouse=True)
def _agent(fake_claude: Path) -> None:
    return None


def test_closed_pipe_ends_quietly(repo: Path) -> None:
    """`cco tasks list | head -1` ends like `git log | head`: no 'internal error', no trace."""
    app = build_app(log_to_file=False)
    try:
        for n in range(1500):  # ~200 KB of table: more than a pipe holds, so a write fails
            app.tasks.add(title=f"task number {n} with a long title", prompt="x", repo=repo)
    finally:
        app.close()
    for command in ("tasks list", "tasks list --json", "--help"):
        shell = subprocess.run(
            ["bash", "-c", f"set -o pipefail; {' '.join(CCO)} {command} | head -1"],
            capture_output=True,
            text=True,
            env=os.environ,
            timeout=120,
        )
        assert shell.stderr == "", (command, shell.stderr)
        assert shell.returncode in (0, 141), (command, shell.returncode)
        assert len(shell.stdout.splitlines()) == 1


def test_empty_repository_is_refused_at_add(cco: Cco, tmp_path: Path) -> None:
    """A repository without a commit has no HEAD to branch from: refused up front, not
    accepted as a ready task that fails later with "'HEAD' is not a branch"."""
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q", "-b", "main")
    for args in (
        ["tasks", "add", "First", "--repo", str(empty), "--prompt", "x"],
        ["instances", "spawn", "--repo", str(empty), "--prompt", "x"],
        ["worktrees", "create", "--repo", str(empty)],
    ):
        result = cco(*args, ok=False)
        lines = result.stderr.strip().splitlines()
        assert result.exit_code != 0 and len(lines) == 1, (args, result.output)
        assert "has no commit yet" in lines[0] and "git commit" in lines[0], lines
    assert json.loads(cco("tasks", "list", "--json").output) == []
    assert json.loads(cco("instances", "list", "--json").output) == []


def test_up_on_a_port_in_use_is_one_line_and_starts_nothing(
    data_dir: Path, tmux_socket: str
) -> None:
    """Another program listens on the port: `cco up` says so, naming --port and web.port,
    and never claims to be up, nor leaves a daemon lock, pid file or tmux server behind."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for command in (["up", "--port", str(port)], ["-c", f"web.port={port}", "web"]):
            run = subprocess.run(
                [*CCO, *command],
                capture_output=True,
                text=True,
                env=os.environ,
                timeout=60,
            )
            lines = run.stderr.strip().splitlines()
            assert run.returncode != 0 and len(lines) == 1, (command, run.stderr)
            assert lines[0].startswith(f"error: port {port} is already in use"), lines
            assert "--port" in lines[0] and "web.port" in lines[0], lines
            assert "is up" not in run.stdout and "dashboard:" not in run.stdout, run.stdout
    assert not (data_dir / "daemon.pid").exists()
    tmux = subprocess.run(["tmux", "-L", tmux_socket, "ls"], capture_output=True, check=False)
    assert tmux.returncode != 0  # no server: no session was ever made
