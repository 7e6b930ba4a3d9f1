"""Codex's rollout file (`$CODEX_HOME/sessions/Y/M/D/rollout-<time>-<session id>.jsonl`).

One JSON object a line, `{"timestamp", "type", "payload"}`. What cco reads from it:

* `event_msg` / `token_count`: `info.total_token_usage` is the session's running total
  (`input_tokens`, `cached_input_tokens`, `output_tokens`, `reasoning_output_tokens`,
  `total_tokens`). Codex reports tokens only, no price: cco records no cost for Codex.
* `event_msg` / `task_complete` (a turn ended) and `turn_aborted` (the user cancelled an
  approval or interrupted: no Stop hook fires then).
* `event_msg` / `task_started`: a turn began.

A resumed session appends to the same file, so its totals keep counting from where they were.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RolloutLook:
    input_tokens: int | None = None  # the running totals, when a token_count was seen
    output_tokens: int | None = None
    cached_tokens: int | None = None
    last_turn: str | None = None  # "started", "complete" or "aborted": the newest turn event
    last_turn_id: str | None = None  # the turn that event is about
    offset: int = 0  # bytes read (whole lines only)


_TURN = {"task_started": "started", "task_complete": "complete", "turn_aborted": "aborted"}


def read(path: Path, offset: int = 0, limit: int = 8 * 1024 * 1024) -> RolloutLook:
    """What the rollout says from offset on (a line still being written is left for later)."""
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            data = fh.read(limit)
    except OSError:
        return RolloutLook(offset=offset)
    end = data.rfind(b"\n") + 1
    found: dict[str, object] = {}
    for raw in data[:end].splitlines():
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(record, dict) or record.get("type") != "event_msg":
            continue
        payload = record.get("payload")
        if not isinstance(payload, dict):
            continue
        kind = payload.get("type")
        if kind in _TURN:
            found["last_turn"] = _TURN[str(kind)]
            found["last_turn_id"] = str(payload.get("turn_id") or "") or None
        if kind == "token_count":
            info = payload.get("info")
            total = info.get("total_token_usage") if isinstance(info, dict) else None
            if isinstance(total, dict):
                found["input_tokens"] = int(total.get("input_tokens") or 0)
                found["output_tokens"] = int(total.get("output_tokens") or 0)
                found["cached_tokens"] = int(total.get("cached_input_tokens") or 0)
    return RolloutLook(offset=offset + end, **found)  # type: ignore[arg-type]
