"""What the webhooks API answers: a delivery's receipt, and the inbox as listed (never the
payload: the daemon reads it, a listing does not need it)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from cc_orchestrator.domain.links import InboxItem, InboxStatus
from cc_orchestrator.domain.webhooks import Receipt
from cc_orchestrator.logs import redact_text


class ReceiptOut(BaseModel):
    """queued: stored for the daemon to apply; ignored: stored, an event cco does not apply
    (ping...); duplicate: this delivery id was received before, nothing was stored again."""

    status: Literal["queued", "ignored", "duplicate"]
    delivery: str

    @classmethod
    def from_domain(cls, r: Receipt) -> ReceiptOut:
        return cls(status=r.status, delivery=r.delivery)


class InboxItemOut(BaseModel):
    """A webhook delivery in the inbox, and how applying it went."""

    id: int
    source: str
    delivery_id: str
    event: str
    action: str | None
    status: InboxStatus
    received_at: datetime
    processed_at: datetime | None
    error: str | None

    @classmethod
    def from_domain(cls, i: InboxItem) -> InboxItemOut:
        return cls(
            id=i.id,
            source=i.source,
            delivery_id=i.delivery_id,
            event=i.event,
            action=i.action,
            status=i.status,
            received_at=i.received_at,
            processed_at=i.processed_at,
            error=redact_text(i.error) if i.error else None,
        )
