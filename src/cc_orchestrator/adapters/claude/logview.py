"""Claude Code's structured log as a person reads it: one line per message, tool call and
result (of a headless stream-json, a transcript or the hook lines), and the tool calls a
headless run refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cc_orchestrator.domain.observations import Denial
from cc_orchestrator.domain.plural import count
from cc_orchestrator.logs import redact_text

RESULT_EXCERPT = 200  # characters of a tool's output shown in the log
ERROR_MAX = 4000  # an error is shown whole, up to this


def render_log_line(line: str) -> str | None:
    """One stream-json / transcript / hook line as a readable log line (None to skip)."""
    try:
        obj = json.loads(line)
    except ValueError:
        return line.strip() or None
    if not isinstance(obj, dict):
        return None
    if "cco_ts" in obj and isinstance(obj.get("event"), dict):
        event = obj["event"]
        name = event.get("hook_event_name", "?")
        detail = event.get("tool_name") or event.get("prompt") or event.get("message") or ""
        return f"[{name}] {str(detail)[:300]}".rstrip()
    kind = obj.get("type")
    if kind == "result":
        text = (
            f"[result] {'error' if obj.get('is_error') else 'ok'} turns={obj.get('num_turns')}"
            f" cost=${float(obj.get('total_cost_usd') or 0):.4f}"
        )
        denials = denials_of(obj)
        if denials:
            text += f" refused: {redact_text(_summary(denials, limit=5))}"
        return text
    if kind == "system" and obj.get("subtype") == "init":
        return f"[session] {obj.get('session_id')} model={obj.get('model')}"
    if kind == "cost-state":
        return None
    message = obj.get("message")
    if kind in ("assistant", "user") and isinstance(message, dict):
        parts: list[str] = []
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content[:500])
        elif isinstance(content, list):
            for block in content:
                if not isinstance(block, dict):
                    continue
                if block.get("type") == "text":
                    parts.append(str(block.get("text", ""))[:500])
                elif block.get("type") == "tool_use":
                    args = redact_text(json.dumps(block.get("input", {}), ensure_ascii=False))
                    args = args[:200]
                    parts.append(f"→ {block.get('name')} {args}")
                elif block.get("type") == "tool_result":
                    parts.append(_tool_result(block))
        text = " ".join(p for p in parts if p).strip()
        return f"[{kind}] {text}" if text else None
    return None


def _tool_result(block: dict[str, Any]) -> str:
    """`← ok: <the first 200 characters>`, or `← error: <the whole message>`."""
    text = " ".join(_result_text(block.get("content")).split())
    if block.get("is_error"):
        cap, label = ERROR_MAX, "← error"
    else:
        cap, label = RESULT_EXCERPT, "← ok"
    if not text:
        return f"{label} (no output)"
    if len(text) > cap:
        text = text[:cap] + f"… ({len(text) - cap} more characters)"
    return f"{label}: {redact_text(text)}"


def _result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        pieces = []
        for item in content:
            if isinstance(item, dict) and item.get("type") == "text":
                pieces.append(str(item.get("text", "")))
            elif isinstance(item, dict) and item.get("type") == "image":
                pieces.append("[image]")
        return " ".join(pieces)
    return ""


_TAIL_BYTES = 256 * 1024  # a turn's `result` line is the stream's last; it is never this big


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


def _summary(denials: list[Denial], *, limit: int) -> str:
    shown = ", ".join(str(d) for d in denials[:limit])
    more = len(denials) - limit
    return shown + (f" and {count(more, 'more')}" if more > 0 else "")
