"""What a new user tripped on at the command line: pipes, ports, empty repositories, names."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.models import Task, TaskStatus
from tests.conftest import Cco, git, wait_for

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


ASK = "ask sh -c 'echo ok > asked.txt'"


def run_task(app: App, task_id: str, *statuses: TaskStatus) -> Task:
    def step() -> Task | None:
        app.tasks.tick()
        current = app.tasks.get(task_id)
        return current if current.status in statuses else None

    return wait_for(step, timeout=60, interval=0.1, what=f"task in {statuses}")


def test_a_tasks_instance_is_named_after_it_and_shown_as_a_user_needs(cco: Cco, repo: Path) -> None:
    app = build_app(log_to_file=False)
    try:
        t = app.tasks.add(
            title="Count to 100!",
            prompt=f"bash seq -s ' ' 1 100\nwrite count.txt done\n{ASK}",
            repo=repo,
            mode="headless",
        )
        done = run_task(app, t.id, TaskStatus.REVIEW, TaskStatus.FAILED)
        inst = app.instances.get(done.instance_id or "")
        wt = app.worktrees.get(done.worktree_id or "")
    finally:
        app.close()
    assert done.status == TaskStatus.REVIEW, done.status_reason
    assert inst.name == f"count-to-100-{t.id}"

    shown = cco("instances", "show", inst.name).output
    assert f"worktree:   {wt.path}\n" in shown and f"branch:     {wt.branch} (from" in shown
    assert f'task:       {t.id} "Count to 100!" (review)' in shown
    assert "usage:      4 turns, " in shown and " tokens, $0.0100" in shown
    history = shown.split("history:\n", 1)[1].splitlines()
    assert [line.split()[2] for line in history] == ["starting", "working", "idle", "stopped"]
    for internal in ("worktree_plan", "cost_base_usd", "offset", "owns_worktree"):
        assert internal not in shown

    log = cco("instances", "logs", inst.id).output
    excerpt = next(line for line in log.splitlines() if "← ok: 1 2 3" in line)
    assert "… (91 more characters)" in excerpt and " 100" not in excerpt  # capped at 200
    assert (
        "← error: Claude requested permissions to use Bash, but you haven't granted it yet."
    ) in log
    assert "tool result" not in log

    listing = cco("worktrees", "list").output
    assert f'task {t.id} "Count to 100!", instance {inst.id} (stopped)' in listing
    [row] = json.loads(cco("worktrees", "list", "--json").output)
    assert row["owner"] == {
        "instance_id": inst.id,
        "instance_status": "stopped",
        "task_id": t.id,
        "task_title": "Count to 100!",
    }


def test_a_second_instance_of_a_task_gets_a_name_of_its_own(repo: Path) -> None:
    app = build_app(log_to_file=False)
    try:
        t = app.tasks.add(title="Slow work", prompt="sleep 30", repo=repo)
        first = run_task(app, t.id, TaskStatus.RUNNING)
        wait_for(lambda: app.tasks.get(t.id).worktree_id or (app.tasks.tick() and None))
        app.tasks.cancel(t.id)  # its worktree stays, under the first name
        app.tasks.retry(t.id)
        second = run_task(app, t.id, TaskStatus.RUNNING)
        wait_for(lambda: app.tasks.get(t.id).worktree_id or (app.tasks.tick() and None))
        names = [app.instances.get(x.instance_id or "").name for x in (first, second)]
        app.tasks.cancel(t.id)
    finally:
        app.close()
    assert names == [f"slow-work-{t.id}", f"slow-work-{t.id}-2"]
