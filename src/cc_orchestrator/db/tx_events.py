"""The event log of a transaction (ports.EventLog), and the fleet's counts (ports.FleetCounts)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select

from cc_orchestrator.db.rows import OnSession, to_event
from cc_orchestrator.db.tables import EventRow, InstanceRow, RepositoryRow, TaskRow
from cc_orchestrator.db.tx_hook import CoreTx
from cc_orchestrator.domain.models import Event, NewEvent
from cc_orchestrator.ports_stats import AgentUse, StatusChange, TaskFacts


class EventTx(OnSession):
    def append_event(self, event: NewEvent) -> Event:
        self.appended = True
        return CoreTx(self.session.connection()).append_event(event)

    def last_event_id(self) -> int:
        return int(self.session.scalar(select(func.max(EventRow.id))) or 0)

    def events(
        self,
        *,
        after_id: int = 0,
        limit: int = 100,
        entity_id: str | None = None,
        entity_types: Collection[str] | None = None,
    ) -> list[Event]:
        query = select(EventRow).where(EventRow.id > after_id).order_by(EventRow.id).limit(limit)
        if entity_id is not None:
            query = query.where(EventRow.entity_id == entity_id)
        if entity_types is not None:
            query = query.where(EventRow.entity_type.in_(list(entity_types)))
        return [to_event(r) for r in self.session.scalars(query)]


class CountTx(OnSession):
    def total_cost(self) -> float:
        return float(self.session.scalar(select(func.sum(InstanceRow.cost_usd))) or 0.0)

    def count_by_status(self, kind: str) -> dict[str, int]:
        """How many tasks or instances are in each status (one grouped query)."""
        table = TaskRow if kind == "task" else InstanceRow
        rows = self.session.execute(select(table.status, func.count()).group_by(table.status))
        return {status: int(count) for status, count in rows}

    # ------------------------------------------------------------------ cco stats
    def stats_tasks(self, since: datetime | None) -> list[TaskFacts]:
        t = TaskRow
        query = (
            select(t.id, t.title, RepositoryRow.path, t.agent, t.status, t.attempts,
                   t.created_at, t.started_at, t.finished_at)
            .outerjoin(RepositoryRow, RepositoryRow.id == t.repo_id)
            .order_by(t.created_at, t.id)
        )  # fmt: skip
        if since is not None:
            query = query.where(t.created_at >= since)
        return [TaskFacts(*row) for row in self.session.execute(query)]

    def stats_usage(self) -> list[AgentUse]:
        i = InstanceRow
        query = (
            select(i.task_id, i.agent, func.sum(i.cost_usd), func.sum(i.input_tokens),
                   func.sum(i.output_tokens), func.sum(i.turns))
            .where(i.task_id.is_not(None))
            .group_by(i.task_id, i.agent)
        )  # fmt: skip
        return [
            AgentUse(str(task), str(agent), float(cost or 0), int(tin or 0), int(tout or 0),
                     int(turns or 0))
            for task, agent, cost, tin, tout, turns in self.session.execute(query)
        ]  # fmt: skip

    def stats_changes(self, since: datetime | None) -> list[StatusChange]:
        e = EventRow
        query = select(e.entity_id, e.ts, e.data).where(e.kind == "task.status").order_by(e.id)
        if since is not None:
            query = query.where(e.ts >= since)
        rows = self.session.execute(query)
        return [StatusChange(str(task), ts, dict(data or {})) for task, ts, data in rows]
