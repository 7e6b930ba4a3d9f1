"""The Claude Code adapter reads its own files into observations: hook lines, a headless
run's stream-json, the transcript's usage and the process's running cost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cc_orchestrator.adapters.claude import ClaudeAgent
from cc_orchestrator.config import InstancesConfig
from cc_orchestrator.domain.models import Instance, InstanceStatus
from cc_orchestrator.domain.observations import Observed, TurnResult
from cc_orchestrator.ports import InstanceFiles
from cc_orchestrator.services.instance_apply import Pending

S = InstanceStatus


@pytest.fixture
def files(tmp_path: Path) -> InstanceFiles:
    made = InstanceFiles(tmp_path / "i1")
    made.folder.mkdir()
    return made


def instance(**values: Any) -> Instance:
    base: dict[str, Any] = {
        "id": "i1",
        "name": "i1",
        "agent": "claude",
        "mode": "interactive",
        "status": S.STARTING,
        "session_name": "cco-i1",
    }
    return Instance(**{**base, **values})


def hook(name: str, ts: str = "1700000000.5", **payload: Any) -> str:
    event = {"hook_event_name": name, **payload}
    return json.dumps({"cco_ts": ts, "event": event}) + "\n"


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(text)


def look(inst: Instance, files: InstanceFiles, *, deep: bool = True, **config: Any) -> Observed:
    agent = ClaudeAgent(InstancesConfig(**config))
    return agent.observe(inst, files, inst.agent_state, deep=deep, memo={})


def folded(inst: Instance, observed: Observed) -> Pending:
    p = Pending(instance=inst, status=inst.status)
    p.take(observed)
    return p


def test_hook_lines_drive_the_status_and_move_the_cursor(files: InstanceFiles) -> None:
    inst = instance(prompt="do it")
    append(files.events, hook("SessionStart", session_id="s1", transcript_path="/t.jsonl"))
    append(files.events, hook("UserPromptSubmit"))
    append(files.events, hook("PreToolUse", tool_name="Bash"))
    append(files.events, hook("Stop"))
    append(files.events, '{"cco_ts": "1.0", "event": {"hook_event_name": "Sto')  # half a line
    seen = look(inst, files)
    p = folded(inst, seen)
    # the session start with a prompt pending is not idleness; the prompt, the tool, the end
    assert [status for status, _ in p.changes] == [S.WORKING, S.IDLE]
    assert p.updates["agent_session_id"] == "s1" and p.updates["transcript"] == "/t.jsonl"
    assert p.updates["turns"] == 1
    complete = files.events.read_bytes().rfind(b"\n") + 1
    assert seen.state["events"] == complete  # the half line waits for its end

    again = replace_state(inst, seen)
    assert look(again, files).observations == ()  # nothing read twice


def replace_state(inst: Instance, seen: Observed) -> Instance:
    from dataclasses import replace

    return replace(inst, agent_state=seen.state)


def test_a_session_start_alone_is_idle(files: InstanceFiles) -> None:
    inst = instance()
    append(files.events, hook("SessionStart", source="resume"))
    p = folded(inst, look(inst, files))
    assert p.changes == [(S.IDLE, "session started (resume)")]
    # but not once a prompt was taken: work in progress stays working
    working = instance(status=S.WORKING)
    assert folded(working, look(working, files)).changes == []


def test_a_permission_request_asks_a_question(files: InstanceFiles) -> None:
    inst = instance(status=S.WORKING)
    tool_input = {"command": "rm -rf build"}
    append(files.events, hook("PermissionRequest", tool_name="Bash", tool_input=tool_input))
    p = folded(inst, look(inst, files, answer_wait_s=60))
    assert p.status == S.WAITING_INPUT
    assert p.changes[0][1] == "asks permission for Bash: rm -rf build"
    question = p.updates["question"]
    assert question["command"] == "rm -rf build" and question["channel"] == "hook"
    assert question["id"] == "1700000000.5"


def test_headless_turn_ends_come_from_the_stream(files: InstanceFiles) -> None:
    inst = instance(mode="headless", prompt="go")
    append(files.events, hook("UserPromptSubmit") + hook("Stop") + hook("SessionEnd"))
    init = {"type": "system", "subtype": "init", "session_id": "s9"}
    usage = {
        "input_tokens": 3,
        "cache_creation_input_tokens": 100,
        "cache_read_input_tokens": 20,
        "output_tokens": 7,
    }
    result = {
        "type": "result",
        "subtype": "success",
        "num_turns": 2,
        "total_cost_usd": 0.125,
        "usage": usage,
        "session_id": "s9",
    }
    append(files.stream, json.dumps(init) + "\n" + json.dumps(result) + "\n")
    seen = look(inst, files)
    p = folded(inst, seen)
    # Stop and SessionEnd do not end a headless turn: the result does, with its usage
    assert [status for status, _ in p.changes] == [S.WORKING, S.IDLE]
    assert p.updates["turns"] == 2  # the result's, not the Stop hook's
    assert (p.updates["input_tokens"], p.updates["output_tokens"]) == (123, 7)
    assert p.updates["cost_usd"] == 0.125 and p.updates["agent_session_id"] == "s9"
    results = [o.result for o in seen.observations if o.result]
    assert results == [TurnResult(is_error=False, num_turns=2, cost_usd=0.125, subtype="success")]
    assert seen.state["stream"] == files.stream.stat().st_size


def test_a_failed_headless_result_fails_the_instance(files: InstanceFiles) -> None:
    inst = instance(mode="headless", status=S.WORKING)
    result = {
        "type": "result",
        "subtype": "error_max_turns",
        "is_error": True,
        "result": "too many turns",
    }
    append(files.stream, json.dumps(result) + "\n")
    p = folded(inst, look(inst, files))
    assert p.changes == [(S.FAILED, "the agent failed (error_max_turns): too many turns")]


def assistant(msg_id: str, tokens_in: int, tokens_out: int, text: str = "x") -> str:
    usage = {"input_tokens": tokens_in, "output_tokens": tokens_out}
    message = {"id": msg_id, "usage": usage, "content": [{"type": "text", "text": text}]}
    return json.dumps({"type": "assistant", "message": message}) + "\n"


def test_a_message_spanning_several_records_counts_once(
    files: InstanceFiles, tmp_path: Path
) -> None:
    transcript = tmp_path / "t.jsonl"
    # one API message, one record per content block (each repeats the message's usage)
    append(transcript, assistant("m1", 10, 4, "a") + assistant("m1", 10, 4, "b"))
    append(transcript, assistant("m2", 1, 1))
    inst = instance(status=S.WORKING, transcript=str(transcript))
    seen = look(inst, files)
    p = folded(inst, seen)
    assert (p.updates["input_tokens"], p.updates["output_tokens"]) == (11, 5)
    # read from the cursor next time: only the new message counts
    append(transcript, assistant("m3", 2, 2))
    later = replace_state(inst, seen)
    later_p = folded(later, look(later, files))
    assert later_p.updates["input_tokens"] == 2 and later_p.updates["output_tokens"] == 2
    # not deep (the daemon's quick look): the transcript is left for the next full look
    assert look(later, files, deep=False).observations == ()


def test_cost_is_the_newest_running_total_of_the_process(
    files: InstanceFiles, tmp_path: Path
) -> None:
    transcript = tmp_path / "t.jsonl"
    append(transcript, assistant("m1", 1, 1))
    files.status.write_text(json.dumps({"cost": {"total_cost_usd": 0.4}}))
    # $1.00 counted before this process; the status line says it is at $0.40
    inst = instance(
        status=S.IDLE, transcript=str(transcript), cost_usd=1.0, agent_state={"run_cost": 0}
    )
    seen = look(inst, files)
    assert folded(inst, seen).updates["cost_usd"] == 1.4
    # it exits writing its final total ($0.45, larger: newer than the status line's)
    append(transcript, json.dumps({"type": "cost-state", "totalCostUSD": 0.45}) + "\n")
    later = replace_state(instance(**{**vars_of(inst), "cost_usd": 1.4}), seen)
    p = folded(later, look(later, files))
    assert p.updates["cost_usd"] == 1.45
    # a restart: the new process counts from zero, nothing spent is lost or counted twice
    agent = ClaudeAgent(InstancesConfig())
    fresh = agent.new_run(files, seen.state)
    assert fresh["run_cost"] == 0.0 and not files.status.exists()


def vars_of(inst: Instance) -> dict[str, Any]:
    from dataclasses import asdict

    values = asdict(inst)
    values["status"] = inst.status
    return values


def test_a_new_transcript_is_counted_afresh(files: InstanceFiles, tmp_path: Path) -> None:
    """A resumed session's new transcript holds the whole conversation again."""
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    append(old, assistant("m1", 10, 1))
    inst = instance(status=S.IDLE, transcript=str(old))
    seen = look(inst, files)
    counted = replace_state(inst, seen)
    append(new, assistant("m1", 10, 1) + assistant("m2", 5, 1))
    moved = replace_state(
        instance(status=S.IDLE, transcript=str(new), input_tokens=10, output_tokens=1),
        seen,
    )
    p = folded(moved, look(moved, files))
    assert (p.updates["input_tokens"], p.updates["output_tokens"]) == (15, 2)
    assert counted.agent_state["transcript_of"] == str(old)
