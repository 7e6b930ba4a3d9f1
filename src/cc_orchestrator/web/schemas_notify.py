"""What the notifications API answers: deliveries, channels, a test's outcome. Never an
address, token or key: a channel shows as its `where` (scheme and host), an error as the
sender's reason (which never holds the address), redacted once more on the way out."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from cc_orchestrator.domain.outbox import Delivery, DeliveryStatus
from cc_orchestrator.logs import redact_text
from cc_orchestrator.services.notifications import ChannelView, TestOutcome


class DeliveryOut(BaseModel):
    """One message for one channel, and how its sending went."""

    id: int
    channel: str
    kind: str  # needs_input, failed, review, over_budget, chain_done, daemon_unhealthy, test...
    status: DeliveryStatus
    title: str
    task_id: str | None
    entity_id: str
    event_id: int | None
    dedupe_key: str  # the same on every attempt: how a receiver tells a repeat apart
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    digest_of: int | None  # the digest that carried it (status digested)

    @classmethod
    def from_domain(cls, d: Delivery) -> DeliveryOut:
        task_id = d.payload.get("task_id")
        return cls(
            id=d.id,
            channel=d.channel,
            kind=d.kind,
            status=d.status,
            title=str(d.payload.get("title", "")),
            task_id=task_id if isinstance(task_id, str) else None,
            entity_id=d.entity_id,
            event_id=d.event_id,
            dedupe_key=d.dedupe_key,
            attempts=d.attempts,
            last_error=redact_text(d.last_error) if d.last_error else None,
            created_at=d.created_at,
            next_attempt_at=d.next_attempt_at,
            sent_at=d.sent_at,
            digest_of=d.digest_of,
        )


class ChannelOut(BaseModel):
    name: str
    type: str
    where: str  # scheme and host only: never the address itself
    events: list[str]
    quiet_hours: str | None
    burst: bool
    counts: dict[str, int]  # deliveries by status

    @classmethod
    def from_domain(cls, c: ChannelView) -> ChannelOut:
        return cls(
            name=c.name,
            type=c.type,
            where=c.where,
            events=list(c.events),
            quiet_hours=c.quiet_hours,
            burst=c.burst,
            counts=dict(c.counts),
        )


class TestOut(BaseModel):
    channel: str
    sent: bool
    reason: str | None  # why it was not sent
    delivery: DeliveryOut

    @classmethod
    def from_domain(cls, o: TestOutcome) -> TestOut:
        out = DeliveryOut.from_domain(o.delivery)
        sent = o.delivery.status == DeliveryStatus.SENT
        return cls(
            channel=o.channel, sent=sent, reason=None if sent else out.last_error, delivery=out
        )


class TestBody(BaseModel):
    model_config = {"extra": "forbid"}

    channel: str | None = Field(
        default=None, max_length=64, description="One channel's name (null: every channel)."
    )
