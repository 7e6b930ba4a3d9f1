"""The Claude Code adapter's cursor (instances.agent_state): where it is in each file it reads,
and what it already counted from them. Written with the totals it produced, in one
transaction, so a look repeated after a crash counts nothing twice.

    events             bytes of the hook file (events.jsonl) read
    stream             bytes of the headless stream (stream.jsonl) read
    transcript         bytes of the transcript read, transcript_of: which transcript
    transcript_input   tokens that transcript added up to so far (in, and out below)
    transcript_output
    run_cost           the running cost the current process reported (its status line and
                       cost-state records count from zero in each process)
"""

from __future__ import annotations

from cc_orchestrator.domain.observations import AgentState


def offset(state: AgentState, key: str) -> int:
    value = state.get(key)
    return int(value) if isinstance(value, int | float) else 0


def number(state: AgentState, key: str) -> float:
    value = state.get(key)
    return float(value) if isinstance(value, int | float) else 0.0
