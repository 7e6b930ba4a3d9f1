"""Codex's hook lines (events.jsonl, see settings.HOOK_COMMAND) and its rollout as observations.

Codex 0.169.0 fires `SessionStart` (`source` startup or resume; it comes with the first turn),
`UserPromptSubmit`, `PreToolUse`/`PostToolUse` (`tool_name` Bash or apply_patch),
`PermissionRequest` (TUI only, as its approval dialog appears), `Stop` (a turn ended) and
`SessionEnd`. Every payload names `session_id`, `turn_id` and `transcript_path` (the rollout).

What no hook tells comes from the rollout (see rollout.py): the running token totals, and a turn
that ended without a Stop (`turn_aborted`: an approval declined, or Esc while working).

The cursor (`Instance.agent_state`): `events` (bytes of events.jsonl read), `turn` (the newest
turn id a hook named), `rollout` (the rollout being read), `rollout_offset`, and `counted_in` /
`counted_out` (the rollout's running totals already counted, so only deltas are added).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cc_orchestrator.adapters.codex import rollout
from cc_orchestrator.adapters.codex.dialog import question_from_hook
from cc_orchestrator.domain.instance_status import Change
from cc_orchestrator.domain.models import Instance
from cc_orchestrator.domain.models import InstanceStatus as S
from cc_orchestrator.domain.observations import Observation
from cc_orchestrator.lines import read_lines
from cc_orchestrator.ports import InstanceFiles

_ONLY_STARTING = frozenset({S.STARTING})
_ABORTABLE = frozenset({S.WORKING, S.WAITING_INPUT})


def _int(state: dict[str, Any], key: str) -> int:
    value = state.get(key)
    return value if isinstance(value, int) and value >= 0 else 0


def hook_change(
    payload: dict[str, Any], *, prompt_pending: bool
) -> tuple[Change, frozenset[S] | None]:
    """What one Codex hook event means for the status, and from which statuses (None: any)."""
    name = str(payload.get("hook_event_name", ""))
    if name == "SessionStart":
        if prompt_pending:
            return Change(None, "session started"), None
        return Change(S.IDLE, f"session started ({payload.get('source', 'startup')})"), (
            _ONLY_STARTING
        )
    if name == "UserPromptSubmit":
        return Change(S.WORKING, "prompt submitted"), None
    if name in ("PreToolUse", "PostToolUse"):
        return Change(S.WORKING, f"using {payload.get('tool_name', 'a tool')}"), None
    if name == "PermissionRequest":
        data = payload.get("tool_input")
        data = data if isinstance(data, dict) else {}
        what = " ".join(str(data.get("command") or "").split())
        what = what[:119] + "…" if len(what) > 120 else what
        tool = payload.get("tool_name", "a tool")
        return Change(
            S.WAITING_INPUT, f"asks approval for {tool}" + (f": {what}" if what else "")
        ), (None)
    if name == "Stop":
        return Change(S.IDLE, "turn finished"), None
    if name == "SessionEnd":
        return Change(S.EXITED, f"session ended ({payload.get('reason', 'exit')})"), None
    return Change(None, name or "unknown hook event"), None


def read_hooks(inst: Instance, files: InstanceFiles, state: dict[str, Any]) -> list[Observation]:
    """The hook lines appended since the cursor, in order; moves the cursor past them."""
    start = _int(state, "events")
    lines, end = read_lines(files.events, start)
    submitted = start > 0 and inst.status != S.STARTING
    found: list[Observation] = []
    for line in lines:
        try:
            record = json.loads(line)
            payload = record["event"]
        except (ValueError, KeyError, TypeError):
            continue
        if not isinstance(payload, dict):
            continue
        name = payload.get("hook_event_name")
        session = str(payload["session_id"]) if payload.get("session_id") else None
        if inst.mode == "headless":
            # each headless turn is a process: its stream (turn.completed) tells the status
            found.append(Observation(session_id=session))
            continue
        if payload.get("turn_id"):
            state["turn"] = str(payload["turn_id"])
        pending = bool(inst.prompt) and not inst.restarts and not submitted
        if name == "UserPromptSubmit":
            submitted = True
        change, only_from = hook_change(payload, prompt_pending=pending)
        found.append(
            Observation(
                change=change,
                only_from=only_from,
                session_id=session,
                transcript=(
                    str(payload["transcript_path"]) if payload.get("transcript_path") else None
                ),
                question=question_from_hook(record) if name == "PermissionRequest" else None,
                turns=1 if name == "Stop" else 0,
            )
        )
    state["events"] = end
    return found


def read_rollout(path: Path, state: dict[str, Any]) -> list[Observation]:
    """Token deltas and an aborted turn from the rollout since the cursor."""
    if state.get("rollout") != str(path):
        # another rollout (a session Codex could not resume): its totals start from zero
        state.update({"rollout": str(path), "rollout_offset": 0, "counted_in": 0, "counted_out": 0})
    look = rollout.read(path, _int(state, "rollout_offset"))
    state["rollout_offset"] = look.offset
    found: list[Observation] = []
    if look.input_tokens is not None and look.output_tokens is not None:
        add_in = max(0, look.input_tokens - _int(state, "counted_in"))
        add_out = max(0, look.output_tokens - _int(state, "counted_out"))
        state["counted_in"] = max(look.input_tokens, _int(state, "counted_in"))
        state["counted_out"] = max(look.output_tokens, _int(state, "counted_out"))
        if add_in or add_out:
            found.append(Observation(input_tokens=add_in, output_tokens=add_out))
    if look.last_turn == "aborted" and look.last_turn_id and look.last_turn_id == state.get("turn"):
        why = "the turn was cancelled (an approval declined, or interrupted)"
        found.append(Observation(change=Change(S.IDLE, why), only_from=_ABORTABLE))
    return found


def render_hook_line(line: str) -> str | None:
    """One hook line as a person reads it: `[Event] detail`."""
    try:
        record = json.loads(line)
    except ValueError:
        return line.strip() or None
    event = record.get("event") if isinstance(record, dict) else None
    if not isinstance(event, dict):
        return None
    name = event.get("hook_event_name", "?")
    data = event.get("tool_input")
    command = data.get("command") if isinstance(data, dict) else None
    detail = (
        f"{event.get('tool_name')}: {command}"
        if event.get("tool_name") and command
        else event.get("prompt")
        or event.get("last_assistant_message")
        or event.get("source")
        or event.get("reason")
        or ""
    )
    text = " ".join(str(detail).split())
    return f"[{name}] {text[:300]}".rstrip()
