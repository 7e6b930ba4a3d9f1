"""The outbox in a transaction (ports.OutboxRows): events waiting to be taken, deliveries."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update

from cc_orchestrator.db.rows import OnSession, to_event
from cc_orchestrator.db.tables import DeliveryRow, EventRow, OutboxIntakeRow
from cc_orchestrator.domain.models import Event
from cc_orchestrator.domain.outbox import Delivery, DeliveryStatus

P = DeliveryStatus.PENDING.value


def to_delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        subscriber=row.subscriber,
        channel=row.channel,
        kind=row.kind,
        event_id=row.event_id,
        entity_id=row.entity_id,
        dedupe_key=row.dedupe_key,
        payload=dict(row.payload or {}),
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        give_up_at=row.give_up_at,
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
        digest_of=row.digest_of,
    )


class OutboxTx(OnSession):
    # ------------------------------------------------------------------ intake
    def intake(self, limit: int) -> list[Event]:
        """Committed events not yet taken by the outbox, oldest first."""
        query = (
            select(EventRow)
            .join(OutboxIntakeRow, OutboxIntakeRow.event_id == EventRow.id)
            .order_by(EventRow.id)
            .limit(limit)
        )
        return [to_event(r) for r in self.session.scalars(query)]

    def taken(self, event_ids: Collection[int]) -> None:
        ids = list(event_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            self.session.execute(delete(OutboxIntakeRow).where(OutboxIntakeRow.event_id.in_(chunk)))

    # ------------------------------------------------------------------ deliveries
    def add_delivery(
        self,
        *,
        subscriber: str,
        channel: str,
        kind: str,
        event_id: int | None,
        entity_id: str,
        dedupe_key: str,
        payload: Mapping[str, Any],
        status: DeliveryStatus,
        next_attempt_at: datetime,
        give_up_at: datetime,
        last_error: str | None = None,
    ) -> Delivery:
        """Recorded once per dedupe key: a key already there answers the delivery it has."""
        found = self.session.scalar(select(DeliveryRow).where(DeliveryRow.dedupe_key == dedupe_key))
        if found is not None:
            return to_delivery(found)
        row = DeliveryRow(
            subscriber=subscriber,
            channel=channel,
            kind=kind,
            event_id=event_id,
            entity_id=entity_id,
            dedupe_key=dedupe_key,
            payload=dict(payload),
            status=status.value,
            attempts=0,
            next_attempt_at=next_attempt_at,
            give_up_at=give_up_at,
            last_error=last_error,
            created_at=next_attempt_at,
        )
        self.session.add(row)
        self.session.flush()
        return to_delivery(row)

    def delivery(self, delivery_id: int) -> Delivery | None:
        row = self.session.get(DeliveryRow, delivery_id)
        return to_delivery(row) if row else None

    def deliveries(
        self,
        *,
        statuses: Collection[DeliveryStatus] | None = None,
        channel: str | None = None,
        ids: Collection[int] | None = None,
        limit: int = 100,
        newest_first: bool = True,
    ) -> list[Delivery]:
        query = select(DeliveryRow)
        if statuses is not None:
            query = query.where(DeliveryRow.status.in_([s.value for s in statuses]))
        if channel is not None:
            query = query.where(DeliveryRow.channel == channel)
        if ids is not None:
            query = query.where(DeliveryRow.id.in_(list(ids)))
        order = DeliveryRow.id.desc() if newest_first else DeliveryRow.id
        return [to_delivery(r) for r in self.session.scalars(query.order_by(order).limit(limit))]

    def delivery_counts(self) -> dict[tuple[str, str], int]:
        """(channel, status) -> how many."""
        rows = self.session.execute(
            select(DeliveryRow.channel, DeliveryRow.status, func.count()).group_by(
                DeliveryRow.channel, DeliveryRow.status
            )
        )
        return {(channel, status): int(n) for channel, status, n in rows}

    def said_lately(self, *, channel: str, entity_id: str, kind: str, since: datetime) -> bool:
        """Whether this channel was given (or is to be given) this kind for this entity since."""
        query = (
            select(DeliveryRow.id)
            .where(DeliveryRow.channel == channel)
            .where(DeliveryRow.entity_id == entity_id)
            .where(DeliveryRow.kind == kind)
            .where(DeliveryRow.created_at >= since)
            .where(DeliveryRow.status.in_([P, "sent", "digested"]))
            .limit(1)
        )
        return self.session.scalar(query) is not None

    def heads(self) -> list[Delivery]:
        """Each channel's oldest pending delivery (a channel says its messages in order)."""
        first = (
            select(func.min(DeliveryRow.id))
            .where(DeliveryRow.status == P)
            .group_by(DeliveryRow.channel)
            .scalar_subquery()
        )
        query = select(DeliveryRow).where(DeliveryRow.id.in_(first)).order_by(DeliveryRow.id)
        return [to_delivery(r) for r in self.session.scalars(query)]

    def queue(self, channel: str, *, limit: int) -> list[Delivery]:
        """A channel's pending deliveries, oldest first."""
        query = (
            select(DeliveryRow)
            .where(DeliveryRow.channel == channel)
            .where(DeliveryRow.status == P)
            .order_by(DeliveryRow.id)
            .limit(limit)
        )
        return [to_delivery(r) for r in self.session.scalars(query)]

    def claim(self, delivery_id: int, *, now: datetime, lease_until: datetime) -> Delivery | None:
        """This pending delivery for this process alone until lease_until (None: someone
        else holds it, or it is no longer pending); counts the attempt."""
        result = self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id)
            .where(DeliveryRow.status == P)
            .where(or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until < now))
            .values(lease_until=lease_until, attempts=DeliveryRow.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        self.session.expire_all()
        return self.delivery(delivery_id)

    def settle(
        self,
        delivery_id: int,
        *,
        status: DeliveryStatus,
        last_error: str | None = None,
        next_attempt_at: datetime | None = None,
        sent_at: datetime | None = None,
        digest_of: int | None = None,
        give_up_at: datetime | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status.value, "lease_until": None}
        if last_error is not None or status == DeliveryStatus.SENT:
            values["last_error"] = last_error
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        if sent_at is not None:
            values["sent_at"] = sent_at
        if digest_of is not None:
            values["digest_of"] = digest_of
        if give_up_at is not None:
            values["give_up_at"] = give_up_at
        self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    def release_leases(self) -> None:
        """Every lease void (the daemon's start: whoever held one is gone)."""
        self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.status == P)
            .where(DeliveryRow.lease_until.is_not(None))
            .values(lease_until=None)
            .execution_options(synchronize_session=False)
        )
