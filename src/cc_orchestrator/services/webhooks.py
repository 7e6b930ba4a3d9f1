"""Webhook deliveries in: checked (domain/webhooks.py), stored in the durable inbox and answered
at once; the daemon applies the inbox later, so nothing else happens while the sender waits.

A new delivery is one inbox row and one `webhook.received` event, in one transaction; a
redelivery (a delivery id this source sent before) stores nothing. Neither the body nor the
signature is ever logged.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from cc_orchestrator.domain import events as ev
from cc_orchestrator.domain.errors import CcoError, InvalidInput, NotFound
from cc_orchestrator.domain.links import InboxItem, InboxStatus
from cc_orchestrator.domain.webhooks import GITHUB, JIRA, Delivery, Receipt, read_github
from cc_orchestrator.domain.webhooks_jira import read_jira
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Store

log = get_logger("cco.webhooks")

#: each source's reading of a request: (lower-case headers, raw body, secret) -> Delivery
READERS: dict[str, Callable[[Mapping[str, str], bytes, str | None], Delivery]] = {
    GITHUB: read_github,
    JIRA: read_jira,
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class WebhookService:
    """POST /api/webhooks/<source> (receive) and `cco webhooks list` / GET /api/webhooks."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.clock = clock
        self._listeners: list[Callable[[], None]] = []

    def on_queued(self, listener: Callable[[], None]) -> None:
        """Called after a delivery to apply is stored (the daemon's GitHub loop wakes)."""
        self._listeners.append(listener)

    def receive(
        self, source: str, headers: Mapping[str, str], raw_body: bytes, secret: str | None
    ) -> Receipt:
        """Check and store one delivery; refused with Unauthorized (401), UnsupportedMediaType
        (415) or BadDelivery (400) before anything is stored."""
        reader = READERS.get(source)
        if reader is None:
            raise NotFound(f"no webhook source {source!r}")
        lower = {k.lower(): v for k, v in headers.items()}
        try:
            delivery = reader(lower, raw_body, secret)
        except CcoError as exc:
            # the reason only: never the body, the signature or the secret
            log.warning("webhook.refused", source=source, status=exc.http_status, why=exc.message)
            raise
        now = self.clock()
        with self.store.write() as tx:
            item = tx.add_inbox(
                source=delivery.source,
                delivery_id=delivery.delivery_id,
                event=delivery.event,
                action=delivery.action,
                payload=delivery.payload,
                received_at=now,
                status=delivery.status,
            )
            if item is not None:
                tx.append_event(ev.webhook_received(item))
        fields = {"source": source, "kind": delivery.event, "delivery": delivery.delivery_id}
        if item is None:
            log.info("webhook.duplicate", **fields)
            return Receipt("duplicate", delivery.delivery_id, delivery.event)
        queued = item.status is InboxStatus.PENDING
        if queued:
            for listener in self._listeners:
                listener()
        log.info("webhook.received", action=item.action, status=item.status.value, **fields)
        return Receipt("queued" if queued else "ignored", item.delivery_id, item.event, item.id)

    def list(
        self,
        *,
        status: InboxStatus | None = None,
        source: str | None = None,
        limit: int = 100,
    ) -> builtins.list[InboxItem]:
        """The inbox, newest first."""
        if not 1 <= limit <= 1000:
            raise InvalidInput("limit must be between 1 and 1000")
        with self.store.read() as tx:
            return tx.inbox_items(
                source=source,
                statuses=[status] if status else None,
                limit=limit,
                newest_first=True,
            )


__all__ = ["READERS", "WebhookService"]
