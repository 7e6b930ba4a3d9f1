"""Instances with real tmux (a private socket per test), real git and the fake claude CLI."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.errors import Conflict, ExternalError, InvalidInput, LimitReached
from cc_orchestrator.domain.models import Instance, InstanceStatus
from tests.conftest import git, wait_for

S = InstanceStatus


@pytest.fixture
def app(fake_claude: Path) -> Iterator[App]:
    app = build_app(log_to_file=False)
    yield app
    app.close()


def status_of(app: App, inst_id: str) -> Instance:
    app.instances.sync()
    return app.instances.get(inst_id)


def wait_status(app: App, inst_id: str, *wanted: InstanceStatus, timeout: float = 20) -> Instance:
    return wait_for(
        lambda: i if (i := status_of(app, inst_id)).status in wanted else None,
        timeout=timeout,
        what=f"status {[w.value for w in wanted]} of {inst_id}",
    )


def history(app: App, inst_id: str) -> list[str]:
    with app.store.read() as tx:
        return [
            e.data["status"]
            for e in tx.events(entity_id=inst_id, limit=1000)
            if e.kind == "instance.status"
        ]


def test_spawn_works_then_idles(app: App, repo: Path) -> None:
    inst = app.instances.spawn(repo=repo, prompt="write hello.txt hi\\nthere; sleep 0.3")
    assert inst.status == S.STARTING
    done = wait_status(app, inst.id, S.IDLE)
    assert done.turns == 1
    wt = app.worktrees.get(done.worktree_id or "")
    assert (wt.path / "hello.txt").read_text() == "hi\nthere"
    assert "working" in history(app, inst.id) and history(app, inst.id)[-1] == "idle"
    assert done.agent_session_id and done.transcript
    assert done.output_tokens > 0 and done.cost_usd > 0
    assert app.tmux.has_session(done.session_name)


def test_send_multiline_prompt_when_idle(app: App, repo: Path) -> None:
    inst = app.instances.spawn(repo=repo, prompt="hello")
    wait_status(app, inst.id, S.IDLE)
    app.instances.send(inst.id, "write two.txt A\nsecond line of the same prompt")
    done = wait_for(
        lambda: i if (i := status_of(app, inst.id)).turns == 2 and i.status == S.IDLE else None,
        what="second turn",
    )
    wt = app.worktrees.get(done.worktree_id or "")
    assert (wt.path / "two.txt").read_text() == "A"
    transcript = Path(done.transcript or "").read_text()
    assert "second line of the same prompt" in transcript


def test_send_refused_while_working(app: App, repo: Path) -> None:
    inst = app.instances.spawn(repo=repo, prompt="sleep 5")
    wait_status(app, inst.id, S.WORKING)
    with pytest.raises(Conflict, match="working"):
        app.instances.send(inst.id, "more")


def test_permission_question_is_waiting_input_and_answer_resumes(app: App, repo: Path) -> None:
    inst = app.instances.spawn(repo=repo, prompt="ask touch approved.txt; write after.txt ok")
    waiting = wait_status(app, inst.id, S.WAITING_INPUT)
    assert "permission" in (waiting.status_reason or "")
    # never typed into a dialog unasked: the fake's cannot be read whole, so only --force types
    with pytest.raises(Conflict, match="asking permission"):
        app.instances.send(inst.id, "1")
    assert wait_status(app, inst.id, S.WAITING_INPUT).status == S.WAITING_INPUT
    app.instances.send(inst.id, "1", force=True)
    done = wait_status(app, inst.id, S.IDLE)
    wt = app.worktrees.get(done.worktree_id or "")
    assert (wt.path / "approved.txt").exists() and (wt.path / "after.txt").exists()
    assert history(app, inst.id)[-3:] == ["waiting_input", "working", "idle"]


def test_crash_is_failed_and_restarted_with_resume(
    app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inst = app.instances.spawn(repo=repo, prompt="hello")
    wait_status(app, inst.id, S.IDLE)
    app.instances.send(inst.id, "crash")
    failed = wait_status(app, inst.id, S.FAILED, S.STARTING)
    assert failed.status == S.FAILED or failed.restarts == 1
    # the restart policy brings it back, resuming the same conversation
    back = wait_for(
        lambda: i if (i := status_of(app, inst.id)).restarts == 1 and i.status == S.IDLE else None,
        what="restart",
    )
    assert back.agent_session_id == inst.agent_session_id
    app.instances.send(inst.id, "recall")
    wait_for(
        lambda: "hello" in Path(back.transcript or "").read_text().split("recall")[-1],
        what="recall answer",
    )


def test_sigkill_without_restart_is_failed(
    app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.instances.config, "restart", "never")
    inst = app.instances.spawn(repo=repo, prompt="hello")
    idle = wait_status(app, inst.id, S.IDLE)
    assert idle.pane_pid
    os.kill(idle.pane_pid, signal.SIGKILL)
    dead = wait_status(app, inst.id, S.FAILED)
    assert "ended with status" in (dead.status_reason or "") or dead.exit_status is not None


def test_exit_is_exited(app: App, repo: Path) -> None:
    inst = app.instances.spawn(repo=repo, prompt="exit")
    done = wait_status(app, inst.id, S.EXITED)
    assert done.status_reason


def test_headless_records_result(app: App, repo: Path) -> None:
    inst = app.instances.spawn(repo=repo, prompt="write h.txt x; cost 0.25", mode="headless")
    done = wait_status(app, inst.id, S.IDLE)
    assert done.cost_usd == pytest.approx(0.25)
    assert done.turns >= 1 and done.output_tokens > 0
    lines = list(app.instances.log_lines(inst.id))
    assert any(line.startswith("[result] ok") for line in lines)
    # a follow-up turn resumes the same session in the same tmux session
    app.instances.send(inst.id, "write second.txt y")
    wait_for(
        lambda: (
            i if (i := status_of(app, inst.id)).cost_usd > 0.25 and i.status == S.IDLE else None
        ),
        what="second headless turn",
    )
    wt = app.worktrees.get(done.worktree_id or "")
    assert (wt.path / "second.txt").exists()


def test_headless_error_is_failed(app: App, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.instances.config, "restart", "never")
    inst = app.instances.spawn(repo=repo, prompt="fail", mode="headless")
    failed = wait_status(app, inst.id, S.FAILED)
    assert "api_error" in (failed.status_reason or "")


def test_stop_kills_session_and_keeps_worktree(app: App, repo: Path) -> None:
    inst = app.instances.spawn(repo=repo, prompt="hello")
    wait_status(app, inst.id, S.IDLE)
    stopped = app.instances.stop(inst.id)
    assert stopped.status == S.STOPPED
    assert not app.tmux.has_session(inst.session_name)
    assert app.worktrees.get(stopped.worktree_id or "").path.exists()
    assert status_of(app, inst.id).status == S.STOPPED


def test_stop_remove_worktree_refuses_dirty(app: App, repo: Path) -> None:
    inst = app.instances.spawn(repo=repo, prompt="write wip.txt unsaved")
    idle = wait_status(app, inst.id, S.IDLE)
    with pytest.raises(Conflict, match="uncommitted"):
        app.instances.stop(inst.id, remove_worktree=True)
    assert app.tmux.has_session(inst.session_name)  # nothing was stopped
    app.instances.stop(inst.id, remove_worktree=True, force=True)
    assert app.worktrees.views() == []
    wt_branch = [
        b for b in git(repo, "branch").split() if idle.worktree_id and idle.worktree_id in b
    ]
    assert wt_branch == []


def test_spawn_failure_after_worktree_undoes_everything(
    app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tmux starts the session, then a later step fails: session, worktree, branch all go."""
    real_panes = app.tmux.panes
    calls = {"n": 0}

    def failing_panes():  # type: ignore[no-untyped-def]
        calls["n"] += 1
        raise ExternalError("tmux fell over")

    monkeypatch.setattr(app.tmux, "panes", failing_panes)
    before = git(repo, "branch")
    with pytest.raises(ExternalError, match="fell over"):
        app.instances.spawn(repo=repo, prompt="hello", name="doomed")
    monkeypatch.setattr(app.tmux, "panes", real_panes)
    assert calls["n"] == 1
    assert app.tmux.sessions() == []
    assert app.worktrees.views() == []
    assert git(repo, "branch") == before
    [inst] = app.instances.all()
    assert inst.status == S.FAILED and "fell over" in (inst.status_reason or "")


