"""Channels with secrets in their addresses, and deliveries recorded straight in the store
(what the outbox records), for the notifications CLI, API and dashboard tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from cc_orchestrator.bootstrap import App
from cc_orchestrator.config import user_config_file
from cc_orchestrator.domain.notices import Message
from cc_orchestrator.domain.outbox import DeliveryStatus

# every secret a channel below holds: none may ever be printed or answered
SECRETS = ("SLACKPATHSECRET", "HOOKPATHSECRET", "QUERYSECRET", "HMACSECRET", "MAILPASSWORD")
CHANNELS: list[dict[str, Any]] = [
    {"name": "team", "url": "https://hooks.slack.com/services/T0/B0/SLACKPATHSECRET"},
    {
        "name": "hook",
        "type": "webhook",
        "url": "https://hooks.example.com/cco/HOOKPATHSECRET?key=QUERYSECRET",
        "secret": "HMACSECRET",
        "events": ["failed", "review"],
        "quiet_hours": "22:00-07:00",
    },
    {
        "name": "mail",
        "url": "smtp://bob:MAILPASSWORD@mail.example.com:587",
        "to": ["a@example.com"],
    },
]
_keys = itertools.count(1)


def write_channels(channels: list[dict[str, Any]] | None = None, **extra: Any) -> Path:
    """The user's config file with these notification channels (default: CHANNELS)."""
    path = user_config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    notifications = {"channels": CHANNELS if channels is None else channels, **extra}
    path.write_text(yaml.safe_dump({"notifications": notifications}))
    return path


def seed(
    app: App,
    status: DeliveryStatus,
    *,
    channel: str = "team",
    title: str = "Fix login (t-1) failed",
    kind: str = "failed",
    error: str | None = None,
    task_id: str | None = "t-1",
) -> int:
    """A delivery as the outbox records it; its id."""
    now = datetime.now(UTC)
    message = Message(kind=kind, title=title, text="detail", at=now.isoformat(), task_id=task_id)
    with app.store.write() as tx:
        d = tx.add_delivery(
            subscriber="notifications",
            channel=channel,
            kind=kind,
            event_id=None,
            entity_id=task_id or "",
            dedupe_key=f"cco-test-{channel}-{next(_keys)}-{now.timestamp()}",
            payload=message.to_json(),
            status=status,
            next_attempt_at=now,
            give_up_at=now + timedelta(hours=1),
            last_error=error,
        )
    return d.id
