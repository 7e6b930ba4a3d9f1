"""Strict fake receivers for every notification channel, for tests and drills.

    from tests.support.receivers import SlackReceiver
    with SlackReceiver() as slack:          # listening on 127.0.0.1, a port of its own
        ...                                 # a channel with url: slack.url sends here
        slack.wait_for(1)                   # -> [Received(kind, dedupe_key, body, headers, at)]
        assert slack.keys() == [...] and not slack.duplicates()

Receivers: SlackReceiver, DiscordReceiver, WebhookReceiver(secret=...), NtfyReceiver(token=...)
and SmtpReceiver(auth=..., starttls=...). Each refuses what its real service refuses (the rules
and their sources: receivers_rules.py, receivers_ntfy.py, receivers_smtp.py), records
`received`, `rejected` and `attempts`, and plays failure modes switched at run time from any
thread: ok(), fail(status), slow(seconds), rate_limited(retry_after, count), flaky(every),
down() / up() (the same port). See receivers_core.py.

Fixtures (tests/conftest.py imports them, so every test may ask for one):
`slack_receiver`, `discord_receiver`, `webhook_receiver`, `ntfy_receiver`, `smtp_receiver`.
A receiver lives in the test process; a daemon in a subprocess reaches it by its url.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.receivers_core import Attempt, Received, Records, Rejected
from tests.support.receivers_http import (
    DiscordReceiver,
    HttpReceiver,
    SlackReceiver,
    WebhookReceiver,
    sign,
)
from tests.support.receivers_ntfy import NtfyReceiver
from tests.support.receivers_smtp import SmtpReceiver

__all__ = [
    "Attempt",
    "DiscordReceiver",
    "HttpReceiver",
    "NtfyReceiver",
    "Received",
    "Records",
    "Rejected",
    "SlackReceiver",
    "SmtpReceiver",
    "WebhookReceiver",
    "discord_receiver",
    "ntfy_receiver",
    "sign",
    "slack_receiver",
    "smtp_receiver",
    "webhook_receiver",
]


@pytest.fixture
def slack_receiver() -> Iterator[SlackReceiver]:
    with SlackReceiver() as receiver:
        yield receiver


@pytest.fixture
def discord_receiver() -> Iterator[DiscordReceiver]:
    with DiscordReceiver() as receiver:
        yield receiver


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def ntfy_receiver() -> Iterator[NtfyReceiver]:
    with NtfyReceiver() as receiver:
        yield receiver


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    with SmtpReceiver() as receiver:
        yield receiver
