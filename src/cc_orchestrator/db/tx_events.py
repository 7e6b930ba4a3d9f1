"""The event log of a transaction (ports.EventLog), and the fleet's counts (ports.FleetCounts)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select

from cc_orchestrator.db.rows import OnSession, to_event
from cc_orchestrator.db.tables import EventRow, InstanceRow, TaskRow
from cc_orchestrator.db.tx_hook import CoreTx
from cc_orchestrator.domain.models import Event, NewEvent


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

    def events_of_kinds(
        self, kinds: Collection[str], *, since: datetime | None = None
    ) -> list[Event]:
        """Every event of these kinds (since a time), oldest first: ix_events_kind_ts."""
        query = select(EventRow).where(EventRow.kind.in_(list(kinds))).order_by(EventRow.id)
        if since is not None:
            query = query.where(EventRow.ts >= since)
        return [to_event(r) for r in self.session.scalars(query)]


class CountTx(OnSession):
    def total_cost(self) -> float:
        return float(self.session.scalar(select(func.sum(InstanceRow.cost_usd))) or 0.0)

    def count_by_status(self, kind: str) -> dict[str, int]:
        """How many tasks or instances are in each status (one grouped query)."""
        table = TaskRow if kind == "task" else InstanceRow
        rows = self.session.execute(select(table.status, func.count()).group_by(table.status))
        return {status: int(count) for status, count in rows}
