"""What `cco stats` reads, in three lean queries (no prompt text, no ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class TaskFacts:
    id: str
    title: str
    repo: str
    agent: str | None
    status: str
    attempts: int
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class AgentUse:
    """One agent's instances of one task, summed."""

    task_id: str
    agent: str
    cost_usd: float
    input_tokens: int
    output_tokens: int
    turns: int


@dataclass(frozen=True)
class StatusChange:
    task_id: str
    ts: datetime
    data: dict[str, Any]


class StatsRows(Protocol):
    def stats_tasks(self, since: datetime | None) -> list[TaskFacts]: ...
    def stats_usage(self) -> list[AgentUse]: ...
    def stats_changes(self, since: datetime | None) -> list[StatusChange]: ...
