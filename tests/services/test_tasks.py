"""Tasks and the scheduler with real git, real tmux and the fake claude CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.errors import Conflict, InvalidInput, LimitReached, NotFound
from cc_orchestrator.domain.models import Task, TaskStatus
from tests.conftest import git, make_repo, wait_for

T = TaskStatus


@pytest.fixture
def app(fake_claude: Path) -> Iterator[App]:
    app = build_app(log_to_file=False)
    yield app
    app.close()


def run_until(app: App, predicate, *, timeout: float = 60, what: str = "tasks"):  # type: ignore[no-untyped-def]
    def step():  # type: ignore[no-untyped-def]
        app.tasks.tick()
        return predicate()

    return wait_for(step, timeout=timeout, interval=0.1, what=what)


def task(app: App, task_id: str) -> Task:
    return app.tasks.get(task_id)


def statuses(app: App, task_id: str) -> list[str]:
    with app.store.read() as tx:
        return [
            e.data["status"]
            for e in tx.events(entity_id=task_id, limit=1000)
            if e.kind == "task.status"
        ]


def test_task_runs_to_review_then_approve_merges(app: App, repo: Path) -> None:
    t = app.tasks.add(title="Add greeting", prompt="write greeting.txt hello", repo=repo)
    assert t.status == T.READY
    done = run_until(
        app, lambda: x if (x := task(app, t.id)).status == T.REVIEW else None, what="review"
    )
    assert done.commits_ahead == 1 and done.files_changed == 1 and done.insertions == 1
    assert "greeting.txt" in (done.diff_stat or "")
    assert done.branch and done.cost_usd > 0
    # leftover work was committed on the task branch with a message naming the task
    log = git(repo, "log", "--format=%s", done.branch)
    assert log.splitlines()[0] == f"cco: Add greeting (task {t.id})"
    # the instance was stopped: review frees its slot
    assert app.instances.get(done.instance_id or "").status.value == "stopped"
    assert statuses(app, t.id) == ["running", "review"]

    approved = app.tasks.approve(t.id)
    assert approved.status == T.DONE
    assert (repo / "greeting.txt").read_text() == "hello"  # merged into the main checkout
    assert git(repo, "log", "-1", "--format=%s").startswith(f"Merge task {t.id}")
    assert app.worktrees.views() == []
    assert done.branch not in git(repo, "branch")


def test_reject_sends_feedback_to_the_same_session(app: App, repo: Path) -> None:
    t = app.tasks.add(title="Draft", prompt="write draft.txt v1", repo=repo)
    first = run_until(app, lambda: x if (x := task(app, t.id)).status == T.REVIEW else None)
    app.tasks.reject(t.id, "write draft.txt v2")
    assert task(app, t.id).status == T.RUNNING
    second = run_until(app, lambda: x if (x := task(app, t.id)).status == T.REVIEW else None)
    assert second.instance_id == first.instance_id
    inst = app.instances.get(second.instance_id or "")
    assert inst.restarts == 1 and inst.agent_session_id
    wt = app.worktrees.get(second.worktree_id or "")
    assert (wt.path / "draft.txt").read_text() == "v2"
    assert second.commits_ahead == 2
    assert statuses(app, t.id) == ["running", "review", "running", "review"]


def test_needs_input_then_answered(app: App, repo: Path) -> None:
    t = app.tasks.add(title="Ask first", prompt="ask touch asked.txt", repo=repo)
    waiting = run_until(app, lambda: x if (x := task(app, t.id)).status == T.NEEDS_INPUT else None)
    # the fake draws no dialog cco can read whole: only an explicit --force types into it
    app.instances.send(waiting.instance_id or "", "1", force=True)
    run_until(app, lambda: task(app, t.id).status == T.REVIEW)
    history = statuses(app, t.id)
    # the answered turn may finish before a tick sees it working again
    assert history[:2] == ["running", "needs_input"] and history[-1] == "review", history


def test_agent_failure_fails_task_and_blocks_dependents(
    app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.instances.config, "restart", "never")
    a = app.tasks.add(title="Crashes", prompt="crash", repo=repo)
    b = app.tasks.add(title="Needs A", prompt="write b.txt b", repo=repo, depends_on=[a.id])
    assert b.status == T.PENDING
    run_until(app, lambda: task(app, a.id).status == T.FAILED, what="failure")
    run_until(app, lambda: task(app, b.id).status == T.BLOCKED, what="blocked")
    assert "is failed" in (task(app, b.id).status_reason or "")
    assert task(app, b.id).instance_id is None  # never started
    # retry the failed one with a prompt that works: the dependent follows by itself
    app.tasks.edit(a.id, prompt="write a.txt a")
    app.tasks.retry(a.id)
    run_until(app, lambda: task(app, b.id).status == T.REVIEW, what="dependent done")


def test_cancel_blocks_dependents_and_refuses_new_deps(app: App, repo: Path) -> None:
    a = app.tasks.add(title="Long", prompt="sleep 30", repo=repo)
    b = app.tasks.add(title="After", prompt="x", repo=repo, depends_on=[a.id])
    run_until(app, lambda: task(app, a.id).status == T.RUNNING)
    inst_id = task(app, a.id).instance_id or ""
    app.tasks.cancel(a.id)
    assert task(app, a.id).status == T.CANCELLED
    assert task(app, b.id).status == T.BLOCKED
    assert app.instances.get(inst_id).status.value == "stopped"
    with pytest.raises(InvalidInput, match="cancelled"):
        app.tasks.add(title="Also after", prompt="x", repo=repo, depends_on=[a.id])
    assert len(app.tasks.all()) == 2


def test_cycles_and_bad_input_change_nothing(app: App, repo: Path, tmp_path: Path) -> None:
    a = app.tasks.add(title="A", prompt="x", repo=repo)
    b = app.tasks.add(title="B", prompt="x", repo=repo, depends_on=[a.id])
    c = app.tasks.add(title="C", prompt="x", repo=repo, depends_on=[b.id])
    with pytest.raises(InvalidInput, match=f"cycle: {a.id} -> {c.id} -> {b.id} -> {a.id}"):
        app.tasks.edit(a.id, add_deps=[c.id])
    with pytest.raises(InvalidInput, match="cycle"):
        app.tasks.edit(a.id, add_deps=[a.id])
    assert task(app, a.id).depends_on == ()
    with pytest.raises(NotFound, match="no task 'nope'"):
        app.tasks.add(title="D", prompt="x", repo=repo, depends_on=["nope"])
    with pytest.raises(InvalidInput, match="empty"):
        app.tasks.add(title="E", prompt="  \n", repo=repo)
    with pytest.raises(InvalidInput, match="title is empty"):
        app.tasks.add(title="   ", prompt="x", repo=repo)
    with pytest.raises(InvalidInput, match="not a git repository"):
        app.tasks.add(title="F", prompt="x", repo=tmp_path)
    with pytest.raises(InvalidInput, match="not a branch, tag or commit"):
        app.tasks.add(title="G", prompt="x", repo=repo, base="no-such-branch")
    with pytest.raises(NotFound):
        app.tasks.approve("nope")
    assert [t.title for t in app.tasks.all()] == ["A", "B", "C"]


def test_start_respects_limits(app: App, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.instances.config, "max_running", 1)
    a = app.tasks.add(title="A", prompt="sleep 30", repo=repo, priority=1)
    b = app.tasks.add(title="B", prompt="sleep 30", repo=repo)
    app.tasks.tick()
    assert task(app, a.id).status == T.RUNNING and task(app, b.id).status == T.READY
    with pytest.raises(LimitReached):
        app.tasks.start(b.id)
    with pytest.raises(Conflict, match="only a ready task"):
        app.tasks.start(a.id)
    app.tasks.cancel(a.id)
    app.tasks.start(b.id)
    assert task(app, b.id).status == T.RUNNING


def test_one_pass_fills_free_slots_per_repo_then_stops(
    app: App, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = make_repo(tmp_path / "other")
    monkeypatch.setattr(app.instances.config, "max_running", 3)
    monkeypatch.setattr(app.tasks.config, "max_running_per_repo", 2)
    here = [app.tasks.add(title=f"H{i}", prompt="sleep 30", repo=repo) for i in range(4)]
    there = [app.tasks.add(title=f"O{i}", prompt="sleep 30", repo=other) for i in range(4)]
    app.tasks.tick()
    running = [t for t in [*here, *there] if task(app, t.id).status == T.RUNNING]
    # three slots in all, at most two per repository, oldest first
    assert [t.title for t in running] == ["H0", "H1", "O0"]
    app.tasks.cancel(here[0].id)
    app.tasks.tick()
    assert task(app, here[2].id).status == T.RUNNING  # the oldest, its repository has room
    app.tasks.cancel(there[0].id)
    app.tasks.tick()
    # the freed slot goes past H3 (its repository is full) to O1
    assert task(app, here[3].id).status == T.READY
    assert task(app, there[1].id).status == T.RUNNING


def test_a_pass_with_nothing_to_change_writes_nothing(
    app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backlog behind a full fleet costs reads only: no write lock taken per pass."""
    monkeypatch.setattr(app.instances.config, "max_running", 1)
    first = app.tasks.add(title="first", prompt="sleep 30", repo=repo)
    blocked = app.tasks.add(title="dep", prompt="x", repo=repo, depends_on=[first.id])
    backlog = [app.tasks.add(title=f"B{i}", prompt="x", repo=repo) for i in range(20)]
    run_until(
        app,
        lambda: app.instances.get(task(app, first.id).instance_id or "").status.value == "working",
        what="the first task working",
    )
    writes = []
    real_write = app.store.write

    def counting_write():  # type: ignore[no-untyped-def]
        writes.append(1)
        return real_write()

    monkeypatch.setattr(app.store, "write", counting_write)
    for _ in range(3):
        app.tasks.tick()
    assert writes == []
    assert task(app, blocked.id).status == T.PENDING
    assert {task(app, t.id).status for t in backlog} == {T.READY}


