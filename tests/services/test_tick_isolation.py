"""One bad task never stops the scheduler: poison one task at each step of a pass; the pass
does not raise, the other task runs to review, and the poisoned one ends failed with the
reason (once), its agent stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain import instance_status as imachine
from cc_orchestrator.domain.models import Task, TaskStatus
from tests.conftest import wait_for

T = TaskStatus


@pytest.fixture
def app(fake_claude: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.setenv("CC_ORCH_INSTANCES__RESTART", "never")
    app = build_app(log_to_file=False)
    yield app
    app.close()


def _poison_sync(app: App, mp: pytest.MonkeyPatch, poisoned: Callable[[], str]) -> None:
    real = app.monitor._look

    def look(inst: Any, *args: Any, **kwargs: Any) -> Any:
        if inst.task_id == poisoned() and not kwargs.get("hooks_only"):
            raise RuntimeError("poisoned look")
        return real(inst, *args, **kwargs)

    mp.setattr(app.monitor, "_look", look)


def _poison_follow(app: App, mp: pytest.MonkeyPatch, poisoned: Callable[[], str]) -> None:
    real = app.git.diff_summary

    def diff_summary(path: Path, base: str) -> Any:
        wt = app.worktrees.find(app.tasks.get(poisoned()).worktree_id or "")
        if wt is not None and path == wt.path:
            raise RuntimeError("poisoned diff")
        return real(path, base)

    mp.setattr(app.git, "diff_summary", diff_summary)


def _poison_commit(app: App, mp: pytest.MonkeyPatch, poisoned: Callable[[], str]) -> None:
    # what a NUL in a commit message did to git (the title is made printable now, see below)
    real = app.git.commit_all

    def commit_all(path: Path, message: str) -> Any:
        wt = app.worktrees.find(app.tasks.get(poisoned()).worktree_id or "")
        if wt is not None and path == wt.path:
            raise ValueError("embedded null byte")
        return real(path, message)

    mp.setattr(app.git, "commit_all", commit_all)


def _poison_refresh(app: App, mp: pytest.MonkeyPatch, poisoned: Callable[[], str]) -> None:
    real = app.tasks._move

    def move(tx: Any, task: Task, status: TaskStatus, reason: str, **values: Any) -> Task:
        if task.id == poisoned() and status == T.READY:
            raise RuntimeError("poisoned promotion")
        return real(tx, task, status, reason, **values)

    mp.setattr(app.tasks, "_move", move)


def _poison_start(app: App, mp: pytest.MonkeyPatch, poisoned: Callable[[], str]) -> None:
    real = app.instances.spawn

    def spawn(**kwargs: Any) -> Any:
        if kwargs.get("task_id") == poisoned():
            raise RuntimeError("poisoned spawn")
        return real(**kwargs)

    mp.setattr(app.instances, "spawn", spawn)


STEPS = {
    "sync": (_poison_sync, "the agent failed: cco could not follow it: RuntimeError: poisoned"),
    "follow": (_poison_follow, "cco could not follow its agent: RuntimeError: poisoned diff"),
    "commit_all": (_poison_commit, "cco could not follow its agent: ValueError: embedded null"),
    "refresh": (_poison_refresh, "cco could not check its dependencies: RuntimeError: poisoned"),
    "start": (_poison_start, "could not start: RuntimeError: poisoned spawn"),
}


@pytest.mark.parametrize("step", sorted(STEPS))
def test_one_poisoned_task_fails_alone(
    step: str, app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    poison, reason = STEPS[step]
    deps: list[str] = []
    if step == "refresh":  # both wait for a dependency, so both are promoted by the pass
        deps = [app.tasks.add(title="first", prompt="write first.txt 1", repo=repo).id]
    bad = app.tasks.add(title="bad", prompt="write bad.txt x", repo=repo, depends_on=deps)
    good = app.tasks.add(title="good", prompt="write good.txt y", repo=repo, depends_on=deps)
    poison(app, monkeypatch, lambda: bad.id)

    def settled() -> bool:
        app.tasks.tick()  # never raises
        return app.tasks.get(good.id).status == T.REVIEW and app.tasks.get(bad.id).status in (
            T.FAILED,
            T.REVIEW,
        )

    wait_for(settled, timeout=90, interval=0.1, what=f"both tasks to settle ({step})")
    failed = app.tasks.get(bad.id)
    assert failed.status == T.FAILED, (step, failed.status_reason)
    assert (failed.status_reason or "").startswith(reason), failed.status_reason
    assert app.tasks.get(good.id).commits_ahead == 1
    with app.store.read() as tx:
        moves = [e.data["status"] for e in tx.events(entity_id=bad.id) if e.kind == "task.status"]
        agents = tx.instances(task_id=bad.id)
    assert moves.count("failed") == 1, moves
    assert all(i.status not in imachine.LIVE for i in agents), [(i.id, i.status) for i in agents]
    assert not any(app.tmux.has_session(i.session_name) for i in agents)
    for _ in range(3):  # and later passes leave it alone
        app.tasks.tick()
    assert app.tasks.get(bad.id).status == T.FAILED


def test_a_nul_in_a_stored_title_no_longer_breaks_commit_or_approve(app: App, repo: Path) -> None:
    """A record from before titles were checked: its commit and merge messages drop the NUL."""
    task = app.tasks.add(title="nul commit", prompt="write nul.txt x", repo=repo)
    with app.store.write() as tx:
        tx.update_task(task.id, title="nul\x00commit")

    def reviewed() -> bool:
        app.tasks.tick()
        return app.tasks.get(task.id).status == T.REVIEW

    wait_for(reviewed, timeout=60, interval=0.1, what="review")
    assert app.tasks.approve(task.id).status == T.DONE
    from tests.conftest import git

    assert git(repo, "log", "-1", "--format=%s") == f"Merge task {task.id}: nulcommit"
