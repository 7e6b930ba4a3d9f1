"""What the per-entity parts of a transaction share: the session, tables, row-to-record
conversions, and the check of typed updates (domain/updates.py) into column values."""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from cc_orchestrator.db.tables import EventRow, InstanceRow, OutboxIntakeRow, RepositoryRow
from cc_orchestrator.domain.models import Event, Instance, InstanceStatus, Repository

INSTANCES = cast(Table, InstanceRow.__table__)
EVENTS = cast(Table, EventRow.__table__)
OUTBOX_INTAKE = cast(Table, OutboxIntakeRow.__table__)
TERMINAL = {InstanceStatus.EXITED.value, InstanceStatus.FAILED.value, InstanceStatus.STOPPED.value}
INSTANCE_FIELDS = tuple(f.name for f in fields(Instance))
CHUNK = 500  # ids per IN (...): stay under SQL parameter limits


class OnSession:
    """The base of every part of SqlTx: one SQLAlchemy session, and whether events were
    appended in it (the store tells its listeners after the commit)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.appended = False


def columns(values: Mapping[str, Any], allowed: Collection[str]) -> dict[str, Any]:
    """An update's column values: every key one of the allowed fields, enums as their value.

    AttributeError names a field that is not there (a caller that mypy does not check)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in allowed:
            raise AttributeError(key)
        out[key] = value.value if isinstance(value, enum.Enum) else value
    return out


def chunks(ids: Collection[str]) -> list[list[str]]:
    wanted = list(ids)
    return [wanted[start : start + CHUNK] for start in range(0, len(wanted), CHUNK)]


def to_repo(row: RepositoryRow) -> Repository:
    return Repository(id=row.id, path=Path(row.path), name=row.name, created_at=row.created_at)


def to_instance(row: Any) -> Instance:
    """From an ORM row or a Core row of the instances table."""
    values = {name: getattr(row, name) for name in INSTANCE_FIELDS}
    values["status"] = InstanceStatus(row.status)
    return Instance(**values)


def to_event(row: EventRow) -> Event:
    return Event(
        id=row.id,
        ts=row.ts,
        kind=row.kind,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        data=dict(row.data or {}),
    )
