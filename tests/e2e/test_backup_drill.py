"""The disaster drill: a backup while 20 tasks run, the daemon killed -9 and its data directory
wiped, then `cco restore` and `cco up` again. What was in review stays so, untouched; the agents
that were working are adopted from their live tmux sessions and finish; the rest run after;
no task's prompt reaches an agent twice."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import build_app
from tests.conftest import Cco, wait_for
from tests.e2e.test_daemon_flow import start_daemon, stop_daemon

QUICK, SLOW = 12, 8


def _statuses(data_dir: Path) -> dict[str, str]:
    app = build_app(overrides={"data_dir": str(data_dir)}, log_to_file=False)
    try:
        return {t.id: t.status.value for t in app.tasks.all()}
    finally:
        app.close()


def _all_at_work(data_dir: Path) -> bool:
    """Some task runs, and each running task's agent is known to be working."""
    app = build_app(overrides={"data_dir": str(data_dir)}, log_to_file=False)
    try:
        running = [t for t in app.tasks.all() if t.status.value == "running"]
        with app.store.read() as tx:
            states = [
                tx.instance(t.instance_id).status.value  # type: ignore[union-attr]
                for t in running
                if t.instance_id
            ]
        return bool(running) and len(states) == len(running) and set(states) == {"working"}
    finally:
        app.close()


def _state(data_dir: Path) -> str:
    """Each task and its instances, with their statuses and reasons (what a failure shows)."""
    app = build_app(overrides={"data_dir": str(data_dir)}, log_to_file=False)
    try:
        lines = []
        with app.store.read() as tx:
            for task in app.tasks.all():
                lines.append(f"{task.id} {task.status.value} {task.status_reason}")
                for inst in tx.instances(task_id=task.id):
                    lines.append(f"    {inst.id} {inst.status.value} {inst.status_reason}")
        return "\n".join(lines)
    finally:
        app.close()


def _prompts(data_dir: Path) -> dict[str, int]:
    """Per task, the prompts its agents' hook files hold (what a failure shows; lines written
    between the backup and the wipe are gone, so this is not the measure of "ran once")."""
    app = build_app(overrides={"data_dir": str(data_dir)}, log_to_file=False)
    try:
        counts: dict[str, int] = {}
        with app.store.read() as tx:
            for task in app.tasks.all():
                for inst in tx.instances(task_id=task.id):
                    events = app.instances.files(inst.id).events
                    seen = events.read_text().count('"UserPromptSubmit"') if events.exists() else 0
                    counts[task.id] = counts.get(task.id, 0) + seen
        return counts
    finally:
        app.close()


