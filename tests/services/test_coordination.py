"""Coordination between agents (services/coordination*.py) with real git, real tmux and the
fake claude CLI: subtasks within the limits, a coordinator parked until its subtasks finish
and then told how they ended, messages typed in when the receiver is idle."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.errors import (
    Conflict,
    InvalidInput,
    LimitReached,
    NotFound,
    PermissionDenied,
)
from cc_orchestrator.domain.models import MessageStatus, Task, TaskStatus
from cc_orchestrator.services.coordination import Caller
from tests.conftest import make_repo, wait_for

T = TaskStatus


@pytest.fixture
def app(fake_claude: Path) -> Iterator[App]:
    app = build_app(log_to_file=False)
    yield app
    app.close()


def tick_until(app: App, predicate, *, timeout: float = 60, what: str = "tasks"):  # type: ignore[no-untyped-def]
    def step():  # type: ignore[no-untyped-def]
        app.tasks.tick()
        return predicate()

    return wait_for(step, timeout=timeout, interval=0.1, what=what)


def get(app: App, task_id: str) -> Task:
    return app.tasks.get(task_id)


def running_agent(app: App, task_id: str) -> Caller:
    t = tick_until(app, lambda: x if (x := get(app, task_id)).instance_id else None)
    tick_until(app, lambda: app.instances.get(t.instance_id).status.value == "working")
    return app.coordination.agent(t.instance_id or "")


def kinds(app: App, task_id: str) -> list[str]:
    with app.store.read() as tx:
        return [e.kind for e in tx.events(entity_id=task_id, limit=1000)]


def count_tasks(app: App) -> int:
    with app.store.read() as tx:
        return len(tx.tasks())


def test_a_coordinator_fans_out_waits_parked_and_is_told_how_they_ended(
    app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # two slots: the coordinator would hold one for as long as it waits, and three subtasks
    # still run two at a time beside it because a parked agent holds no slot
    monkeypatch.setattr(app.instances.config, "max_running", 2)
    boss = app.tasks.add(title="Coordinate", prompt="sleep 2", repo=repo)
    caller = running_agent(app, boss.id)
    assert caller.kind == "agent" and caller.task_id == boss.id and caller.repo_path == repo
    made = [
        app.coordination.create_task(
            caller, title=f"Part {n}", prompt=f"sleep 2; write part{n}.txt {n}", wait=True
        )
        for n in (1, 2)
    ]
    third = app.coordination.create_task(
        caller, title="Part 3", prompt="write part3.txt 3", depends_on=[made[0].id], wait=True
    )
    subs = [*made, third]
    assert {s.parent_id for s in subs} == {boss.id} and {s.depth for s in subs} == {1}
    assert third.status == T.PENDING and third.depends_on == (made[0].id,)
    assert get(app, boss.id).depends_on == tuple(sorted(s.id for s in subs))
    assert kinds(app, boss.id).count("task.subtask") == 3

    # its turn ends while they run: parked, not in review, and its slot is free
    parked = tick_until(app, lambda: x if (x := get(app, boss.id)).waiting_for else None)
    assert parked.status == T.RUNNING
    both = tick_until(
        app, lambda: sum(get(app, s.id).status == T.RUNNING for s in subs) == 2 or None
    )
    assert both
    # all three finish; the coordinator is told, works on, and only then reaches review
    done = tick_until(app, lambda: x if (x := get(app, boss.id)).status == T.REVIEW else None)
    assert all(get(app, s.id).status == T.REVIEW for s in subs)
    assert done.waiting_for == []
    with app.store.read() as tx:
        wakes = [m for m in tx.messages(boss.id) if m.kind == "wake"]
    assert len(wakes) == 1 and wakes[0].status == MessageStatus.DELIVERED
    assert all(f"- {s.id} (Part" in wakes[0].text for s in subs)
    assert "review" in wakes[0].text
    seen = kinds(app, boss.id)
    assert seen.index("task.waiting") < seen.index("task.messages_delivered")
    assert [k for k in seen if k == "task.status"] and done.turns_at_start > 0


def test_limits_repository_and_cycles_are_refused_and_nothing_is_made(
    app: App, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.config.settings.mcp, "max_subtasks", 2)
    monkeypatch.setattr(app.config.settings.mcp, "max_depth", 1)
    boss = app.tasks.add(title="Coordinate", prompt="sleep 8", repo=repo)
    caller = running_agent(app, boss.id)
    first = app.coordination.create_task(caller, title="One", prompt="sleep 8")
    other = make_repo(tmp_path / "other")
    outsider = app.tasks.add(title="Theirs", prompt="x", repo=other)
    before = count_tasks(app)
    # a cycle: the new task would wait for the coordinator that waits for it
    with pytest.raises(InvalidInput, match="cannot wait for a task that waits for it"):
        app.coordination.create_task(
            caller, title="Loop", prompt="x", depends_on=[boss.id], wait=True
        )
    # another repository
    with pytest.raises(PermissionDenied, match="its own repository"):
        app.coordination.create_task(caller, title="Elsewhere", prompt="x", repo=other)
    # an unknown dependency, and another repository's task, are not there for it
    with pytest.raises(NotFound, match="in your repository"):
        app.coordination.create_task(caller, title="Dep", prompt="x", depends_on=[outsider.id])
    with pytest.raises(NotFound):
        app.coordination.get_task(caller, outsider.id)
    assert outsider.id not in [t.id for t in app.coordination.list_tasks(caller)]
    # a bad title is the CLI's refusal
    with pytest.raises(InvalidInput):
        app.coordination.create_task(caller, title="a\x00b", prompt="x")
    assert count_tasks(app) == before
    # fan-out: two allowed, the third refused with the setting's name
    app.coordination.create_task(caller, title="Two", prompt="x")
    with pytest.raises(LimitReached, match=r"mcp.max_subtasks \(2\)"):
        app.coordination.create_task(caller, title="Three", prompt="x")
    # depth: the subtask's own agent may not nest deeper than mcp.max_depth
    sub_caller = running_agent(app, first.id)
    with pytest.raises(LimitReached, match=r"at most 1 deep \(mcp.max_depth\)"):
        app.coordination.create_task(sub_caller, title="Deeper", prompt="x")
    assert count_tasks(app) == before + 1
    # the person's own decisions are not an agent's
    with pytest.raises(PermissionDenied, match="person's decision"):
        app.coordination.approve(caller, first.id)
    with pytest.raises(PermissionDenied):
        app.coordination.fleet_status(caller)
    # a stopped instance's credential no longer works
    app.tasks.cancel(first.id)
    with pytest.raises(PermissionDenied, match="no longer works"):
        app.coordination.agent(get(app, first.id).instance_id or "")
    with pytest.raises(PermissionDenied, match="no agent cco knows"):
        app.coordination.agent("zzzzzz")


def test_a_message_waits_while_the_receiver_works_and_is_typed_in_when_idle(
    app: App, repo: Path
) -> None:
    sender = app.tasks.add(title="Sender", prompt="sleep 6", repo=repo)
    receiver = app.tasks.add(title="Receiver", prompt="sleep 2", repo=repo)
    caller = running_agent(app, sender.id)
    running_agent(app, receiver.id)
    msg = app.coordination.send_message(caller, receiver.id, "write got.txt from-sender")
    assert msg.status == MessageStatus.PENDING and msg.from_task_id == sender.id
    # visible on both tasks
    assert [m.id for m in app.coordination.messages(caller, sender.id)] == [msg.id]
    assert [m.id for m in app.coordination.messages(Caller.user(), receiver.id)] == [msg.id]
    assert "task.message_sent" in kinds(app, sender.id)
    assert "task.message" in kinds(app, receiver.id)
    # the receiver's turn ends: the message is its next turn, and only then review
    done = tick_until(app, lambda: x if (x := get(app, receiver.id)).status == T.REVIEW else None)
    wt = app.worktrees.get(done.worktree_id or "")
    assert (wt.path / "got.txt").read_text() == "from-sender"
    with app.store.read() as tx:
        assert [m.status for m in tx.messages(receiver.id)] == [MessageStatus.DELIVERED]
    # to its own task, to a task in review, and an empty or oversized text: refused
    with pytest.raises(InvalidInput, match="your own task"):
        app.coordination.send_message(caller, sender.id, "hi")
    with pytest.raises(Conflict, match="in review"):
        app.coordination.send_message(caller, receiver.id, "hi")
    third = app.tasks.add(title="Third", prompt="sleep 5", repo=repo)
    with pytest.raises(InvalidInput, match="empty"):
        app.coordination.send_message(caller, third.id, "  \n ")
    with pytest.raises(InvalidInput, match=r"mcp\.max_message_bytes"):
        app.coordination.send_message(caller, third.id, "x" * 20_000)
    # a message to a task that then ends is dropped, not left pending forever
    queued = app.coordination.send_message(caller, third.id, "later")
    app.tasks.cancel(third.id)
    app.tasks.tick()
    with app.store.read() as tx:
        assert [(m.id, m.status) for m in tx.messages(third.id)] == [
            (queued.id, MessageStatus.DROPPED)
        ]


def test_request_review_ends_at_once_even_with_messages_waiting(app: App, repo: Path) -> None:
    t = app.tasks.add(title="Quick", prompt="sleep 2", repo=repo)
    caller = running_agent(app, t.id)
    app.coordination.report_progress(caller, "half way\nthere")
    assert get(app, t.id).progress == "half way there"
    app.coordination.send_message(Caller.user(), t.id, "one more thing")
    app.coordination.request_review(caller, "Did the quick thing.")
    done = tick_until(app, lambda: x if (x := get(app, t.id)).status == T.REVIEW else None)
    assert done.summary == "Did the quick thing."
    with app.store.read() as tx:
        assert [m.status for m in tx.messages(t.id)] == [MessageStatus.PENDING]
    # rejected: it runs again, the summary is cleared, and the waiting message reaches it
    app.tasks.reject(t.id, "sleep 1")
    assert get(app, t.id).summary is None
    tick_until(app, lambda: get(app, t.id).status == T.REVIEW or None)
    with app.store.read() as tx:
        assert [m.status for m in tx.messages(t.id)] == [MessageStatus.DELIVERED]
    app.tasks.approve(t.id)
    app.tasks.tick()


def test_wait_for_task_blocks_until_review_or_the_timeout(app: App, repo: Path) -> None:
    boss = app.tasks.add(title="Boss", prompt="sleep 30", repo=repo)
    worker = app.tasks.add(title="Worker", prompt="sleep 1", repo=repo)
    caller = running_agent(app, boss.id)
    quick = app.coordination.wait_for_task(Caller.user(), [worker.id], 0.3)
    assert quick.timed_out and quick.tasks[0].id == worker.id
    stop = threading.Event()

    def scheduler() -> None:
        while not stop.is_set():
            app.tasks.tick()
            stop.wait(0.1)

    thread = threading.Thread(target=scheduler, daemon=True)
    thread.start()
    try:
        seen: list[bool] = []
        watcher = threading.Thread(
            target=lambda: seen.append(
                wait_for(lambda: get(app, boss.id).parked or None, timeout=20)
            ),
            daemon=True,
        )
        watcher.start()
        result = app.coordination.wait_for_task(caller, [worker.id], 60)
        watcher.join(5)
    finally:
        stop.set()
        thread.join(5)
    assert not result.timed_out and result.tasks[0].status == T.REVIEW
    assert seen == [True]  # parked while it waited (its slot free), and no longer after
    assert not get(app, boss.id).parked
    with pytest.raises(InvalidInput, match="itself"):
        app.coordination.wait_for_task(caller, [boss.id], 1)
