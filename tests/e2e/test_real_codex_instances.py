"""cco driving the REAL Codex CLI (pinned 0.169.0) against the fake OpenAI Responses API.

Through the same services and CLI a user runs: a task from `cco tasks add --agent codex` goes
to review (the scripted turn writes a file; starting -> working -> idle; tokens recorded), an
approval shows as waiting_input with its question and choices and `cco instances answer --allow`
answers it, and a kill -9 is restarted by resuming the same Codex session.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.models import Instance, InstanceStatus
from tests.conftest import Cco, git, wait_for
from tests.support.codex_cli import (
    FAKE_OPENAI_KEY,
    cco_codex_env,
    codex_required,
    find_real_codex,
)
from tests.support.fake_openai import Command, FakeOpenAI, Text

S = InstanceStatus
CODEX = find_real_codex()
pytestmark = [
    pytest.mark.skipif(
        CODEX is None and not codex_required(),
        reason="the pinned Codex CLI is not installed (bash scripts/install-codex)",
    ),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


@pytest.fixture
def fake_model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=FAKE_OPENAI_KEY) as fake:
        yield fake
        assert fake.spec_errors == []


def use_real_codex(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real CLI, against the fake model, as cco's codex agent (os.environ)."""
    assert CODEX is not None, "CCO_REQUIRE_REAL_CODEX=1 but the pinned Codex CLI is missing"
    for key, value in cco_codex_env(CODEX, fake.url).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("CC_ORCH_INSTANCES__RESTART_BACKOFF_S", "0")


