"""The e-mail sender against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from cc_orchestrator.adapters.notify import make_sender
from cc_orchestrator.adapters.notify.email import EmailSender
from cc_orchestrator.config_notify import ChannelConfig
from cc_orchestrator.domain.notices import Message
from cc_orchestrator.domain.outbox import Refused, RetryLater, SendResult, Sent
from tests.adapters.notify_messages import KEY, digest, huge, plain
from tests.support.receivers import SmtpReceiver

PASSWORD = "p4ssw0rd-S3CRET"
TO = ["me@example.com", "you@example.com"]


def _plain_sender(smtp: SmtpReceiver, timeout_s: float = 2.0) -> EmailSender:
    channel = ChannelConfig(name="mail", url=SecretStr(smtp.url), to=TO, sender="cco@test.lan")
    sender = make_sender(channel, timeout_s=timeout_s)
    assert isinstance(sender, EmailSender)
    return sender


def _no_secret(result: SendResult) -> SendResult:
    said = getattr(result, "reason", "") + getattr(result, "detail", "")
    assert PASSWORD not in said
    return result


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    with SmtpReceiver() as receiver:
        yield receiver


@pytest.mark.parametrize("message", [plain(), huge(), digest(60)], ids=["plain", "huge", "dig"])
def test_a_mail_carries_the_key_in_its_message_id(smtp: SmtpReceiver, message: Message) -> None:
    result = _plain_sender(smtp).send(message, delivery_id=1, dedupe_key=KEY)
    assert result == Sent(f"accepted by 127.0.0.1:{smtp.port}")
    (got,) = smtp.received
    assert got.dedupe_key == KEY
    assert got.body["message_id"] == f"<{KEY}@cc-orchestrator>"
    assert got.body["envelope_to"] == TO and got.body["envelope_from"] == "cco@test.lan"
    assert got.body["text"].endswith(f"cco · {KEY}\n")
    assert len(got.body["subject"]) <= 150
    if len(message.title) <= 150:
        assert got.body["subject"] == message.title
    else:
        assert got.body["subject"] == message.title[:149] + "…"


def test_4xx_is_retry_later_and_5xx_refused(smtp: SmtpReceiver) -> None:
    sender = _plain_sender(smtp)
    smtp.fail(451)
    result = sender.send(plain(), delivery_id=1, dedupe_key=KEY)
    assert isinstance(result, RetryLater)
    assert result.reason == f"SMTP 451 from 127.0.0.1:{smtp.port}: 4.3.0 Transaction failed"
    smtp.fail(554)
    result = sender.send(plain(), delivery_id=1, dedupe_key=KEY)
    assert result == Refused(f"SMTP 554 from 127.0.0.1:{smtp.port}: 5.3.0 Transaction failed")
    smtp.rate_limited(retry_after=7)
    assert isinstance(sender.send(plain(), delivery_id=1, dedupe_key=KEY), RetryLater)
    assert not smtp.received


def test_down_and_slow_are_retry_later(smtp: SmtpReceiver) -> None:
    sender = _plain_sender(smtp, timeout_s=1.0)
    smtp.down()
    result = sender.send(plain(), delivery_id=1, dedupe_key=KEY)
    assert result == RetryLater(f"connection refused by 127.0.0.1:{smtp.port}")
    smtp.up()
    smtp.slow(2.0)
    started = time.monotonic()
    result = sender.send(plain(), delivery_id=1, dedupe_key=KEY)
    assert time.monotonic() - started < 1.9
    assert result == RetryLater(f"no answer from 127.0.0.1:{smtp.port} within 1 s")


def test_a_password_goes_over_starttls() -> None:
    with SmtpReceiver(auth=("cco", PASSWORD), starttls=True) as smtp:
        url = f"smtp://cco:{PASSWORD}@127.0.0.1:{smtp.port}"
        sender = EmailSender(url, to=TO, sender=None, timeout_s=2.0, context=smtp.client_context())
        assert isinstance(_no_secret(sender.send(plain(), delivery_id=1, dedupe_key=KEY)), Sent)
        (got,) = smtp.received
        assert got.body["tls"] is True and got.body["login"] == "cco"
        assert got.body["from"].startswith("cco@")
        wrong = EmailSender(
            url.replace(PASSWORD, "wr0ng-S3CRET"),
            to=TO,
            sender=None,
            timeout_s=2.0,
            context=smtp.client_context(),
        )
        result = wrong.send(plain(), delivery_id=1, dedupe_key=KEY)
        assert isinstance(result, Refused) and result.reason.startswith("SMTP 535 from")
        assert "wr0ng-S3CRET" not in result.reason


def test_starttls_with_an_untrusted_certificate_is_refused() -> None:
    with SmtpReceiver(starttls=True) as smtp:
        result = _plain_sender(smtp).send(plain(), delivery_id=1, dedupe_key=KEY)
        assert isinstance(result, Refused) and "certificate" in result.reason
        assert not smtp.received


def test_no_password_in_the_clear_except_on_loopback() -> None:
    with SmtpReceiver(auth=("cco", PASSWORD), auth_without_tls=True) as smtp:
        url = f"smtp://cco:{PASSWORD}@127.0.0.1:{smtp.port}"
        loopback = EmailSender(url, to=TO, sender=None, timeout_s=2.0)
        assert isinstance(loopback.send(plain(), delivery_id=1, dedupe_key=KEY), Sent)
        assert smtp.received[0].body["tls"] is False
        elsewhere = EmailSender(url, to=TO, sender=None, timeout_s=2.0, clear_on_loopback=False)
        result = _no_secret(elsewhere.send(plain(), delivery_id=2, dedupe_key=KEY))
        assert result == Refused(
            f"127.0.0.1:{smtp.port} offers no TLS (STARTTLS): cco does not send a password "
            "in the clear; use smtps:// or a server that offers STARTTLS"
        )
        assert len(smtp.received) == 1
