"""A generic JSON webhook, signed: for receivers of one's own (docs/notifications.md).

The body is `{"id", "dedupe_key", "kind", "timestamp", "message"}` (the Message as
`Message.to_json()`, uncut: a program reads it, not a person), and the headers say the same
(`X-CCO-Delivery`, `X-CCO-Dedupe-Key`, `X-CCO-Event`, `X-CCO-Timestamp`) with
`X-CCO-Signature-256: sha256=<hex HMAC-SHA256 of the raw body bytes with the channel's
secret>`. The timestamp is inside the signed body, so a receiver that rejects old ones
cannot be fed a replayed delivery with a fresh header.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from cc_orchestrator.adapters.notify.http import Poster
from cc_orchestrator.domain.notices import Message
from cc_orchestrator.domain.outbox import SendResult

SIGNATURE_HEADER = "X-CCO-Signature-256"


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def body_of(message: Message, *, delivery_id: int, dedupe_key: str, timestamp: int) -> bytes:
    data: dict[str, Any] = {
        "id": delivery_id,
        "dedupe_key": dedupe_key,
        "kind": message.kind,
        "timestamp": timestamp,
        "message": message.to_json(),
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookSender:
    def __init__(
        self,
        url: str,
        *,
        secret: str,
        timeout_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret.encode()
        self._clock = clock
        self._poster = Poster(url, timeout_s=timeout_s, secrets=[secret])

    def send(self, message: Message, *, delivery_id: int, dedupe_key: str) -> SendResult:
        timestamp = int(self._clock())
        body = body_of(message, delivery_id=delivery_id, dedupe_key=dedupe_key, timestamp=timestamp)
        headers = {
            "Content-Type": "application/json",
            "X-CCO-Delivery": str(delivery_id),
            "X-CCO-Dedupe-Key": dedupe_key,
            "X-CCO-Timestamp": str(timestamp),
            "X-CCO-Event": message.kind,
            SIGNATURE_HEADER: sign(self._secret, body),
        }
        return self._poster.post(body, headers=headers)

    def close(self) -> None:
        self._poster.close()
