"""Steering text against the REAL Claude Code CLI in tmux: it arrives as text, or not at all.

ESC [201~ would end the bracketed paste and type Ctrl-C and Enter; ESC [Z is Shift-Tab (it
switches the permission mode); ESC alone cancels a permission dialog. Each is refused before
anything reaches the terminal, and what the model server receives is exactly the text sent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.errors import InvalidInput
from cc_orchestrator.domain.models import Instance, InstanceStatus
from cc_orchestrator.domain.questions import Answer
from tests.conftest import wait_for
from tests.support.fake_anthropic import JSON, FakeAnthropic, has_new_prompt
from tests.support.real_claude import look, needs_real_claude

S = InstanceStatus
HOSTILE = ("hello\x1b[201~\x03\r", "\x1b[Z", "\x03", "\x1b", "ok\x1b[Z\r")

pytestmark = needs_real_claude


@pytest.fixture
def faces_first_run_dialogs() -> bool:
    return False


def wait_status(app: App, inst_id: str, status: InstanceStatus, turns: int = 0) -> Instance:
    return wait_for(
        lambda: i if (i := look(app, inst_id)).status == status and i.turns >= turns else None,
        timeout=60,
        what=f"{status.value} after {turns} turns",
    )


def prompts(fake: FakeAnthropic) -> list[str]:
    """The text of each prompt the model server received (tool results left out)."""
    out: list[str] = []
    for body in fake.main_requests():
        if not has_new_prompt(body):
            continue
        last: JSON = [m for m in body["messages"] if m.get("role") == "user"][-1]
        content = last["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        texts = [
            str(b["text"])
            for b in blocks
            if b.get("type") == "text" and not str(b["text"]).startswith("<system-reminder>")
        ]
        out.append("\n".join(texts))
    return out


def hook_events(app: App, inst_id: str) -> list[JSON]:
    lines = app.instances.files(inst_id).events.read_text().splitlines()
    return [json.loads(line)["event"] for line in lines if line.strip()]


def test_hostile_text_refused_then_plain_text_arrives_exactly(
    app: App, fake_model: FakeAnthropic, repo: Path
) -> None:
    inst = app.instances.spawn(repo=repo, prompt="first prompt")
    wait_status(app, inst.id, S.IDLE, turns=1)
    for hostile in HOSTILE:
        with pytest.raises(InvalidInput, match="control character"):
            app.instances.send(inst.id, hostile)
    assert look(app, inst.id).status == S.IDLE
    text = "after; \"quoted\" 'single' $HOME `x`\ttab;\r\nsecond line;"
    app.instances.send(inst.id, text)
    wait_status(app, inst.id, S.IDLE, turns=2)
    # a pasted tab is text (no completion ran): Claude Code's input box expands it to spaces
    arrived = text.replace("\r\n", "\n").replace("\t", "    ")
    assert prompts(fake_model) == ["first prompt", arrived]
    submitted = [e["prompt"] for e in hook_events(app, inst.id) if "prompt" in e]
    assert submitted == ["first prompt", arrived]


def test_no_keystroke_reaches_a_permission_dialog(
    app: App, fake_model: FakeAnthropic, repo: Path
) -> None:
    fake_model.script_bash("sh -c 'echo ok > asked.txt'")
    inst = app.instances.spawn(repo=repo, prompt="run the command")
    wait_status(app, inst.id, S.WAITING_INPUT)
    wait_for(
        lambda: "Do you want to proceed?" in app.tmux.capture(inst.session_name),
        timeout=30,
        what="the dialog on screen",
    )
    for hostile in HOSTILE:
        with pytest.raises(InvalidInput, match="control character"):
            app.instances.send(inst.id, hostile)
    screen = app.tmux.capture(inst.session_name)
    assert "Do you want to proceed?" in screen and "❯ 1. Yes" in screen, screen
    assert look(app, inst.id).status == S.WAITING_INPUT
    app.instances.answer(inst.id, Answer(decision="allow"))
    done = wait_status(app, inst.id, S.IDLE, turns=1)
    wt = app.worktrees.get(done.worktree_id or "")
    assert (wt.path / "asked.txt").read_text().strip() == "ok"
    modes = {e.get("permission_mode") for e in hook_events(app, inst.id)} - {None}
    assert modes == {"acceptEdits"}, modes  # no Shift-Tab switched it
    assert prompts(fake_model) == ["run the command"]
