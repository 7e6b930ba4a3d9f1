"""The outbox's protocols: its rows in a transaction, and a channel's sender (ports.py
re-exports both)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Protocol

from cc_orchestrator.domain.models import Event
from cc_orchestrator.domain.notices import Message
from cc_orchestrator.domain.outbox import Delivery, DeliveryStatus, SendResult


class Sender(Protocol):
    """One notification channel's way of saying a Message to the outside world
    (adapters/notify: Slack, Discord, a signed webhook, ntfy, e-mail)."""

    def send(self, message: Message, *, delivery_id: int, dedupe_key: str) -> SendResult:
        """Never raises for a network or protocol problem: answers RetryLater or Refused,
        whose reason never holds the address's secret parts (path tokens, passwords)."""
        ...

    def close(self) -> None: ...


class OutboxRows(Protocol):
    """The outbox: events not yet taken, and deliveries (db/tx_outbox.py)."""

    def intake(self, limit: int) -> list[Event]: ...
    def taken(self, event_ids: Collection[int]) -> None: ...
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
    ) -> Delivery: ...
    def delivery(self, delivery_id: int) -> Delivery | None: ...
    def deliveries(
        self,
        *,
        statuses: Collection[DeliveryStatus] | None = None,
        channel: str | None = None,
        ids: Collection[int] | None = None,
        limit: int = 100,
        newest_first: bool = True,
    ) -> list[Delivery]: ...
    def delivery_counts(self) -> dict[tuple[str, str], int]: ...
    def said_lately(self, *, channel: str, entity_id: str, kind: str, since: datetime) -> bool: ...
    def heads(self) -> list[Delivery]: ...
    def queue(self, channel: str, *, limit: int) -> list[Delivery]: ...
    def claim(
        self, delivery_id: int, *, now: datetime, lease_until: datetime
    ) -> Delivery | None: ...
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
    ) -> None: ...
    def release_leases(self) -> None: ...
