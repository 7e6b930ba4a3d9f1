"""The one status machine of an instance, shared by every path (hooks, liveness, commands).

starting -> idle / working / waiting_input -> exited / failed / stopped

Hook events from the agent drive the live states; process liveness covers what hooks cannot
see (SIGKILL, an API error that fires no Stop); commands (stop, restart) drive the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cc_orchestrator.domain.models import InstanceStatus as S

LIVE = frozenset({S.STARTING, S.IDLE, S.WORKING, S.WAITING_INPUT})
TERMINAL = frozenset({S.EXITED, S.FAILED, S.STOPPED})

_ALLOWED: dict[S, frozenset[S]] = {
    S.STARTING: frozenset({S.IDLE, S.WORKING, S.WAITING_INPUT, *TERMINAL}),
    S.IDLE: frozenset({S.WORKING, S.WAITING_INPUT, *TERMINAL}),
    S.WORKING: frozenset({S.IDLE, S.WAITING_INPUT, *TERMINAL}),
    S.WAITING_INPUT: frozenset({S.IDLE, S.WORKING, *TERMINAL}),
    # A restart brings a finished instance back to starting; stopping closes its session.
    S.EXITED: frozenset({S.STARTING, S.STOPPED}),
    S.FAILED: frozenset({S.STARTING, S.STOPPED}),
    S.STOPPED: frozenset({S.STARTING}),
}


def can_move(current: S, new: S) -> bool:
    return new == current or new in _ALLOWED[current]


@dataclass(frozen=True)
class Change:
    """A status change with its reason; `None` status means the event changes no status."""

    status: S | None
    reason: str


def from_hook(current: S, payload: dict[str, Any], *, prompt_pending: bool = False) -> Change:
    """What a Claude Code hook event means for the instance's status.

    prompt_pending: a first prompt was given on the command line and has not been submitted
    yet, so a session start is not idleness.
    """
    name = str(payload.get("hook_event_name", ""))
    if current in TERMINAL:
        return Change(None, f"{name} after the instance ended")
    if name == "SessionStart":
        # A resumed or fresh session is idle until a prompt is submitted; but a SessionStart
        # after a prompt was already accepted must not hide the work in progress.
        if current == S.STARTING and not prompt_pending:
            return Change(S.IDLE, f"session started ({payload.get('source', 'startup')})")
        return Change(None, "session started")
    if name == "UserPromptSubmit":
        return Change(S.WORKING, "prompt submitted")
    if name in ("PreToolUse", "PostToolUse"):
        tool = payload.get("tool_name", "a tool")
        if current == S.WAITING_INPUT and name == "PreToolUse":
            return Change(S.WORKING, f"using {tool}")
        if current != S.WORKING:
            return Change(S.WORKING, f"using {tool}")
        return Change(None, f"using {tool}")
    if name == "PermissionRequest":
        tool = payload.get("tool_name", "a tool")
        data = payload.get("tool_input")
        data = data if isinstance(data, dict) else {}
        what = " ".join(str(data.get("command") or data.get("file_path") or "").split())
        if len(what) > 120:
            what = what[:119] + "…"
        return Change(
            S.WAITING_INPUT, f"asks permission for {tool}" + (f": {what}" if what else "")
        )
    if name == "Notification":
        kind = payload.get("notification_type")
        if kind == "permission_prompt" or (
            kind is None and "permission" in str(payload.get("message", "")).lower()
        ):
            return Change(S.WAITING_INPUT, str(payload.get("message") or "waiting for permission"))
        if kind == "idle_prompt":
            return Change(S.IDLE if current != S.WAITING_INPUT else None, "waiting for a prompt")
        return Change(None, str(payload.get("message") or "notification"))
    if name == "Stop":
        return Change(S.IDLE, "turn finished")
    if name == "StopFailure":
        # The turn ended on an API error; the session itself lives on, back at its prompt.
        error = payload.get("error") or "api error"
        return Change(S.IDLE, f"turn failed: {error}")
    if name == "SessionEnd":
        return Change(S.EXITED, f"session ended ({payload.get('reason', 'exit')})")
    return Change(None, name or "unknown hook event")


def from_exit(current: S, exit_status: int | None, *, stopping: bool = False) -> Change:
    """The agent's process is gone: what that means, given how it ended."""
    if stopping:
        return Change(S.STOPPED, "stopped by the user")
    if current in TERMINAL:
        return Change(None, "already ended")
    if exit_status in (0, None) and current in (S.IDLE, S.EXITED):
        return Change(S.EXITED, "the agent exited")
    if exit_status == 0:
        return Change(S.EXITED, f"the agent exited while {current.value}")
    return Change(S.FAILED, f"the agent's process ended with status {exit_status}")
