"""The disaster drill: a backup while 20 tasks run, the daemon killed -9 and its data directory
wiped, then `cco restore` and `cco up` again. What was in review stays so, untouched; the agents
that were working are adopted from their live tmux sessions and finish; the rest run after;
no task's prompt reaches an agent twice."""

from __future__ import annotations

import json
import shutil
import signal
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


def _prompts(data_dir: Path) -> dict[str, int]:
    """Per task, how many prompts its agents were ever given (UserPromptSubmit hook lines)."""
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
    ids = []
    for n in range(QUICK + SLOW):
        slow = n >= QUICK
        prompt = f"sleep 12; write f{n}.txt {n}" if slow else f"write f{n}.txt {n}"
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
    finally:
        out = stop_daemon(daemon)
    prompts = _prompts(data_dir)
    assert all(prompts[t] == 1 for t in ids), (prompts, out[-3000:])
    files = {p.name for p in (tmp_path / "wt").rglob("f*.txt")}
    assert files == {f"f{n}.txt" for n in range(QUICK + SLOW)}