def test_backup_kill_9_wipe_restore_and_up(
    cco: Cco, repo: Path, fake_claude: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CC_ORCH_INSTANCES__MAX_RUNNING", "4")
    # the worktrees outside the data directory, as docs/backup.md advises: a wiped data
    # directory loses the state, not the agents' checkouts
    monkeypatch.setenv(
        "CC_ORCH_WORKTREES__PATH", str(tmp_path / "wt" / "{repo}-{repo_hash}/{name}")
    )
    data_dir = tmp_path / "data"
    runs = tmp_path / "runs"  # each agent that works on task n says so here, outside cco
    runs.mkdir()
    ids = []
    for n in range(QUICK + SLOW):
        slow = n >= QUICK
        ran = f"bash echo ran >> {runs}/{n}.log"
        prompt = f"{ran}; sleep 12; write f{n}.txt {n}" if slow else f"{ran}; write f{n}.txt {n}"
        out = cco(
            "tasks", "add", f"t{n}", "--repo", str(repo), "--base", "main",
            "--priority", "0" if slow else "10", "--prompt", prompt, "--json",
        ).output  # fmt: skip
        ids.append(json.loads(out)["id"])
    quick, slow_ids = ids[:QUICK], ids[QUICK:]

    daemon = start_daemon()
    try:
        wait_for(
            lambda: all(_statuses(data_dir)[t] == "review" for t in quick),
            timeout=120,
            interval=0.2,
            what="the quick tasks to reach review",
        )
        # and every agent at work seen working: one still starting when the backup is taken
        # can stay stuck after the restore (a known gap, see docs/backup.md)
        wait_for(
            lambda: _all_at_work(data_dir),
            timeout=60,
            interval=0.1,
            what="the slow tasks' agents to be at work",
        )
        daemon.send_signal(signal.SIGSTOP)  # the fleet's state holds still; its agents do not
        backup = tmp_path / "drill.tar.gz"
        cco("backup", str(backup))
        daemon.kill()
        daemon.wait(timeout=30)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    at_backup = _statuses(data_dir)
    running = [t for t in slow_ids if at_backup[t] == "running"]
    assert running, at_backup  # the drill needs agents at work when the backup was taken

    shutil.rmtree(data_dir)
    restored = cco("restore", str(backup)).output
    assert f"{QUICK + SLOW} tasks" in restored
    assert _statuses(data_dir) == at_backup  # exactly the state of the backup

    daemon = start_daemon()
    try:
        wait_for(
            lambda: all(s == "review" for s in _statuses(data_dir).values()),
            timeout=180,
            interval=0.5,
            what="every task to reach review after the restore",
        )
    except Exception:
        out = stop_daemon(daemon)
        raise AssertionError(f"{_state(data_dir)}\nat backup: {at_backup}\n{out[-4000:]}") from None
    out = stop_daemon(daemon)
    twice = {
        n: (runs / f"{n}.log").read_text().count("ran")
        for n in range(QUICK + SLOW)
        if (runs / f"{n}.log").read_text().count("ran") != 1
    }
    assert twice == {}, (twice, _prompts(data_dir), out[-3000:])
    files = {p.name for p in (tmp_path / "wt").rglob("f*.txt")}
    assert files == {f"f{n}.txt" for n in range(QUICK + SLOW)}


def _cco(*args: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **({"CCO_FAULT": fault} if fault else {})}
    return subprocess.run(
        [sys.executable, "-m", "cc_orchestrator", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_kill_9_while_backing_up_leaves_no_backup_and_its_leftover_goes(
    cco: Cco, repo: Path, tmp_path: Path
) -> None:
    cco("tasks", "add", "kept", "--prompt", "x", "--repo", str(repo))
    target = tmp_path / "out"
    target.mkdir()
    killed = _cco("backup", str(target / "b.tar.gz"), fault="backup.before_rename")
    assert killed.returncode == -9
    assert not (target / "b.tar.gz").exists()  # no half backup under a real name
    (partial,) = target.glob(".b.tar.gz.*.partial")
    assert partial.stat().st_mode & 0o777 == 0o600
    again = _cco("backup", str(target / "b.tar.gz"))  # re-run: the same name is free
    assert again.returncode == 0, again.stderr
    # in backup.dir, prune removes such leftovers once they are an hour old
    killed = _cco("backup", fault="backup.before_rename")
    assert killed.returncode == -9
    (left,) = (tmp_path / "data" / "backups").glob(".*.partial")
    os.utime(left, (time.time() - 7200, time.time() - 7200))
    assert _cco("backup").returncode == 0
    assert not left.exists()
    assert len(json.loads(cco("backups", "--json").output)) == 1


@pytest.mark.parametrize("fault", ["restore.after_intent", "restore.after_load"])
def test_kill_9_while_restoring_is_finished_by_restoring_again(
    fault: str, cco: Cco, repo: Path, tmp_path: Path
) -> None:
    for n in range(3):
        cco("tasks", "add", f"t{n}", "--prompt", "x", "--repo", str(repo))
    backup = tmp_path / "b.tar.gz"
    cco("backup", str(backup))
    other = str(tmp_path / "other")
    killed = _cco("--data-dir", other, "restore", str(backup), fault=fault)
    assert killed.returncode == -9
    up = _cco("--data-dir", other, "up", "--no-web")
    assert up.returncode == 1 and "was interrupted" in up.stderr and "cco restore" in up.stderr
    elsewhere = tmp_path / "c.tar.gz"
    cco("backup", str(elsewhere))
    refused = _cco("--data-dir", other, "restore", str(elsewhere))
    assert refused.returncode == 1 and f"finish it first: cco restore {backup}" in refused.stderr
    done = _cco("--data-dir", other, "restore", str(backup))  # no --force needed
    assert done.returncode == 0, done.stderr
    listed = json.loads(_cco("--data-dir", other, "tasks", "list", "--json").stdout)
    assert sorted(t["title"] for t in listed) == ["t0", "t1", "t2"]
    assert not (Path(other) / "restoring.json").exists()
