"""What an agent adapter saw in its agent's own files, in the words the services understand.

An adapter reads its agent's files (hook lines, a stream, a transcript, a status file) from a
cursor it owns and returns observations; the monitor applies them through the status rules
(domain.instance_status) and stores them with the new cursor in one transaction. Counters are
deltas: the adapter's cursor says what it already counted, so a re-read after a crash (the
cursor and the totals are written together) never counts anything twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cc_orchestrator.domain.instance_status import Change
from cc_orchestrator.domain.models import InstanceStatus
from cc_orchestrator.domain.questions import Question

# The adapter's cursor: JSON it alone reads and writes (instances.agent_state).
AgentState = Mapping[str, Any]
# what a structured log is: hook events, a conversation transcript, a headless run's stream
LogKind = Literal["events", "transcript", "stream"]


@dataclass(frozen=True)
class TurnResult:
    """A turn's end as the agent reported it (a headless run's result): an event of its own."""

    is_error: bool
    num_turns: int | None = None
    cost_usd: float | None = None
    subtype: str | None = None


@dataclass(frozen=True)
class Observation:
    """One thing an agent's files told, in order. Every field is optional.

    change: the status it proposes, applied only if the status machine allows it (and, with
    only_from, only while the instance is in one of those statuses).
    turns, input_tokens, output_tokens, cost_usd: deltas added to the instance's totals.
    """

    change: Change | None = None
    only_from: frozenset[InstanceStatus] | None = None
    session_id: str | None = None
    transcript: str | None = None
    question: Question | None = None
    turns: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    result: TurnResult | None = None

    def applies_from(self, status: InstanceStatus) -> bool:
        return self.only_from is None or status in self.only_from


@dataclass(frozen=True)
class Observed:
    """What one look found, and the adapter's cursor after it (stored with what it produced)."""

    observations: tuple[Observation, ...] = ()
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScreenLook:
    """What an adapter read on an agent's screen: a status, or keys to type (a first-run
    dialog); answered says what the keys decide when they confirm a choice."""

    change: Change | None = None
    keys: tuple[str, ...] = ()
    answered: str | None = None


@dataclass(frozen=True)
class LogSource:
    """Which of an instance's files is its structured log right now, and what it is."""

    path: Path
    kind: LogKind


@dataclass(frozen=True)
class Denial:
    """A tool call the agent refused without asking (headless: nobody to ask)."""

    tool: str
    detail: str  # the command or the file, cut short

    def __str__(self) -> str:
        return f"{self.tool} ({self.detail})" if self.detail else self.tool
