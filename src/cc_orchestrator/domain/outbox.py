"""The outbox's vocabulary: a delivery (one message for one channel) and what a send answered.

A delivery is recorded before anything is sent (from the committed event that causes it), and
is sent at least once until a receiver takes it; its dedupe key is the same on every attempt,
so a receiver that has seen it can tell a repeat apart. See services/outbox.py.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # to be sent (now, or at next_attempt_at)
    SENT = "sent"  # a receiver took it
    FAILED = "failed"  # refused for good, or not taken before give_up_at: see last_error
    SUPPRESSED = "suppressed"  # burst control: the same task and kind was just said
    DIGESTED = "digested"  # carried inside a digest (digest_of)


@dataclass(frozen=True)
class Delivery:
    id: int
    subscriber: str  # who asked for it: "notifications" (later "github", "jira")
    channel: str
    kind: str
    event_id: int | None
    entity_id: str
    dedupe_key: str
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    give_up_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None = None
    digest_of: int | None = None


def dedupe_key(subscriber: str, channel: str, event_id: int | None, kind: str) -> str:
    return f"cco-{subscriber}-{channel}-{event_id if event_id is not None else 'none'}-{kind}"


def digest_key(subscriber: str, channel: str, first_id: int, last_id: int) -> str:
    return f"cco-{subscriber}-{channel}-digest-{first_id}-{last_id}"


@dataclass(frozen=True)
class Sent:
    detail: str = ""  # e.g. "HTTP 200"


@dataclass(frozen=True)
class RetryLater:
    """Not taken this time (5xx, timeout, connection refused, 429): try again."""

    reason: str
    after_s: float | None = None  # the receiver's own wish (Retry-After)


@dataclass(frozen=True)
class Refused:
    """Refused for good (a 4xx other than 408/429, a bad address): retrying will not help."""

    reason: str


SendResult = Sent | RetryLater | Refused
