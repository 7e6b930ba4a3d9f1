"""Permission questions of the REAL Claude Code CLI (pinned), answered exactly through cco.

"No" must never approve: a denial leaves the command not run and no settings file written
anywhere; "allow once" runs it once and the same question is asked again next time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.models import Instance, InstanceStatus
from tests.conftest import Cco, wait_for
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.real_claude import look, needs_real_claude, statuses

pytestmark = needs_real_claude
S = InstanceStatus
ASKS = "sh -c 'echo ok > asked.txt'"


@pytest.fixture(params=["hook"])
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def agent_env(channel: str) -> dict[str, str]:
    # hook: Claude Code's hook waits for cco's decision; keys: the dialog's keys, read first
    return {"CC_ORCH_INSTANCES__ANSWER_WAIT_S": "120" if channel == "hook" else "0"}


def asking(app: App, inst_id: str, *, after: str | None = None) -> Instance:
    """Wait until the instance asks (a new question, not `after`) and its choices were read
    from the screen."""

    def ready() -> Instance | None:
        inst = look(app, inst_id)
        q = inst.question
        if inst.status == S.WAITING_INPUT and q and q.choices and q.id != after:
            return inst
        return None

    return wait_for(ready, timeout=60, what="the permission question, its choices read")


def settings_files(tmp_path: Path) -> list[Path]:
    """Every Claude Code local settings file under the test's folder: the worktrees, the main
    checkout, CLAUDE_CONFIG_DIR. os.walk, not rglob: a running Claude Code creates and removes
    lock folders (`.claude.json.lock`) under it, and rglob fails on one that vanishes."""
    return sorted(
        Path(folder) / "settings.local.json"
        for folder, _dirs, names in os.walk(tmp_path)
        if "settings.local.json" in names
    )


def answered(app: App, inst_id: str) -> list[dict[str, Any]]:
    with app.store.read() as tx:
        return [
            e.data
            for e in tx.events(entity_id=inst_id, limit=1000)
            if e.kind == "instance.answered"
        ]


def idle(app: App, inst_id: str) -> Instance:
    return wait_for(
        lambda: i if (i := look(app, inst_id)).status == S.IDLE else None,
        timeout=60,
        what="the turn to end",
    )


def test_question_shows_the_command_and_the_dialogs_own_choices(
    app: App,
    fake_model: FakeAnthropic,
    repo: Path,
) -> None:
    fake_model.script_bash(ASKS)
    inst = app.instances.spawn(repo=repo, prompt="run the command")
    q = asking(app, inst.id).question
    assert q is not None
    assert (q.tool, q.command, q.channel) == ("Bash", ASKS, "hook")
    assert [(c.key, c.kind, c.label) for c in q.choices] == [
        ("1", "allow_once", "Yes"),
        ("2", "allow_always", f"Yes, and don’t ask again for: {ASKS}"),
        (
            "3",
            "allow_auto",
            "Yes, and switch to auto mode · auto mode handles these prompts for you",
        ),
        ("4", "deny", "No"),
    ]
    assert q.reason is None


def test_deny_through_the_api_runs_nothing_and_writes_no_settings(
    app: App,
    fake_model: FakeAnthropic,
    repo: Path,
    tmp_path: Path,
) -> None:
    from tests.web.conftest import api_client

    fake_model.script_bash(ASKS)
    inst = app.instances.spawn(repo=repo, prompt="run the command")
    q = asking(app, inst.id).question
    assert q is not None
    wt = app.worktrees.get(inst.worktree_id or "")
    client = api_client(app)
    stale = client.post(
        f"/api/instances/{inst.id}/answer", json={"decision": "deny", "question_id": "1.0"}
    )
    assert stale.status_code == 409, stale.text
    assert "asks another question now" in stale.json()["error"]["message"]
    reply = client.post(
        f"/api/instances/{inst.id}/answer",
        json={"decision": "deny", "message": "not on this machine", "question_id": q.id},
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["question"]["answered"] == "Deny (hook)"
    again = client.post(f"/api/instances/{inst.id}/answer", json={"decision": "allow"})
    assert again.status_code == 409, again.text
    done = idle(app, inst.id)
    assert done.question is None
    assert not (wt.path / "asked.txt").exists()
    assert not (repo / "asked.txt").exists()
    assert settings_files(tmp_path) == []
    # the model was told, in the tool_result of the next request
    results = [
        block
        for body in fake_model.main_requests()
        for message in body["messages"]
        if isinstance(message.get("content"), list)
        for block in message["content"]
        if block.get("type") == "tool_result"
    ]
    assert results and results[-1]["is_error"] is True
    assert results[-1]["content"] == "not on this machine"
    [event] = answered(app, inst.id)
    assert (event["via"], event["decision"], event["by"], event["choice"]) == (
        "hook",
        "deny",
        "api",
        "deny",
    )
    assert event["subject"] == f"Bash: {ASKS}"
    over = client.post(f"/api/instances/{inst.id}/answer", json={"decision": "deny"})
    assert over.status_code == 409 and "not waiting" in over.json()["error"]["message"]


def test_allow_once_from_the_cli_then_the_same_question_is_asked_again(
    app: App,
    fake_model: FakeAnthropic,
    repo: Path,
    tmp_path: Path,
    cco: Cco,
) -> None:
    fake_model.script_bash(ASKS)
    inst = app.instances.spawn(repo=repo, prompt="run the command")
    first = asking(app, inst.id).question
    assert first is not None
    shown = cco("instances", "answer", inst.id).output
    assert f"asks:     Bash: {ASKS}" in shown
    assert "--choice 2 (Yes, and don’t ask again for:" in shown
    out = cco("instances", "answer", inst.id, "--allow").output
    assert "answered" in out and "Allow once" in out
    idle(app, inst.id)
    wt = app.worktrees.get(inst.worktree_id or "")
    assert (wt.path / "asked.txt").read_text() == "ok\n"
    (wt.path / "asked.txt").unlink()
    assert settings_files(tmp_path) == []

    # the same command in the next turn is asked again: nothing was allowed for good
    fake_model.script_bash(ASKS)
    cco("instances", "send", inst.id, "run it again")
    second = asking(app, inst.id, after=first.id).question
    assert second is not None and second.command == ASKS
    assert not (wt.path / "asked.txt").exists()
    cco("instances", "answer", inst.id, "--deny")
    idle(app, inst.id)
    assert not (wt.path / "asked.txt").exists()
    assert settings_files(tmp_path) == []
    assert [e["decision"] for e in answered(app, inst.id)] == ["allow", "deny"]
    history = statuses(app, inst.id)
    assert history.count("waiting_input") == 2, history


@pytest.mark.parametrize("channel", ["keys"], indirect=True)
def test_keys_read_from_the_screen_deny_with_its_own_no(
    app: App,
    fake_model: FakeAnthropic,
    repo: Path,
    tmp_path: Path,
    cco: Cco,
) -> None:
    """Without the hook's channel, the "No" read from the dialog is typed (here 4, never 2)."""
    fake_model.script_bash(ASKS)
    inst = app.instances.spawn(repo=repo, prompt="run the command")
    q = asking(app, inst.id).question
    assert q is not None and q.channel == "keys"
    bad = cco("instances", "answer", inst.id, "--choice", "7", ok=False)
    assert bad.exit_code == 2, bad.output
    assert "offers no choice '7'" in bad.output and "4 (No)" in bad.output
    cco("instances", "answer", inst.id, "--deny")
    wait_for(
        lambda: look(app, inst.id).status == S.IDLE, timeout=60, what="the denial to end the turn"
    )
    wt = app.worktrees.get(inst.worktree_id or "")
    assert not (wt.path / "asked.txt").exists()
    assert settings_files(tmp_path) == []
    [event] = answered(app, inst.id)
    assert (event["via"], event["choice"], event["label"]) == ("keys", "4", "No")