def test_limit_refuses_spawn(app: App, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.instances.config, "max_running", 1)
    first = app.instances.spawn(repo=repo, prompt="hello")
    with pytest.raises(LimitReached, match="max_running"):
        app.instances.spawn(repo=repo, prompt="hello")
    assert len(app.worktrees.views()) == 1
    app.instances.stop(first.id)
    app.instances.spawn(repo=repo, prompt="hello")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"prompt": "x\x00y"}, "NUL"),
        ({"prompt": "   "}, "empty"),
        ({"prompt": "y" * 110_000}, "max_prompt_bytes"),
        ({"prompt": "hi", "agent": "nope"}, "unknown agent"),
        ({"prompt": "hi", "mode": "sideways"}, "unknown mode"),
        ({"prompt": "hi", "name": "$(rm -rf ~)"}, "not valid"),
    ],
)
def test_bad_spawn_input_changes_nothing(
    app: App, repo: Path, kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        app.instances.spawn(repo=repo, **kwargs)
    assert app.instances.all() == [] and app.worktrees.views() == []
    assert app.tmux.sessions() == []


def test_prompt_with_shell_metacharacters_reaches_agent_intact(app: App, repo: Path) -> None:
    text = "write meta.txt $(touch /tmp/pwned-cco) `id` ; | & > 'q' \"dq\" \\\\ ✓"
    inst = app.instances.spawn(repo=repo, prompt=text.replace(";", "\\;"))
    done = wait_status(app, inst.id, S.IDLE)
    wt = app.worktrees.get(done.worktree_id or "")
    assert (wt.path / "meta.txt").read_text().startswith("$(touch /tmp/pwned-cco) `id` ;")
    assert not Path("/tmp/pwned-cco").exists()


def test_missing_claude_is_a_clear_error(
    app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.instances.config, "claude_path", "/nonexistent/claude")
    with pytest.raises(ExternalError, match="claude_path"):
        app.instances.spawn(repo=repo, prompt="hi")
    assert app.instances.all() == []


def test_events_written_while_down_are_applied_later(app: App, repo: Path) -> None:
    """Nobody syncs while the agent works; the next look applies every hook event in order."""
    inst = app.instances.spawn(repo=repo, prompt="write a.txt 1")
    events_file = app.instances.files(inst.id).events
    wait_for(lambda: '"Stop"' in events_file.read_text(), what="Stop hook line")
    done = status_of(app, inst.id)
    assert done.status == S.IDLE
    # one look applied the whole turn, in order: the session start with a queued prompt is not
    # idleness, so the history is exactly working -> idle
    assert history(app, inst.id) == ["working", "idle"]


def test_reconcile_marks_vanished_and_lists_leftovers(
    app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.instances.config, "restart", "never")
    inst = app.instances.spawn(repo=repo, prompt="hello")
    wait_status(app, inst.id, S.IDLE)
    prefix = app.config.settings.tmux.session_prefix
    app.tmux.kill_session(inst.session_name)
    # a session with our prefix that no instance owns, and another program's session
    app.tmux.new_session(
        f"{prefix}stray", cwd=repo, argv=["sleep", "600"], env={}, raw_log=repo.parent / "stray.log"
    )
    app.tmux.new_session(
        "someone-else", cwd=repo, argv=["sleep", "600"], env={}, raw_log=repo.parent / "other.log"
    )
    leftovers = app.monitor.reconcile()
    assert [item.session for item in leftovers] == [f"{prefix}stray"]
    vanished = app.instances.get(inst.id)
    assert vanished.status == S.FAILED and "vanished" in (vanished.status_reason or "")
    app.monitor.reconcile(kill_leftovers=True)
    assert sorted(app.tmux.sessions()) == sorted(
        ["someone-else"] + ([inst.session_name] if app.tmux.has_session(inst.session_name) else [])
    )


def test_raw_log_is_capped(app: App, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.instances.config, "raw_log_max_bytes", 4096)
    inst = app.instances.spawn(repo=repo, prompt="\n".join(["x" * 100] * 200))
    wait_status(app, inst.id, S.IDLE)
    raw = app.instances.files(inst.id).raw_log
    app.instances.sync()
    assert raw.stat().st_size <= 4096
    assert raw.with_suffix(".log.1").exists()


def test_generic_agent_status_from_screen(
    app: App, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cc_orchestrator.config import AgentConfig

    script = tmp_path / "agent.sh"
    script.write_text(
        "#!/bin/sh\necho 'READY>'\nwhile read line; do echo \"working on $line\";"
        " sleep 1; echo \"did $line\" > done.txt; echo 'READY>'; done\n"
    )
    script.chmod(0o755)
    agents = dict(app.config.settings.agents)
    agents["shelly"] = AgentConfig(
        command=[str(script)], idle_pattern=r"READY>\s*$", working_pattern=r"working on"
    )
    monkeypatch.setattr(app.config.settings, "agents", agents)
    inst = app.instances.spawn(repo=repo, agent="shelly", prompt="task-one")
    wait_status(app, inst.id, S.WORKING)
    done = wait_status(app, inst.id, S.IDLE)
    wt = app.worktrees.get(done.worktree_id or "")
    assert (wt.path / "done.txt").read_text().strip() == "did task-one"
    lines = json.dumps(history(app, inst.id))
    assert "working" in lines
    # a quiet screen is not read again on every look
    real_capture = app.tmux.capture
    reads = {"n": 0}

    def counting_capture(name: str, *, lines: int = 50) -> str:
        reads["n"] += 1
        return real_capture(name, lines=lines)

    monkeypatch.setattr(app.tmux, "capture", counting_capture)
    for _ in range(20):
        app.instances.sync()
    assert reads["n"] <= 1


def test_hung_instance_is_detected_and_restarted(
    app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.instances.config, "hung_after_s", 1)
    inst = app.instances.spawn(repo=repo, prompt="hello")
    wait_status(app, inst.id, S.IDLE)
    app.instances.send(inst.id, "hang")
    wait_status(app, inst.id, S.WORKING)
    back = wait_for(
        lambda: i if (i := status_of(app, inst.id)).restarts == 1 else None, what="restart"
    )
    assert back.status in (S.STARTING, S.IDLE)
    with app.store.read() as tx:
        reasons = [e.data.get("reason", "") for e in tx.events(entity_id=inst.id, limit=100)]
    assert any(r.startswith("hung: no activity") for r in reasons), reasons
    wait_status(app, inst.id, S.IDLE)


def test_restart_gives_up_after_max_restarts(
    app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.instances.config, "max_restarts", 1)
    inst = app.instances.spawn(repo=repo, prompt="crash")
    wait_for(lambda: status_of(app, inst.id).restarts == 1, what="first restart")
    app.instances.send(inst.id, "crash", force=True)
    final = wait_status(app, inst.id, S.FAILED)
    for _ in range(5):
        app.instances.sync()
    assert app.instances.get(inst.id).restarts == 1 and final.restart_after is None


def test_a_pane_list_older_than_a_finished_spawn_does_not_kill_it(app: App, repo: Path) -> None:
    """The race the drills found: a look reads the pane list, another process's spawn then
    finishes (session up, lock released), and the look must not take it for interrupted."""
    from datetime import UTC, datetime

    inst = app.instances.spawn(repo=repo, prompt="hello")
    wait_status(app, inst.id, S.IDLE)
    with app.store.write() as tx:
        stale = tx.update_instance(inst.id, status=S.STARTING, pane_pid=None)
    looked = app.monitor._look(stale, None, datetime.now(UTC))  # the old pane list: no pane
    assert looked.changes == []
    assert app.tmux.has_session(inst.session_name)


def test_a_restart_from_a_stale_record_keeps_the_stored_cursor(app: App, repo: Path) -> None:
    """A look may move the agent's cursor after a restart read the instance: the restart
    starts the new run from the cursor as stored, never rolling it back (which would play
    the same lines, and count their turns, twice)."""
    inst = app.instances.spawn(repo=repo, prompt="hello")
    stale = wait_status(app, inst.id, S.IDLE)
    turns = stale.turns
    app.instances.send(inst.id, "again")
    moved = wait_for(
        lambda: i if (i := status_of(app, inst.id)).turns > turns and i.status == S.IDLE else None,
        what="a second turn",
    )
    assert moved.agent_state["events"] > stale.agent_state["events"]
    wt = app.instances.worktree_of(stale)
    restarted = app.instances.relaunch(stale, wt, reason="restarted from a stale read")
    assert restarted.agent_state["events"] == moved.agent_state["events"]
    assert restarted.agent_state["run_cost"] == 0.0  # the new process counts from zero
    settled = wait_status(app, inst.id, S.IDLE)
    assert settled.turns == moved.turns  # the lines read before were not played again