@pytest.fixture
def app(
    fake_model: FakeOpenAI, repo: Path, tmux_socket: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[App]:
    use_real_codex(fake_model, monkeypatch)
    monkeypatch.setenv("CC_ORCH_INSTANCES__RESTART", "never")
    app = build_app(log_to_file=False)
    yield app
    app.close()


def look(app: App, inst_id: str) -> Instance:
    app.instances.sync()
    return app.instances.get(inst_id)


def statuses(app: App, inst_id: str) -> list[str]:
    """The statuses it went through, from the one it was spawned in."""
    with app.store.read() as tx:
        moves = [e for e in tx.events(entity_id=inst_id, limit=1000) if e.kind == "instance.status"]
    return [moves[0].data["previous"], *(e.data["status"] for e in moves)] if moves else []


def test_codex_task_runs_to_review(app: App, cco: Cco, fake_model: FakeOpenAI, repo: Path) -> None:
    fake_model.script_patch("hello.txt", "hi from codex\n", final="wrote hello.txt")
    added = cco(
        "tasks", "add", "hello", "--repo", str(repo), "--agent", "codex",
        "--prompt", "write hello.txt", "--json",
    )  # fmt: skip
    task_id = json.loads(added.output)["id"]

    def in_review() -> bool:
        app.tasks.tick()
        task = app.tasks.get(task_id)
        assert task.status.value not in ("failed", "blocked", "cancelled"), task
        return task.status.value == "review"

    wait_for(in_review, timeout=120, interval=0.3, what="the codex task in review")
    task = app.tasks.get(task_id)
    inst = app.instances.get(task.instance_id or "")
    assert inst.agent == "codex"
    history = statuses(app, inst.id)
    assert history[:3] == ["starting", "working", "idle"], history
    assert history[-1] == "stopped", history  # at review, its session was closed
    assert inst.turns >= 1 and inst.agent_session_id
    assert inst.input_tokens > 0 and inst.output_tokens > 0
    assert "hello.txt" in git(repo, "ls-tree", "--name-only", task.branch or "").split()
    shown = cco("tasks", "show", task_id).output
    assert "review" in shown
    assert FAKE_OPENAI_KEY not in (app.instances.files(inst.id).folder / "raw.log").read_text(
        errors="replace"
    )


def test_codex_approval_is_a_question_answered_with_allow(
    app: App, cco: Cco, fake_model: FakeOpenAI, repo: Path
) -> None:
    fake_model.script(
        Command("echo approved > approved.txt", escalate=True, justification="needs the shell")
    )
    spawned = cco(
        "instances", "spawn", "--repo", str(repo), "--agent", "codex", "--prompt", "run it",
        "--json",
    )  # fmt: skip
    inst = app.instances.get(json.loads(spawned.output)["id"])
    waiting = wait_for(
        lambda: (
            i
            if (i := look(app, inst.id)).status == S.WAITING_INPUT
            and i.question
            and i.question.choices
            else None
        ),
        timeout=90,
        what="the approval question with its choices",
    )
    q = waiting.question
    assert q is not None and q.tool == "Bash" and q.command == "echo approved > approved.txt"
    assert q.description == "needs the shell"
    assert [c.kind for c in q.choices] == ["allow_once", "allow_always", "deny"]
    shown = cco("instances", "show", inst.id).output
    assert "waiting_input" in shown and "echo approved > approved.txt" in shown, shown
    wt = app.worktrees.get(waiting.worktree_id or "")
    assert not (wt.path / "approved.txt").exists()
    cco("instances", "answer", inst.id, "--allow")
    wait_for(
        lambda: i if (i := look(app, inst.id)).status == S.IDLE else None,
        timeout=60,
        what="the turn to finish after the answer",
    )
    assert (wt.path / "approved.txt").read_text().strip() == "approved"


def test_codex_denial_ends_the_turn(app: App, cco: Cco, fake_model: FakeOpenAI, repo: Path) -> None:
    fake_model.script(Command("touch denied.txt", escalate=True, justification="try it"))
    inst = app.instances.spawn(repo=repo, prompt="try", agent="codex")
    wait_for(
        lambda: (
            i
            if (i := look(app, inst.id)).status == S.WAITING_INPUT
            and i.question
            and i.question.choices
            else None
        ),
        timeout=90,
        what="the approval question",
    )
    cco("instances", "answer", inst.id, "--deny")
    done = wait_for(
        lambda: i if (i := look(app, inst.id)).status == S.IDLE else None,
        timeout=60,
        what="idle after the denial",
    )
    assert "cancelled" in (done.status_reason or ""), done.status_reason
    wt = app.worktrees.get(done.worktree_id or "")
    assert not (wt.path / "denied.txt").exists()


def test_codex_killed_is_resumed(
    fake_model: FakeOpenAI, repo: Path, tmux_socket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_real_codex(fake_model, monkeypatch)
    monkeypatch.setenv("CC_ORCH_INSTANCES__RESTART", "on_failure")
    app = build_app(log_to_file=False)
    try:
        fake_model.script_patch("one.txt", "one\n", final="first turn done")
        inst = app.instances.spawn(repo=repo, prompt="write one.txt", agent="codex")
        first = wait_for(
            lambda: i if (i := look(app, inst.id)).status == S.IDLE and i.turns >= 1 else None,
            timeout=90,
            what="the first turn",
        )
        assert first.pane_pid and first.agent_session_id
        os.kill(first.pane_pid, signal.SIGKILL)
        again = wait_for(
            lambda: i if (i := look(app, inst.id)).restarts >= 1 and i.status == S.IDLE else None,
            timeout=90,
            what="the restart to resume",
        )
        assert again.agent_session_id == first.agent_session_id
        fake_model.script(Text("still here"))
        cco_send = app.instances.send(inst.id, "are you still there?")
        assert cco_send.id == inst.id
        wait_for(
            lambda: i if (i := look(app, inst.id)).turns >= 2 else None,
            timeout=90,
            what="a turn after the resume",
        )
        last = fake_model.main_requests()[-1]
        assert last.metadata["history_initialization"] == "cold_resume"
        assert "write one.txt" in json.dumps(last.body)  # the earlier conversation came along
    finally:
        app.close()


def test_a_repository_can_choose_codex_as_its_agent(
    app: App, cco: Cco, fake_model: FakeOpenAI, repo: Path
) -> None:
    (repo / ".cc-orchestrator.yaml").write_text("instances:\n  agent: codex\n")
    git(repo, "add", ".cc-orchestrator.yaml")
    git(repo, "commit", "-q", "-m", "work with codex")
    fake_model.script(Text("hello from the repository's agent"))
    spawned = cco("instances", "spawn", "--repo", str(repo), "--prompt", "hi", "--json")
    inst_id = json.loads(spawned.output)["id"]
    done = wait_for(
        lambda: i if (i := look(app, inst_id)).status == S.IDLE and i.turns >= 1 else None,
        timeout=90,
        what="the repository's codex agent to answer",
    )
    assert done.agent == "codex"
    assert "hello from the repository's agent" in cco("instances", "logs", inst_id).output


def test_codex_headless_turns_resume_the_session(
    app: App, cco: Cco, fake_model: FakeOpenAI, repo: Path
) -> None:
    fake_model.script_patch("headless.txt", "from exec\n", final="exec turn done")
    spawned = cco(
        "instances", "spawn", "--repo", str(repo), "--agent", "codex", "--mode", "headless",
        "--prompt", "-write headless.txt", "--json",
    )  # fmt: skip
    inst_id = json.loads(spawned.output)["id"]
    first = wait_for(
        lambda: i if (i := look(app, inst_id)).status == S.IDLE and i.turns == 1 else None,
        timeout=90,
        what="the headless turn",
    )
    wt = app.worktrees.get(first.worktree_id or "")
    assert (wt.path / "headless.txt").read_text() == "from exec\n"
    assert first.agent_session_id and first.input_tokens > 0 and first.output_tokens > 0
    assert "-write headless.txt" in json.dumps(fake_model.main_requests()[0].body)
    fake_model.script(Text("second exec turn"))
    cco("instances", "send", inst_id, "and again")
    second = wait_for(
        lambda: i if (i := look(app, inst_id)).status == S.IDLE and i.turns == 2 else None,
        timeout=90,
        what="the second headless turn",
    )
    assert second.agent_session_id == first.agent_session_id
    assert second.input_tokens > first.input_tokens
    last = fake_model.main_requests()[-1]
    assert last.metadata["history_initialization"] == "cold_resume"
    assert "exec turn done" in json.dumps(last.body)
    logs = cco("instances", "logs", inst_id).output
    assert "[edit] add" in logs and "[assistant] second exec turn" in logs, logs
