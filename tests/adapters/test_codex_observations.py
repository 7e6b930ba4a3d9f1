"""Codex's hook lines and rollout as observations (the cursor makes every counter a delta)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cc_orchestrator.adapters.codex import hooks, stream
from cc_orchestrator.adapters.codex.agent import CodexAgent
from cc_orchestrator.config import InstancesConfig
from cc_orchestrator.domain.models import Instance
from cc_orchestrator.domain.models import InstanceStatus as S
from cc_orchestrator.ports import InstanceFiles

SCREENS = Path(__file__).parent / "codex_screens"
SID = "01a23475-d54e-7532-80ec-bee28aa2ba7d"
TURN1 = "01a23475-d5a6-7b22-9d50-20bf7ba7762c"
TURN2 = "01a23475-e82d-7b60-95ea-6dcda684ceef"


def instance(status: S = S.STARTING, prompt: str | None = "go", restarts: int = 0) -> Instance:
    now = datetime.now(UTC)
    return Instance(
        id="i1",
        name="i1",
        agent="codex",
        mode="interactive",
        status=status,
        prompt=prompt,
        session_name="cco-i1",
        restarts=restarts,
        created_at=now,
        updated_at=now,
    )


def hook(name: str, turn: str | None = TURN1, **extra: Any) -> str:
    payload = {"hook_event_name": name, "session_id": SID, "transcript_path": "/r.jsonl", **extra}
    if turn:
        payload["turn_id"] = turn
    return json.dumps({"cco_ts": "1796176467.5", "event": payload}) + "\n"


def test_a_turn_from_its_hooks(tmp_path: Path) -> None:
    files = InstanceFiles(tmp_path)
    files.events.write_text(
        hook("SessionStart", None, source="startup")
        + hook("UserPromptSubmit", prompt="go")
        + hook("PreToolUse", tool_name="apply_patch", tool_input={"command": "*** Begin"})
        + hook("Stop", last_assistant_message="done")
        + '{"cco_ts": "1", "event": {"hook_event_'  # a line still being written
    )
    state: dict[str, Any] = {}
    found = hooks.read_hooks(instance(), files, state)
    changes = [(o.change.status if o.change else None) for o in found]
    # SessionStart while the first prompt is pending is not idleness
    assert changes == [None, S.WORKING, S.WORKING, S.IDLE]
    assert [o.turns for o in found] == [0, 0, 0, 1]
    assert {o.session_id for o in found} == {SID} and found[0].transcript == "/r.jsonl"
    assert state["turn"] == TURN1 and state["events"] < files.events.stat().st_size
    assert hooks.read_hooks(instance(S.IDLE), files, state) == []  # nothing counted twice


def test_a_session_resumed_without_prompt_is_idle_only_while_starting(tmp_path: Path) -> None:
    files = InstanceFiles(tmp_path)
    files.events.write_text(hook("SessionStart", None, source="resume"))
    (seen,) = hooks.read_hooks(instance(prompt=None), files, {})
    assert seen.change is not None and seen.change.status == S.IDLE
    assert seen.only_from == frozenset({S.STARTING})


def test_a_permission_request_asks_with_its_question(tmp_path: Path) -> None:
    files = InstanceFiles(tmp_path)
    files.events.write_text(
        hook("PermissionRequest", tool_name="Bash", tool_input={"command": "echo hi > x"})
    )
    (seen,) = hooks.read_hooks(instance(S.WORKING), files, {})
    assert seen.change is not None and seen.change.status == S.WAITING_INPUT
    assert seen.change.reason == "asks approval for Bash: echo hi > x"
    assert seen.question is not None and seen.question.command == "echo hi > x"
    assert seen.question.channel == "keys"


def test_rollout_tokens_are_deltas_and_an_abort_of_this_turn_ends_it(tmp_path: Path) -> None:
    path = tmp_path / "rollout.jsonl"
    lines = (SCREENS / "rollout_denied.jsonl").read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:4]))  # the first turn, complete
    state: dict[str, Any] = {"turn": TURN1}
    (tokens,) = hooks.read_rollout(path, state)
    assert (tokens.input_tokens, tokens.output_tokens) == (16777, 34)
    assert hooks.read_rollout(path, state) == []  # read again: nothing more
    # the second turn asked, was declined: its abort ends it (hooks named that turn)
    path.write_bytes(b"".join(lines))
    state["turn"] = TURN2
    found = hooks.read_rollout(path, state)
    assert (found[0].input_tokens, found[0].output_tokens) == (25305 - 16777, 51 - 34)
    end = found[1].change
    assert end is not None and end.status == S.IDLE and "cancelled" in end.reason
    assert found[1].only_from == frozenset({S.WORKING, S.WAITING_INPUT})


def test_an_abort_of_an_older_turn_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "rollout.jsonl"
    path.write_bytes((SCREENS / "rollout_denied.jsonl").read_bytes())
    state: dict[str, Any] = {"turn": "a-newer-turn"}
    found = hooks.read_rollout(path, state)
    assert [o.change for o in found] == [None]  # the tokens only


def test_another_rollout_counts_from_zero(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    source = (SCREENS / "rollout_denied.jsonl").read_bytes()
    first.write_bytes(source)
    second.write_bytes(b"".join(source.splitlines(keepends=True)[:4]))
    state: dict[str, Any] = {}
    hooks.read_rollout(first, state)
    (again,) = hooks.read_rollout(second, state)
    assert (again.input_tokens, again.output_tokens) == (16777, 34)


def test_log_lines_read_like_a_person_would() -> None:
    line = hook("PreToolUse", tool_name="Bash", tool_input={"command": "ls  -la\n"})
    assert hooks.render_hook_line(line) == "[PreToolUse] Bash: ls -la"
    assert hooks.render_hook_line(hook("Stop", last_assistant_message="done")) == "[Stop] done"
    assert hooks.render_hook_line("[]") is None


def test_the_screen_says_idle_only_at_a_quiet_empty_composer() -> None:
    agent = CodexAgent(InstancesConfig())
    ready = (SCREENS / "idle_after_turn.txt").read_text()
    assert agent.screen_wanted(S.STARTING) == "always"
    assert agent.screen_wanted(S.WORKING) is None
    seen = agent.read_screen(ready, quiet_for_s=5)
    assert seen.change is not None and seen.change.status == S.IDLE
    assert agent.read_screen(ready, quiet_for_s=1).change is None  # not quiet yet
    asking = (SCREENS / "ask_cmd.txt").read_text()
    assert agent.read_screen(asking, quiet_for_s=9).change is None


EXEC_LINES = [
    {"type": "thread.started", "thread_id": SID},
    {"type": "turn.started"},
    {"type": "item.completed", "item": {"id": "item_0", "type": "error", "message": "bypass"}},
    {
        "type": "item.completed",
        "item": {
            "id": "item_3",
            "type": "file_change",
            "changes": [{"path": "/work/repo/patched.txt", "kind": "add"}],
            "status": "completed",
        },
    },
    {"type": "item.completed", "item": {"id": "item_5", "type": "agent_message", "text": "ok"}},
    {
        "type": "turn.completed",
        "usage": {"input_tokens": 30049, "cached_input_tokens": 0, "output_tokens": 173},
    },
]


def test_a_headless_turn_from_its_exec_stream(tmp_path: Path) -> None:
    files = InstanceFiles(tmp_path)
    files.stream.write_text("".join(json.dumps(line) + "\n" for line in EXEC_LINES))
    state: dict[str, Any] = {}
    found = stream.read_stream(files, state)
    assert found[0].session_id == SID and found[0].only_from == frozenset({S.STARTING})
    done = found[-1]
    assert done.change is not None and done.change.status == S.IDLE
    assert (done.turns, done.input_tokens, done.output_tokens) == (1, 30049, 173)
    assert done.result is not None and not done.result.is_error
    assert stream.read_stream(files, state) == []
    failed = {"type": "turn.failed", "error": {"message": "stream disconnected: boom"}}
    with files.stream.open("a") as fh:
        fh.write(json.dumps(failed) + "\n")
    (seen,) = stream.read_stream(files, state)
    assert seen.change is not None and seen.change.status == S.FAILED
    assert "boom" in seen.change.reason and seen.result is not None and seen.result.is_error


def test_exec_stream_log_lines() -> None:
    shown = [stream.render_stream_line(json.dumps(line)) for line in EXEC_LINES]
    assert shown == [
        f"[session] {SID}",
        None,
        "[warning] bypass",
        "[edit] add /work/repo/patched.txt",
        "[assistant] ok",
        "[result] ok tokens in=30049 out=173",
    ]


def test_headless_hook_lines_only_name_the_session(tmp_path: Path) -> None:
    files = InstanceFiles(tmp_path)
    files.events.write_text(hook("SessionStart", None, source="startup") + hook("Stop"))
    now = datetime.now(UTC)
    inst = Instance(
        id="h1",
        name="h1",
        agent="codex",
        mode="headless",
        status=S.STARTING,
        session_name="cco-h1",
        created_at=now,
        updated_at=now,
    )
    found = hooks.read_hooks(inst, files, {})
    assert [(o.change, o.turns, o.session_id) for o in found] == [(None, 0, SID)] * 2
