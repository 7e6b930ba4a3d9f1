"""What a new user saw go stale or vanish: refused tool calls, an instance that still says
"task in review" after its task was merged, a task's cost behind its agent's, a failed spawn
counted as failed after its task was cancelled. Real git, tmux and the fake claude CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.models import InstanceStatus, Task, TaskStatus
from tests.conftest import wait_for

T = TaskStatus
ASK = "ask sh -c 'echo ok > asked.txt'"


@pytest.fixture
def app(fake_claude: Path) -> Iterator[App]:
    app = build_app(log_to_file=False)
    yield app
    app.close()


def run_until(app: App, task_id: str, *statuses: TaskStatus) -> Task:
    def step() -> Task | None:
        app.tasks.tick()
        current = app.tasks.get(task_id)
        return current if current.status in statuses else None

    return wait_for(step, timeout=60, interval=0.1, what=f"task in {statuses}")


def test_headless_refusal_that_changed_nothing_fails_the_task_naming_the_tool(
    app: App, repo: Path
) -> None:
    t = app.tasks.add(title="Needs a shell", prompt=ASK, repo=repo, mode="headless")
    done = run_until(app, t.id, T.REVIEW, T.FAILED)
    assert done.status == T.FAILED, done.status_reason
    reason = done.status_reason or ""
    assert "nothing changed" in reason and "refused Bash (sh -c 'echo ok > asked.txt')" in reason
    assert "retry" in reason
    with app.store.read() as tx:
        [result] = [e for e in tx.events(entity_id=t.id, limit=100) if e.kind == "task.result"]
    assert result.data["permission_denials"] == [
        {"tool": "Bash", "detail": "sh -c 'echo ok > asked.txt'"}
    ]
    assert app.instances.get(done.instance_id or "").status_reason == "task failed"


def test_headless_refusal_beside_real_work_is_named_in_review(app: App, repo: Path) -> None:
    t = app.tasks.add(title="Half", prompt=f"write half.txt yes\n{ASK}", repo=repo, mode="headless")
    done = run_until(app, t.id, T.REVIEW, T.FAILED)
    assert done.status == T.REVIEW
    # one of each: no "commit(s)", no "file(s)"
    assert done.status_reason == (
        "1 commit, 1 file changed; Claude Code refused Bash (sh -c 'echo ok > asked.txt')"
    )


def test_instance_of_an_approved_task_says_done(app: App, repo: Path) -> None:
    t = app.tasks.add(title="Greet", prompt="write greet.txt hi", repo=repo)
    done = run_until(app, t.id, T.REVIEW)
    inst_id = done.instance_id or ""
    assert app.instances.get(inst_id).status_reason == "task in review"
    app.tasks.approve(t.id)
    inst = app.instances.get(inst_id)
    assert inst.status == InstanceStatus.STOPPED and inst.status_reason == "task done"


def test_task_cost_follows_its_agent_while_it_runs(app: App, repo: Path) -> None:
    t = app.tasks.add(title="Slow", prompt="sleep 30", repo=repo)
    running = run_until(app, t.id, T.RUNNING)
    inst_id = running.instance_id or ""
    with app.store.write() as tx:  # what the monitor records as the agent reports its cost
        tx.update_instance(inst_id, cost_usd=0.0587)
    app.tasks.follow_running()
    assert app.tasks.get(t.id).cost_usd == 0.0587
    app.tasks.cancel(t.id)


def test_failed_spawn_is_not_counted_failed_once_its_task_is_cancelled(
    app: App, repo: Path
) -> None:
    (repo / ".cc-orchestrator.yaml").write_text(
        yaml.safe_dump({"worktrees": {"setup": "echo broken >&2; exit 3"}})
    )
    t = app.tasks.add(title="Broken setup", prompt="x", repo=repo)
    failed = run_until(app, t.id, T.FAILED)
    assert "could not start" in (failed.status_reason or "")
    assert app.overview.snapshot()["instances"] == {"failed": 1}
    app.tasks.cancel(t.id)
    snap = app.overview.snapshot()
    assert "failed" not in snap["instances"] and "failed" not in snap["tasks"], snap
    inst = app.instances.get(failed.instance_id or "")
    assert inst.status == InstanceStatus.STOPPED
    assert (inst.status_reason or "").startswith("task cancelled (it had failed: spawn failed")


def test_a_refused_command_is_shown_without_its_secrets(app: App, repo: Path) -> None:
    t = app.tasks.add(
        title="Leaky",
        prompt="ask API_KEY=hunter2secret sh -c 'echo ok > asked.txt'",
        repo=repo,
        mode="headless",
    )
    done = run_until(app, t.id, T.REVIEW, T.FAILED)
    assert "refused Bash (API_KEY=*** sh -c" in (done.status_reason or "")
    log = "\n".join(app.instances.log_lines(done.instance_id or ""))
    assert "refused: Bash (API_KEY=***" in log
    assert "hunter2secret" not in (done.status_reason or "") + log
