"""Turns, tokens and cost from Claude Code's own records: the headless stream-json (`init` and
`result` events), the interactive transcript (each assistant message's usage) and the running
totals of the current process (its status line input, and the `cost-state` record it writes
as it exits)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cc_orchestrator.adapters.claude import cursor
from cc_orchestrator.domain.instance_status import Change
from cc_orchestrator.domain.models import InstanceStatus as S
from cc_orchestrator.domain.observations import Observation, TurnResult
from cc_orchestrator.lines import read_lines, stamp
from cc_orchestrator.ports import InstanceFiles

_ONLY_STARTING = frozenset({S.STARTING})


def _tokens_in(usage: dict[str, Any]) -> int:
    return int(
        (usage.get("input_tokens") or 0)
        + (usage.get("cache_creation_input_tokens") or 0)
        + (usage.get("cache_read_input_tokens") or 0)
    )


def read_stream(files: InstanceFiles, state: dict[str, Any]) -> list[Observation]:
    """A headless run's stream-json since the cursor: its session, start and results."""
    lines, end = read_lines(files.stream, cursor.offset(state, "stream"))
    found: list[Observation] = []
    for line in lines:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        session = str(obj["session_id"]) if obj.get("session_id") else None
        if obj.get("type") == "system" and obj.get("subtype") == "init":
            started = Change(S.WORKING, "headless run started")
            found.append(Observation(change=started, only_from=_ONLY_STARTING, session_id=session))
        elif obj.get("type") == "result":
            found.append(_result(obj, session))
    state["stream"] = end
    return found


def _result(obj: dict[str, Any], session: str | None) -> Observation:
    usage = obj.get("usage") or {}
    if obj.get("is_error"):
        why = obj.get("terminal_reason") or obj.get("subtype") or "error"
        detail = str(obj.get("result") or "")[:200]
        change = Change(S.FAILED, f"the agent failed ({why})" + (f": {detail}" if detail else ""))
    else:
        change = Change(S.IDLE, "turn finished")
    turns, cost, subtype = obj.get("num_turns"), obj.get("total_cost_usd"), obj.get("subtype")
    result = TurnResult(
        is_error=bool(obj.get("is_error")),
        num_turns=int(turns) if isinstance(turns, int | float) else None,
        cost_usd=float(cost) if isinstance(cost, int | float) else None,
        subtype=str(subtype) if subtype is not None else None,
    )
    return Observation(
        change=change,
        session_id=session,
        turns=int(obj.get("num_turns") or 0),
        input_tokens=_tokens_in(usage),
        output_tokens=int(usage.get("output_tokens") or 0),
        cost_usd=float(obj.get("total_cost_usd") or 0.0),
        result=result,
    )


def status_cost(path: Path) -> float | None:
    """The running cost of the agent's current process, from its status line input."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return float(data["cost"]["total_cost_usd"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_transcript(
    path: Path, files: InstanceFiles, state: dict[str, Any], memo: dict[str, Any]
) -> list[Observation]:
    """Tokens from the transcript; cost from the live status file (or cost-state records).

    memo: this process's memory of the last read (lost on restart: it only saves work)."""
    same = state.get("transcript_of") == str(path)
    start = cursor.offset(state, "transcript") if same else 0
    counted_in = cursor.offset(state, "transcript_input")
    counted_out = cursor.offset(state, "transcript_output")
    run_cost = cursor.number(state, "run_cost")
    key = (str(path), start, counted_in, run_cost, stamp(path), stamp(files.status))
    if memo.get("transcript") == key:
        return []  # neither file changed since the last look: nothing new to read
    lines, end = read_lines(path, start)
    # A new transcript (a resumed session's) holds the whole conversation: counted afresh.
    tokens_in, tokens_out = (counted_in, counted_out) if same else (0, 0)
    process_cost: float | None = None
    seen: set[str] = set()
    for line in lines:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        if obj.get("type") == "cost-state" and obj.get("totalCostUSD") is not None:
            process_cost = float(obj["totalCostUSD"])
        message = obj.get("message")
        if obj.get("type") == "assistant" and isinstance(message, dict):
            # One API message can span several records (one per content block).
            msg_id = str(message.get("id") or "")
            if msg_id and msg_id in seen:
                continue
            seen.add(msg_id)
            usage = message.get("usage") or {}
            tokens_in += _tokens_in(usage)
            tokens_out += int(usage.get("output_tokens") or 0)
    found: list[Observation] = []
    if lines:
        found.append(
            Observation(input_tokens=tokens_in - counted_in, output_tokens=tokens_out - counted_out)
        )
        state.update(
            transcript=end,
            transcript_of=str(path),
            transcript_input=tokens_in,
            transcript_output=tokens_out,
        )
    # Both are running totals of the current process: the status line's (live) and the
    # cost-state record the agent writes as it exits; the larger is the newer.
    known = [c for c in (status_cost(files.status), process_cost) if c is not None]
    if known and round(max(known) - run_cost, 6) != 0:
        found.append(Observation(cost_usd=max(known) - run_cost))
        state["run_cost"] = max(known)
    memo["transcript"] = (
        str(path),
        cursor.offset(state, "transcript") if lines else start,
        cursor.offset(state, "transcript_input"),
        cursor.number(state, "run_cost"),
        *key[4:],
    )
    return found
