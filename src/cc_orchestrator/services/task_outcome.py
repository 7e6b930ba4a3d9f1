"""What a task's instance left behind: refused tool calls, and the instance's last word once
the task has moved on (so an instance never says "task in review" after its task is done)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from cc_orchestrator.domain import events
from cc_orchestrator.domain.models import InstanceStatus
from cc_orchestrator.domain.plural import count
from cc_orchestrator.logs import redact_text
from cc_orchestrator.ports import EventAppend, InstanceRows

S = InstanceStatus
_TAIL_BYTES = 256 * 1024  # a turn's `result` line is the stream's last; it is never this big


@dataclass(frozen=True)
class Denial:
    """A tool call Claude Code refused without asking (headless: nobody to ask)."""

    tool: str
    detail: str  # the command or the file, cut short

    def __str__(self) -> str:
        return f"{self.tool} ({self.detail})" if self.detail else self.tool


def last_turn_denials(stream: Path) -> list[Denial]:
    """The `permission_denials` of the last `result` line of a headless stream-json file."""
    try:
        with stream.open("rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - _TAIL_BYTES))
            tail = f.read().decode("utf-8", "replace")
    except OSError:
        return []
    for line in reversed(tail.splitlines()):
        if '"result"' not in line:
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and obj.get("type") == "result":
            return denials_of(obj)
    return []


def denials_of(result: dict[str, Any]) -> list[Denial]:
    out = []
    for item in result.get("permission_denials") or []:
        if not isinstance(item, dict):
            continue
        tool_input = item.get("tool_input")
        detail = ""
        if isinstance(tool_input, dict):
            value = (
                tool_input.get("command")
                or tool_input.get("file_path")
                or tool_input.get("path")
                or tool_input.get("url")
                or ""
            )
            detail = redact_text(" ".join(str(value).split()))  # shown on the task
        if len(detail) > 80:
            detail = detail[:79] + "…"
        out.append(Denial(str(item.get("tool_name") or "a tool"), detail))
    return out


def denial_summary(denials: list[Denial], *, limit: int = 3) -> str:
    shown = ", ".join(str(d) for d in denials[:limit])
    more = len(denials) - limit
    return shown + (f" and {count(more, 'more')}" if more > 0 else "")


class InstanceLog(InstanceRows, EventAppend, Protocol):
    """What settling an instance touches: the instance, and the event log (any ports.Tx)."""


def settle_instance(tx: InstanceLog, instance_id: str | None, why: str) -> None:
    """The task is done, cancelled or retried: its ended instance says so. A failed one is
    stopped (the failure was dealt with), so the fleet's counts stop showing it as failed;
    a live one is left alone (it is stopped through InstanceService first)."""
    if not instance_id:
        return
    inst = tx.instance(instance_id)
    if inst is None or inst.status not in (S.FAILED, S.STOPPED, S.EXITED):
        return
    reason = why if inst.status != S.FAILED else f"{why} (it had failed: {inst.status_reason})"
    status = S.STOPPED if inst.status == S.FAILED else inst.status
    if inst.status_reason == reason and status == inst.status:
        return
    now = datetime.now(UTC)
    tx.update_instance(inst.id, status=status, status_reason=reason, status_at=now)
    tx.append_event(events.instance_status(inst, status, reason, previous=inst.status))
