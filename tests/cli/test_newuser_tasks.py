"""`cco tasks add` and `cco tasks show` as a new user reads them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import build_app
from cc_orchestrator.domain.models import TaskStatus
from tests.conftest import Cco, wait_for


@pytest.fixture(autouse=True)
def _agent(fake_claude: Path) -> None:
    return None


def test_add_says_when_nothing_will_run_the_task(cco: Cco, repo: Path) -> None:
    out = cco("tasks", "add", "First", "--repo", str(repo)).output.splitlines()
    assert out[0].startswith("added task ") and out[0].endswith("(ready): First")
    assert out[1] == "the daemon is not running: start it with `cco up` to run the task"
    as_json = cco("tasks", "add", "Second", "--repo", str(repo), "--json").output
    assert json.loads(as_json)["title"] == "Second"  # --json stays JSON only


def test_show_says_where_the_work_is_and_how_it_went(cco: Cco, repo: Path) -> None:
    app = build_app(log_to_file=False)
    try:
        t = app.tasks.add(title="Greet", prompt="write greet.txt hi", repo=repo, priority=2)

        def in_review() -> bool:
            app.tasks.tick()
            return app.tasks.get(t.id).status == TaskStatus.REVIEW

        wait_for(in_review, timeout=60, interval=0.1, what="review")
        done = app.tasks.get(t.id)
        inst = app.instances.get(done.instance_id or "")
        wt = app.worktrees.get(done.worktree_id or "")
    finally:
        app.close()
    shown = cco("tasks", "show", t.id).output
    assert f"task:       {t.id} Greet\n" in shown
    assert "status:     review: 1 commit, 1 file changed\n" in shown
    assert f"instance:   {inst.name} (stopped)\n" in shown
    assert f"branch:     {done.branch}\n" in shown and f"worktree:   {wt.path}\n" in shown
    assert "changes:    1 commit, 1 file changed, +1 -0\n" in shown
    assert "greet.txt" in shown.split("diff:\n", 1)[1]
    history = shown.split("history:\n", 1)[1].splitlines()
    assert [line.split()[2] for line in history] == ["ready", "running", "review"]
    for internal in ("repo_id", "turns_at_start", "base_commit", "worktree_id", "updated_at"):
        assert internal not in shown
