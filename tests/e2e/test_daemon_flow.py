"""The whole loop through the real daemon (`cco up` in its own process) with fake agents:
12 tasks in a diamond of dependencies, at most 3 at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.services.daemon import run_daemon
from tests.conftest import Cco, git, wait_for


@pytest.fixture
def app(fake_claude: Path) -> Iterator[App]:
    app = build_app(log_to_file=False)
    yield app
    app.close()


def start_daemon(extra_env: dict[str, str] | None = None, *args: str) -> subprocess.Popen[str]:
    """`cco up` in its own process; without the dashboard unless args say otherwise."""
    return subprocess.Popen(
        [sys.executable, "-m", "cc_orchestrator", "up", *(args or ("--no-web",))],
        env={**os.environ, **(extra_env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_daemon(proc: subprocess.Popen[str]) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    return out


def test_diamond_of_twelve_tasks_with_three_at_once(
    app: App, cco: Cco, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CC_ORCH_INSTANCES__MAX_RUNNING", "3")
    ids: dict[str, str] = {}

    def add(name: str, *deps: str) -> None:
        args = [
            "tasks",
            "add",
            name,
            "--repo",
            str(repo),
            "--base",
            "main",
            "--json",
            "--prompt",
            f"sleep 0.3; write {name}.txt made by {name}",
        ]
        for dep in deps:
            args += ["--depends-on", ids[dep]]
        ids[name] = json.loads(cco(*args).output)["id"]

    add("a")
    for b in ("b1", "b2", "b3", "b4"):
        add(b, "a")
    add("c1", "b1", "b2")
    add("c2", "b2", "b3")
    add("c3", "b3", "b4")
    add("c4", "b4", "b1")
    add("d", "c1", "c2", "c3", "c4")
    add("e", "d")
    add("f")
    deps = {
        "b1": ["a"],
        "b2": ["a"],
        "b3": ["a"],
        "b4": ["a"],
        "c1": ["b1", "b2"],
        "c2": ["b2", "b3"],
        "c3": ["b3", "b4"],
        "c4": ["b4", "b1"],
        "d": ["c1", "c2", "c3", "c4"],
        "e": ["d"],
    }

    daemon = start_daemon()
    try:

        def all_in_review() -> bool:
            listed = json.loads(cco("tasks", "list", "--json").output)
            bad = [t for t in listed if t["status"] in ("failed", "blocked", "cancelled")]
            assert not bad, bad
            return all(t["status"] == "review" for t in listed)

        wait_for(all_in_review, timeout=180, interval=0.5, what="all 12 tasks in review")
    finally:
        out = stop_daemon(daemon)
    assert "cc-orchestrator stopped; instances keep running" in out

    with app.store.read() as tx:
        events = tx.events(limit=100_000)
    # never more than 3 running at once: replay the task status events in commit order
    running: set[str] = set()
    peak = 0
    first_running: dict[str, int] = {}
    reviewed: dict[str, int] = {}
    for e in events:
        if e.kind != "task.status":
            continue
        if e.data["status"] in ("running", "needs_input"):
            running.add(e.entity_id)
            first_running.setdefault(e.entity_id, e.id)
        else:
            running.discard(e.entity_id)
        if e.data["status"] == "review":
            reviewed.setdefault(e.entity_id, e.id)
        peak = max(peak, len(running))
    assert peak <= 3
    assert peak == 3  # and the limit was used
    # and no task started before every dependency had finished
    for name, needed in deps.items():
        for dep in needed:
            assert reviewed[ids[dep]] < first_running[ids[name]], (name, dep)
    # the stacked branches hold their dependencies' commits
    tasks = {t.id: t for t in app.tasks.all()}
    for name, needed in deps.items():
        branch = tasks[ids[name]].branch or ""
        files = git(repo, "ls-tree", "--name-only", branch).split()
        for dep in needed:
            assert f"{dep}.txt" in files, (name, dep, files)
            dep_branch = tasks[ids[dep]].branch or ""
            git(repo, "merge-base", "--is-ancestor", dep_branch, branch)
    assert all(tasks[i].attempts == 1 for i in ids.values())
    # every agent session was stopped at review: nothing left running
    status = json.loads(cco("status", "--json").output)
    assert status["tasks"] == {"review": 12}
    assert set(status["instances"]) == {"stopped"}
    assert len(status["needs_you"]) == 12


def test_second_daemon_is_refused(app: App, cco: Cco) -> None:
    first = start_daemon()
    try:
        wait_for(
            lambda: json.loads(cco("status", "--json").output)["daemon"] == "running",
            what="the daemon",
        )
        second = subprocess.run(
            [sys.executable, "-m", "cc_orchestrator", "up", "--no-web"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode != 0
        assert "already running" in second.stderr
    finally:
        stop_daemon(first)
    assert json.loads(cco("status", "--json").output)["daemon"] == "stopped"


@pytest.mark.parametrize("watch_hooks", [True, False])
def test_hook_events_wake_the_daemon_between_passes(
    app: App, repo: Path, tmp_path: Path, watch_hooks: bool
) -> None:
    """With passes a minute apart, a written hook event is applied within moments, and a
    finished task's turn runs the scheduler at once; with watching off, nothing moves."""
    task = app.tasks.add(title="quick", prompt="sleep 0.5; write done.txt yes", repo=repo)
    stop = threading.Event()
    ticks: list[float] = []
    thread = threading.Thread(
        target=run_daemon,
        kwargs={
            "tasks": app.tasks,
            "monitor": app.monitor,
            "locks": app.locks,
            "pid_file": tmp_path / "daemon.pid",
            "interval_s": 60.0,
            "watch_hooks": watch_hooks,
            "stop": stop,
            "on_tick": lambda: ticks.append(time.monotonic()),
        },
    )
    thread.start()

    def inst_status() -> str | None:
        current = app.tasks.get(task.id)
        if current.instance_id is None:
            return None
        with app.store.read() as tx:  # what the daemon wrote, no sync of our own
            inst = tx.instance(current.instance_id)
        return inst.status.value if inst else None

    try:
        wait_for(lambda: ticks, what="the first pass")
        if watch_hooks:
            # well before the next pass is due (60 s)
            wait_for(
                lambda: app.tasks.get(task.id).status.value == "review",
                timeout=30,
                what="the task in review",
            )
            # the pass that completed it reports when it ends, a moment after the status
            wait_for(lambda: len(ticks) >= 2, timeout=15, what="that pass to end")
            assert len(ticks) <= 3  # passes came from the agent's moves, not the clock
            inst_id = app.tasks.get(task.id).instance_id
            with app.store.read() as tx:
                seen = [
                    e.data["status"]
                    for e in tx.events(entity_id=inst_id or "", limit=100)
                    if e.kind == "instance.status"
                ]
            assert seen[:2] == ["working", "idle"]  # each of the agent's moves, in order
        else:
            time.sleep(4)
            assert inst_status() == "starting"
            assert len(ticks) == 1
    finally:
        stop.set()
        thread.join(30)