def test_approve_waits_for_dependencies_and_ff_policy(
    app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = app.tasks.add(title="A", prompt="write a.txt a", repo=repo, base="main")
    b = app.tasks.add(title="B", prompt="write b.txt b", repo=repo, base="main", depends_on=[a.id])
    run_until(app, lambda: task(app, b.id).status == T.REVIEW, what="both in review")
    # B was stacked on A's unmerged branch
    tb = task(app, b.id)
    assert "a.txt" in git(repo, "ls-tree", "--name-only", tb.branch or "")
    with pytest.raises(Conflict, match=f"approve {a.id} first"):
        app.tasks.approve(b.id)
    monkeypatch.setattr(app.tasks.config, "merge", "ff")
    app.tasks.approve(a.id)
    app.tasks.approve(b.id)  # A's commits are already in main: fast-forward works
    assert (repo / "a.txt").exists() and (repo / "b.txt").exists()
    assert git(repo, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")


def test_merge_none_leaves_branch_for_a_pull_request(
    app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.tasks.config, "merge", "none")
    a = app.tasks.add(title="PR me", prompt="write pr.txt x", repo=repo)
    done = run_until(app, lambda: x if (x := task(app, a.id)).status == T.REVIEW else None)
    head = git(repo, "rev-parse", "HEAD")
    app.tasks.approve(a.id)
    assert git(repo, "rev-parse", "HEAD") == head
    assert done.branch in git(repo, "branch")
    assert "pull request" in (task(app, a.id).status_reason or "")


def test_merge_conflict_is_refused_and_changes_nothing(app: App, repo: Path) -> None:
    a = app.tasks.add(
        title="Edit readme", prompt="write README.md from the agent", repo=repo, base="main"
    )
    run_until(app, lambda: task(app, a.id).status == T.REVIEW)
    (repo / "README.md").write_text("changed by a human\n")
    git(repo, "commit", "-qam", "human edit")
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(Conflict, match=r"conflicts in README\.md"):
        app.tasks.approve(a.id)
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""
    refused = task(app, a.id)
    assert refused.status == T.REVIEW and refused.approve_plan is None  # no approve pending
    assert refused.status_reason == "1 commit, 1 file changed"
    app.tasks.tick()  # and the daemon does not try it again by itself
    assert git(repo, "rev-parse", "HEAD") == head and task(app, a.id).status == T.REVIEW


def test_turn_budget_applies_to_headless_runs(
    app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.instances.config, "restart", "never")
    with pytest.raises(InvalidInput, match="headless runs only"):
        app.tasks.add(title="Too many", prompt="x", repo=repo, max_turns=1)
    t = app.tasks.add(
        title="Long",
        prompt="write a.txt 1; write b.txt 2; write c.txt 3",
        repo=repo,
        mode="headless",
        max_turns=1,
    )
    failed = run_until(
        app, lambda: x if (x := task(app, t.id)).status == T.FAILED else None, what="the turn limit"
    )
    assert failed.status_reason == "the agent failed (max_turns)"


def test_agent_crash_mid_turn_is_restarted_and_the_task_still_finishes(
    app: App, repo: Path
) -> None:
    """The drills found tasks stuck running: a resumed agent with no prompt sits idle."""
    t = app.tasks.add(title="Crashy", prompt="write part.txt 1; crash", repo=repo)
    done = run_until(
        app,
        lambda: x if (x := task(app, t.id)).status == T.REVIEW else None,
        what="review after the restart",
    )
    inst = app.instances.get(done.instance_id or "")
    assert inst.restarts == 1
    assert "part.txt" in (done.diff_stat or "")
    transcript = Path(inst.transcript or "").read_text()
    assert "Continue where you left off" in transcript
