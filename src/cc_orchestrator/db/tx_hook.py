"""The monitor's hot path on a bare connection (ports.HookTx): no ORM session at all.

A look at a few hook lines runs as often as agents write; a Session's set-up and unit of work
cost more than its three statements. SqlTx reuses these statements on its own connection.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Unpack

from sqlalchemy import Connection, bindparam, insert, select, update

from cc_orchestrator.db.rows import EVENTS, INSTANCES, OUTBOX_INTAKE, columns, to_instance
from cc_orchestrator.db.tables import utcnow
from cc_orchestrator.domain.models import Event, Instance, InstanceStatus, NewEvent
from cc_orchestrator.domain.updates import INSTANCE_UPDATE_FIELDS, InstanceUpdate

# Built once (building a statement costs as much as running it): instances by id and status,
# an update of some columns of one instance, an event insert.
_INSTANCES_BY_IDS = (
    select(INSTANCES)
    .where(INSTANCES.c.id.in_(bindparam("ids", expanding=True)))
    .where(INSTANCES.c.status.in_(bindparam("statuses", expanding=True)))
    .order_by(INSTANCES.c.created_at, INSTANCES.c.id)
)
_UPDATE_INSTANCE = update(INSTANCES).where(INSTANCES.c.id == bindparam("instance_id_"))
_INSERT_EVENT = insert(EVENTS).returning(EVENTS.c.id)
_INSERT_INTAKE = insert(OUTBOX_INTAKE)


class CoreTx:
    """Implements ports.HookTx on one connection, inside a transaction begun by the store."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.appended = False

    def live_instances(
        self, ids: Collection[str], statuses: Collection[InstanceStatus]
    ) -> list[Instance]:
        """These instances, if in these statuses (at most 500 ids)."""
        params = {"ids": list(ids), "statuses": [s.value for s in statuses]}
        return [to_instance(r) for r in self.conn.execute(_INSTANCES_BY_IDS, params)]

    def set_instance(self, instance_id: str, **values: Unpack[InstanceUpdate]) -> None:
        params = columns(values, INSTANCE_UPDATE_FIELDS)
        self.conn.execute(_UPDATE_INSTANCE, {"instance_id_": instance_id, **params})

    def append_event(self, event: NewEvent) -> Event:
        self.appended = True
        ts = utcnow()
        event_id = self.conn.scalar(
            _INSERT_EVENT,
            {
                "ts": ts,
                "kind": event.kind,
                "entity_type": event.entity_type,
                "entity_id": event.entity_id,
                "data": event.data,
            },
        )
        # the outbox takes every committed event, from this same transaction (services/outbox)
        self.conn.execute(_INSERT_INTAKE, {"event_id": event_id})
        return Event(
            id=int(event_id or 0),
            ts=ts,
            kind=event.kind,
            entity_type=event.entity_type,
            entity_id=event.entity_id,
            data=dict(event.data),
        )
