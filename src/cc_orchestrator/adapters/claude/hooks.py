"""Claude Code's hook lines (events.jsonl, one JSON payload per line, see launch.HOOK_COMMAND)
as observations: the status each hook event means, the session and transcript it names, the
turns it ends and the permission question it asks."""

from __future__ import annotations

import json
from typing import Any

from cc_orchestrator.adapters.claude import cursor
from cc_orchestrator.adapters.claude.dialog import question_from_hook
from cc_orchestrator.domain.instance_status import LIVE, Change
from cc_orchestrator.domain.models import Instance
from cc_orchestrator.domain.models import InstanceStatus as S
from cc_orchestrator.domain.observations import Observation
from cc_orchestrator.lines import read_lines
from cc_orchestrator.ports import InstanceFiles

# In headless mode the stream's result event (with the cost) ends a turn, not these hooks.
HEADLESS_ENDS = frozenset({"Stop", "StopFailure", "SessionEnd"})
_ONLY_STARTING = frozenset({S.STARTING})
_NOT_ASKING = frozenset(LIVE - {S.WAITING_INPUT})


def hook_change(
    payload: dict[str, Any], *, prompt_pending: bool = False
) -> tuple[Change, frozenset[S] | None]:
    """What a Claude Code hook event means for the instance's status, and from which statuses
    (None: any the status machine allows).

    prompt_pending: a first prompt was given on the command line and has not been submitted
    yet, so a session start is not idleness.
    """
    name = str(payload.get("hook_event_name", ""))
    if name == "SessionStart":
        # A resumed or fresh session is idle until a prompt is submitted; but a SessionStart
        # after a prompt was already accepted must not hide the work in progress.
        if not prompt_pending:
            why = f"session started ({payload.get('source', 'startup')})"
            return Change(S.IDLE, why), _ONLY_STARTING
        return Change(None, "session started"), None
    if name == "UserPromptSubmit":
        return Change(S.WORKING, "prompt submitted"), None
    if name in ("PreToolUse", "PostToolUse"):
        return Change(S.WORKING, f"using {payload.get('tool_name', 'a tool')}"), None
    if name == "PermissionRequest":
        tool = payload.get("tool_name", "a tool")
        data = payload.get("tool_input")
        data = data if isinstance(data, dict) else {}
        what = " ".join(str(data.get("command") or data.get("file_path") or "").split())
        if len(what) > 120:
            what = what[:119] + "…"
        why = f"asks permission for {tool}" + (f": {what}" if what else "")
        return Change(S.WAITING_INPUT, why), None
    if name == "Notification":
        kind = payload.get("notification_type")
        if kind == "permission_prompt" or (
            kind is None and "permission" in str(payload.get("message", "")).lower()
        ):
            why = str(payload.get("message") or "waiting for permission")
            return Change(S.WAITING_INPUT, why), None
        if kind == "idle_prompt":
            return Change(S.IDLE, "waiting for a prompt"), _NOT_ASKING
        return Change(None, str(payload.get("message") or "notification")), None
    if name == "Stop":
        return Change(S.IDLE, "turn finished"), None
    if name == "StopFailure":
        # The turn ended on an API error; the session itself lives on, back at its prompt.
        return Change(S.IDLE, f"turn failed: {payload.get('error') or 'api error'}"), None
    if name == "SessionEnd":
        return Change(S.EXITED, f"session ended ({payload.get('reason', 'exit')})"), None
    return Change(None, name or "unknown hook event"), None


def read_hooks(
    inst: Instance, files: InstanceFiles, state: dict[str, Any], answer_wait_s: float
) -> list[Observation]:
    """The hook lines appended since the cursor, in order; moves the cursor past them."""
    start = cursor.offset(state, "events")
    lines, end = read_lines(files.events, start)
    submitted = start > 0 and inst.status != S.STARTING
    found: list[Observation] = []
    for line in lines:
        try:
            record = json.loads(line)
            payload = record["event"]
            if not isinstance(payload, dict):
                continue
        except (ValueError, KeyError, TypeError):
            continue
        name = payload.get("hook_event_name")
        session = str(payload["session_id"]) if payload.get("session_id") else None
        transcript = str(payload["transcript_path"]) if payload.get("transcript_path") else None
        turns = 1 if name == "Stop" and inst.mode == "interactive" else 0
        if inst.mode == "headless" and name in HEADLESS_ENDS:
            # each headless turn is a process; its result event ends the turn
            found.append(Observation(session_id=session, transcript=transcript))
            continue
        pending = bool(inst.prompt) and not inst.restarts and not submitted
        if name == "UserPromptSubmit":
            submitted = True
        question = (
            question_from_hook(record, answer_wait_s) if name == "PermissionRequest" else None
        )
        change, only_from = hook_change(payload, prompt_pending=pending)
        found.append(
            Observation(
                change=change,
                only_from=only_from,
                session_id=session,
                transcript=transcript,
                question=question,
                turns=turns,
            )
        )
    state["events"] = end
    return found


def prompt_submitted(files: InstanceFiles) -> bool:
    """Whether the agent ever took a prompt (a restarted task agent is told to go on)."""
    try:
        return '"UserPromptSubmit"' in files.events.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
