"""The orchestrator driving the REAL Claude Code CLI (pinned) against a scripted fake model.

Spawned through the same service the CLI uses; the first-run dialogs (trusting the repository,
approving the API key) are NOT pre-accepted here: the orchestrator reads and answers them.
"""

from __future__ import annotations

import json
from pathlib import Path

from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.models import InstanceStatus
from tests.conftest import Cco, wait_for
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.real_claude import look, needs_real_claude, statuses

S = InstanceStatus
pytestmark = needs_real_claude


def test_real_claude_works_then_idles_with_cost(
    app: App, fake_model: FakeAnthropic, repo: Path
) -> None:
    fake_model.script_write_file("hello.txt", "hi from the model\n")
    inst = app.instances.spawn(repo=repo, prompt="please write hello.txt")
    wait_for(
        lambda: i if (i := look(app, inst.id)).status == S.IDLE and i.turns >= 1 else None,
        timeout=60,
        what="the real CLI to finish its turn",
    )
    # the cost arrives through the status line, redrawn just after the turn
    done = wait_for(lambda: i if (i := look(app, inst.id)).cost_usd > 0 else None, what="the cost")
    wt = app.worktrees.get(done.worktree_id or "")
    assert (wt.path / "hello.txt").read_text() == "hi from the model\n"
    history = statuses(app, inst.id)
    assert "working" in history and history[-1] == "idle", history
    assert done.input_tokens > 0 and done.output_tokens > 0
    assert done.cost_usd > 0
    with app.store.read() as tx:
        answered = [
            e.data["answered"]
            for e in tx.events(entity_id=inst.id, limit=1000)
            if e.kind == "instance.dialog"
        ]
    assert "trusted the repository folder" in answered


def test_real_claude_permission_question_answered_with_send(
    app: App, fake_model: FakeAnthropic, repo: Path, cco: Cco
) -> None:
    fake_model.script_bash("sh -c 'echo ok > asked.txt'")
    inst = app.instances.spawn(repo=repo, prompt="run the command")
    waiting = wait_for(
        lambda: i if (i := look(app, inst.id)).status == S.WAITING_INPUT else None,
        timeout=60,
        what="the permission question",
    )
    assert "Bash" in (waiting.status_reason or "")
    wt = app.worktrees.get(waiting.worktree_id or "")
    assert not (wt.path / "asked.txt").exists()
    # a digit typed blind would pick the dialog's option 1..4: send refuses, answer reads it
    refused = cco("instances", "send", inst.id, "2", ok=False)
    assert refused.exit_code != 0 and "asking permission (Bash: sh -c" in refused.output
    assert not (wt.path / "asked.txt").exists()
    cco("instances", "answer", inst.id, "--allow")
    done = wait_for(
        lambda: i if (i := look(app, inst.id)).status == S.IDLE else None,
        timeout=60,
        what="the turn to finish after the answer",
    )
    assert (wt.path / "asked.txt").read_text().strip() == "ok"
    assert statuses(app, inst.id)[-3:] == ["waiting_input", "working", "idle"]
    assert done.turns == 1


def test_real_claude_headless_records_result(
    app: App, fake_model: FakeAnthropic, repo: Path
) -> None:
    fake_model.script_write_file("headless.txt", "from -p\n")
    inst = app.instances.spawn(repo=repo, prompt="write it", mode="headless")
    done = wait_for(
        lambda: i if (i := look(app, inst.id)).status in (S.IDLE, S.FAILED) else None,
        timeout=60,
        what="the headless result",
    )
    assert done.status == S.IDLE, done.status_reason
    wt = app.worktrees.get(done.worktree_id or "")
    assert (wt.path / "headless.txt").read_text() == "from -p\n"
    assert done.cost_usd > 0 and done.turns >= 1 and done.output_tokens > 0
    assert done.agent_session_id
    lines = list(app.instances.log_lines(inst.id))
    assert any(line.startswith("[result] ok") for line in lines), lines


def test_real_claude_three_tasks_through_the_daemon(
    app: App, fake_model: FakeAnthropic, repo: Path, cco: Cco
) -> None:
    """A chain of three tasks run by `cco up`: each in review with its own commit, the later
    ones stacked on the earlier branches, approve merges all three."""
    from tests.e2e.test_daemon_flow import start_daemon, stop_daemon

    for name in ("one", "two", "three"):
        fake_model.script_write_file(f"{name}.txt", f"{name}\n")
    ids: list[str] = []
    for name in ("one", "two", "three"):
        extra = ["--depends-on", ids[-1]] if ids else []
        out = cco(
            "tasks",
            "add",
            f"write {name}",
            "--repo",
            str(repo),
            "--base",
            "main",
            "--prompt",
            f"please write {name}.txt",
            "--json",
            *extra,
        ).output
        ids.append(json.loads(out)["id"])
    daemon = start_daemon()
    try:
        wait_for(
            lambda: all(app.tasks.get(i).status.value == "review" for i in ids),
            timeout=150,
            interval=0.5,
            what="three real tasks in review",
        )
    finally:
        stop_daemon(daemon)
    tasks = [app.tasks.get(i) for i in ids]
    # each task's own work is one commit, counted from where it started ...
    assert [t.commits_ahead for t in tasks] == [1, 1, 1]
    # ... which for the later ones was the earlier task's branch (stacked work)
    from tests.conftest import git

    assert git(repo, "ls-tree", "--name-only", tasks[2].branch or "").split() == [
        "README.md",
        "one.txt",
        "three.txt",
        "two.txt",
    ]
    assert all(t.cost_usd > 0 for t in tasks), [
        (t.id, t.cost_usd, app.instances.get(t.instance_id or "").cost_usd) for t in tasks
    ]
    for task_id in ids:
        cco("tasks", "approve", task_id)
    assert sorted(p.name for p in repo.glob("*.txt")) == ["one.txt", "three.txt", "two.txt"]
    assert (repo / "three.txt").read_text() == "three\n"
