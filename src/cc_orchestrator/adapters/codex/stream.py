"""Headless Codex: `codex exec --json`, one process per turn, its JSONL on stdout (stream.jsonl).

    {"type":"thread.started","thread_id":"01a2..."}          -> the session id
    {"type":"turn.started"}                                  -> working
    {"type":"item.started"|"item.completed","item":{...}}    -> agent_message, command_execution,
                                                                file_change (log lines)
    {"type":"turn.completed","usage":{"input_tokens","output_tokens",...}} -> idle, one turn
    {"type":"turn.failed","error":{"message"}}               -> failed

`usage` is the turn's own (each process runs one turn), so it is added as it is. The cursor key
is `stream` (bytes of stream.jsonl read).
"""

from __future__ import annotations

import json
from typing import Any

from cc_orchestrator.domain.instance_status import Change
from cc_orchestrator.domain.models import InstanceStatus as S
from cc_orchestrator.domain.observations import Observation, TurnResult
from cc_orchestrator.lines import read_lines
from cc_orchestrator.ports import InstanceFiles

_ONLY_STARTING = frozenset({S.STARTING})


def _dict(obj: dict[str, Any], key: str) -> dict[str, Any]:
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def _offset(state: dict[str, Any]) -> int:
    value = state.get("stream")
    return value if isinstance(value, int) and value >= 0 else 0


def read_stream(files: InstanceFiles, state: dict[str, Any]) -> list[Observation]:
    lines, end = read_lines(files.stream, _offset(state))
    found: list[Observation] = []
    for line in lines:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        kind = obj.get("type")
        if kind == "thread.started" and obj.get("thread_id"):
            started = Change(S.WORKING, "headless run started")
            found.append(
                Observation(
                    change=started, only_from=_ONLY_STARTING, session_id=str(obj["thread_id"])
                )
            )
        elif kind == "turn.completed":
            usage = _dict(obj, "usage")
            found.append(
                Observation(
                    change=Change(S.IDLE, "turn finished"),
                    turns=1,
                    input_tokens=int(usage.get("input_tokens") or 0),
                    output_tokens=int(usage.get("output_tokens") or 0),
                    result=TurnResult(is_error=False, num_turns=1),
                )
            )
        elif kind == "turn.failed":
            error = _dict(obj, "error")
            detail = " ".join(str(error.get("message") or "error").split())[:200]
            found.append(
                Observation(
                    change=Change(S.FAILED, f"the agent failed: {detail}"),
                    turns=1,
                    result=TurnResult(is_error=True, num_turns=1, subtype="turn.failed"),
                )
            )
    state["stream"] = end
    return found


def render_stream_line(line: str) -> str | None:
    """One `exec --json` line as a person reads it (None to skip it)."""
    try:
        obj = json.loads(line)
    except ValueError:
        return line.strip() or None
    if not isinstance(obj, dict):
        return None
    kind = obj.get("type")
    if kind == "thread.started":
        return f"[session] {obj.get('thread_id')}"
    if kind == "turn.completed":
        usage = _dict(obj, "usage")
        return f"[result] ok tokens in={usage.get('input_tokens')} out={usage.get('output_tokens')}"
    if kind == "turn.failed":
        error = _dict(obj, "error")
        return f"[result] error {str(error.get('message') or '')[:300]}".rstrip()
    item = obj.get("item")
    if kind != "item.completed" or not isinstance(item, dict):
        return None
    what = item.get("type")
    if what == "agent_message":
        return f"[assistant] {str(item.get('text') or '')[:500]}"
    if what == "command_execution":
        return f"[command] {item.get('command')} (exit {item.get('exit_code')})"
    if what == "file_change":
        listed = item.get("changes")
        changes = listed if isinstance(listed, list) else []
        paths = ", ".join(
            f"{c.get('kind')} {c.get('path')}" for c in changes if isinstance(c, dict)
        )
        return f"[edit] {paths}"
    if what == "error":
        return f"[warning] {str(item.get('message') or '')[:300]}"
    return None
