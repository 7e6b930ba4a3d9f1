"""kill -9 the daemon at each step of a task's start, then start it again: the task runs
exactly once and nothing leaks (worktree, branch, tmux session, row)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator import faults
from cc_orchestrator.bootstrap import App, build_app
from tests.conftest import Cco, git, wait_for
from tests.e2e.test_daemon_flow import start_daemon, stop_daemon


@pytest.fixture
def app(fake_claude: Path) -> Iterator[App]:
    app = build_app(log_to_file=False)
    yield app
    app.close()


@pytest.mark.parametrize("point", faults.POINTS)
def test_kill_9_during_start_runs_the_task_exactly_once(
    point: str, app: App, cco: Cco, repo: Path
) -> None:
    task_id = json.loads(
        cco(
            "tasks",
            "add",
            "drill",
            "--repo",
            str(repo),
            "--json",
            "--prompt",
            "write drill.txt done",
        ).output
    )["id"]
    crashed = start_daemon({"CCO_FAULT": point})
    crashed.wait(timeout=60)
    assert crashed.returncode == -9, stop_daemon(crashed)

    daemon = start_daemon()
    try:
        wait_for(
            lambda: app.tasks.get(task_id).status.value == "review",
            timeout=60,
            what=f"the task to finish after a crash at {point}",
        )
    finally:
        stop_daemon(daemon)

    task = app.tasks.get(task_id)
    with app.store.read() as tx:
        instances = tx.instances(task_id=task_id)
    # exactly once: one agent ever received the prompt
    prompts = sum(
        app.instances.files(i.id).events.read_text().count('"UserPromptSubmit"')
        for i in instances
        if app.instances.files(i.id).events.exists()
    )
    assert prompts == 1, (point, [(i.id, i.status, i.status_reason) for i in instances])
    assert task.commits_ahead == 1
    # nothing leaked: one worktree (the task's), its branch, no stray session or folder
    worktrees = [
        Path(line.split(" ", 1)[1])
        for line in git(repo, "worktree", "list", "--porcelain").splitlines()
        if line.startswith("worktree ")
    ]
    assert worktrees == [repo, app.worktrees.get(task.worktree_id or "").path]
    branches = git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads").split()
    assert sorted(branches) == sorted(["main", task.branch])
    assert "nothing to clean up" in cco("worktrees", "cleanup", "--dry-run").output
    assert "no leftover sessions" in cco("instances", "reconcile").output
    sessions = subprocess.run(
        [
            "tmux",
            "-L",
            os.environ["CC_ORCH_TMUX__SOCKET"],
            "list-sessions",
            "-F",
            "#{session_name}",
        ],
        capture_output=True,
        text=True,
    ).stdout.split()
    assert sessions == []


def _task_in_review(app: App, repo: Path) -> str:
    task = app.tasks.add(title="approve drill", prompt="write drill.txt done", repo=repo)

    def reviewed() -> bool:
        app.tasks.tick()
        return app.tasks.get(task.id).status.value == "review"

    wait_for(reviewed, timeout=60, interval=0.1, what="the task to reach review")
    return task.id


@pytest.mark.parametrize("finisher", ["approve_again", "daemon"])
@pytest.mark.parametrize("point", faults.APPROVE_POINTS)
def test_kill_9_during_approve_merges_exactly_once(
    point: str, finisher: str, app: App, cco: Cco, repo: Path
) -> None:
    task_id = _task_in_review(app, repo)
    branch = app.tasks.get(task_id).branch
    crashed = subprocess.run(
        [sys.executable, "-m", "cc_orchestrator", "tasks", "approve", task_id],
        env={**os.environ, "CCO_FAULT": point},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crashed.returncode == -9, crashed.stdout + crashed.stderr
    interrupted = app.tasks.get(task_id)
    assert interrupted.status.value == "review" and interrupted.approve_plan is not None
    # a half-done approve is not rejected or cancelled by mistake
    assert "being approved" in cco("tasks", "cancel", task_id, ok=False).output

    if finisher == "approve_again":
        assert "is done" in cco("tasks", "approve", task_id).output
    else:
        daemon = start_daemon()
        try:
            wait_for(
                lambda: app.tasks.get(task_id).status.value == "done",
                timeout=60,
                what=f"the daemon to finish the approve interrupted at {point}",
            )
        finally:
            stop_daemon(daemon)

    task = app.tasks.get(task_id)
    assert task.status.value == "done" and task.approve_plan is None
    assert task.status_reason == "approved; merged into main"
    merges = git(repo, "log", "--format=%s", "main").splitlines()
    assert merges.count(f"Merge task {task_id}: approve drill") == 1, merges
    assert (repo / "drill.txt").read_text() == "done"
    with app.store.read() as tx:
        events = [e for e in tx.events(entity_id=task_id, limit=1000)]
    assert [e.kind for e in events].count("task.approved") == 1
    assert [e.data["status"] for e in events if e.kind == "task.status"].count("done") == 1
    # nothing left: worktree, branch
    assert app.worktrees.views() == []
    assert branch not in git(repo, "branch")
    assert "nothing to clean up" in cco("worktrees", "cleanup", "--dry-run").output
    # approving once more is a clear no
    again = cco("tasks", "approve", task_id, ok=False)
    assert again.exit_code != 0 and "is done; only a task in review" in again.output


def test_kill_9_during_setup_leaves_it_creating_and_cleanup_undoes_it(
    cco: Cco, repo: Path, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    finished, started = tmp_path / "setup-finished", tmp_path / "setup-started"
    monkeypatch.setenv(
        "CC_ORCH_WORKTREES__SETUP",
        f"echo $$ > {started}.tmp; mv {started}.tmp {started}; sleep 30; touch {finished}",
    )
    creator = subprocess.Popen(
        [sys.executable, "-m", "cc_orchestrator", "worktrees", "create", "--repo", str(repo), "w1"],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(started.exists, timeout=30, what="the setup command to start")
    setup_pid = int(started.read_text())
    pid_file = next((data_dir / "setup").glob("*.pid"), None)  # what cco recorded of it
    os.kill(creator.pid, signal.SIGKILL)
    assert creator.wait(timeout=10) == -9
    os.kill(setup_pid, 0)  # the orphaned setup runs on

    # not active: nothing may use a worktree whose setup never finished
    assert "no worktrees" in cco("worktrees", "list").output
    assert pid_file is not None and int(pid_file.read_text()) == setup_pid  # its process group
    dry = cco("worktrees", "cleanup", "--dry-run").output
    assert "abandoned" in dry.replace("_", " ") and "interrupted" in dry, dry
    cco("worktrees", "cleanup")
    wait_for(lambda: not _alive(setup_pid), timeout=10, what="the orphaned setup to be killed")
    assert not finished.exists() and not any((data_dir / "setup").glob("*.pid"))
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads").split() == ["main"]
    assert "nothing to clean up" in cco("worktrees", "cleanup", "--dry-run").output


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (killed, not yet reaped by init) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_kill_9_of_the_daemon_during_setup_runs_the_task_once(
    app: App, cco: Cco, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, started, finished = (tmp_path / n for n in ("first", "started", "finished"))
    # the first setup hangs (and is killed with the daemon); the next one passes at once
    monkeypatch.setenv(
        "CC_ORCH_WORKTREES__SETUP",
        f"[ -e {first} ] && exit 0; touch {first}; echo $$ > {started}.tmp; "
        f"mv {started}.tmp {started}; sleep 30; touch {finished}",
    )
    task_id = app.tasks.add(title="setup drill", prompt="write drill.txt done", repo=repo).id
    crashed = start_daemon()
    wait_for(started.exists, timeout=60, what="the first setup to start")
    setup_pid = int(started.read_text())
    crashed.kill()
    crashed.wait(timeout=10)

    daemon = start_daemon()
    try:
        wait_for(
            lambda: app.tasks.get(task_id).status.value == "review",
            timeout=60,
            what="the task to finish after a crash during its setup",
        )
    finally:
        stop_daemon(daemon)
    wait_for(lambda: not _alive(setup_pid), timeout=10, what="the orphaned setup to be killed")
    assert not finished.exists()
    task = app.tasks.get(task_id)
    with app.store.read() as tx:
        instances = tx.instances(task_id=task_id)
    prompts = sum(
        app.instances.files(i.id).events.read_text().count('"UserPromptSubmit"')
        for i in instances
        if app.instances.files(i.id).events.exists()
    )
    assert prompts == 1
    worktrees = [
        Path(line.split(" ", 1)[1])
        for line in git(repo, "worktree", "list", "--porcelain").splitlines()
        if line.startswith("worktree ")
    ]
    assert worktrees == [repo, app.worktrees.get(task.worktree_id or "").path]
    assert "nothing to clean up" in cco("worktrees", "cleanup", "--dry-run").output
