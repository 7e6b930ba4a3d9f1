"""Instances in a transaction (ports.InstanceRows)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields
from typing import Unpack

from sqlalchemy import func, select

from cc_orchestrator.db.rows import (
    CHUNK,
    INSTANCES,
    TERMINAL,
    OnSession,
    chunks,
    columns,
    to_instance,
)
from cc_orchestrator.db.tables import InstanceRow
from cc_orchestrator.db.tx_hook import CoreTx
from cc_orchestrator.domain.models import Instance, InstanceStatus
from cc_orchestrator.domain.updates import INSTANCE_UPDATE_FIELDS, InstanceUpdate


class InstanceTx(OnSession):
    def add_instance(self, instance: Instance) -> None:
        values = {f.name: getattr(instance, f.name) for f in fields(instance)}
        values["status"] = instance.status.value
        for key in ("created_at", "updated_at", "status_at"):
            if values[key] is None:
                values.pop(key)
        self.session.add(InstanceRow(**values))
        self.session.flush()

    def instance(self, key: str) -> Instance | None:
        """By id, else by name when exactly one instance has it."""
        row = self.session.get(InstanceRow, key)
        if row is None:
            rows = list(self.session.scalars(select(InstanceRow).where(InstanceRow.name == key)))
            live = [r for r in rows if r.status not in TERMINAL]
            row = rows[0] if len(rows) == 1 else live[0] if len(live) == 1 else None
        return to_instance(row) if row else None

    def instances(
        self,
        *,
        statuses: Collection[InstanceStatus] | None = None,
        task_id: str | None = None,
        ids: Collection[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Instance]:
        conn = self.session.connection()
        if ids is not None and statuses is not None and task_id is None and limit is None:
            wanted = list(ids)
            if len(wanted) <= CHUNK:  # the monitor's query, prepared once
                return CoreTx(conn).live_instances(wanted, statuses)
        # Core rows, not ORM objects: the monitor lists the live instances on every pass
        query = select(INSTANCES).order_by(INSTANCES.c.created_at, INSTANCES.c.id)
        if statuses is not None:
            query = query.where(INSTANCES.c.status.in_([s.value for s in statuses]))
        if task_id is not None:
            query = query.where(INSTANCES.c.task_id == task_id)
        if ids is not None:
            rows = [
                row
                for chunk in chunks(ids)
                for row in conn.execute(query.where(INSTANCES.c.id.in_(chunk)))
            ]
            rows.sort(key=lambda r: (r.created_at, r.id))
            end = None if limit is None else offset + limit
            return [to_instance(r) for r in rows[offset:end]]
        if limit is not None:
            query = query.limit(limit).offset(offset)
        return [to_instance(r) for r in conn.execute(query)]

    def update_instance(self, instance_id: str, **values: Unpack[InstanceUpdate]) -> Instance:
        row = self.session.get(InstanceRow, instance_id)
        if row is None:
            raise KeyError(instance_id)
        for key, value in columns(values, INSTANCE_UPDATE_FIELDS).items():
            setattr(row, key, value)
        self.session.flush()
        return to_instance(row)

    def set_instance(self, instance_id: str, **values: Unpack[InstanceUpdate]) -> None:
        """update_instance without loading the row: one UPDATE statement (the monitor's path)."""
        CoreTx(self.session.connection()).set_instance(instance_id, **values)
        loaded = self.session.identity_map.get(self.session.identity_key(InstanceRow, instance_id))
        if loaded is not None:
            self.session.expire(loaded)  # an ORM copy read earlier in this transaction

    def count_instances(self, statuses: Collection[InstanceStatus]) -> int:
        query = (
            select(func.count())
            .select_from(InstanceRow)
            .where(InstanceRow.status.in_([s.value for s in statuses]))
        )
        return int(self.session.scalar(query) or 0)
