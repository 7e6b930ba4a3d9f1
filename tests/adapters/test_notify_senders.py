"""Every sender against its strict fake service on 127.0.0.1 (tests/support/receivers*.py).

For each: a plain message, one past every limit and a 60-item digest are accepted (the
receiver checks the service's documented rules); 500 is RetryLater, 429 with Retry-After: 7
is RetryLater(after_s=7), a 4xx is Refused with the service's own error, a receiver down or
too slow is RetryLater; no reason holds a secret (the URL's path token, the HMAC key, the
token, the password).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from cc_orchestrator import __version__
from cc_orchestrator.adapters.notify import make_sender
from cc_orchestrator.config_notify import ChannelConfig
from cc_orchestrator.domain.notices import Message
from cc_orchestrator.domain.outbox import Refused, RetryLater, SendResult, Sent
from cc_orchestrator.ports import Sender
from tests.adapters.notify_messages import KEY, digest, huge, many_fields, plain
from tests.support.receivers import (
    DiscordReceiver,
    HttpReceiver,
    NtfyReceiver,
    SlackReceiver,
    WebhookReceiver,
)

TIMEOUT_S = 1.0
NTFY_TOKEN = "tk_" + "s3cr3tt0k3n" * 3


@dataclass
class Service:
    kind: str
    receiver: HttpReceiver
    sender: Sender
    secrets: list[str]


def _channel(kind: str, receiver: HttpReceiver) -> ChannelConfig:
    extra: dict[str, Any] = {}
    if isinstance(receiver, WebhookReceiver):
        extra["secret"] = SecretStr(receiver.key)
    if isinstance(receiver, NtfyReceiver) and receiver.token:
        extra["token"] = SecretStr(receiver.token)
    return ChannelConfig(name=kind, type=kind, url=SecretStr(receiver.url), **extra)  # type: ignore[arg-type]


def _receiver(kind: str) -> HttpReceiver:
    if kind == "slack":
        return SlackReceiver()
    if kind == "discord":
        return DiscordReceiver()
    if kind == "webhook":
        return WebhookReceiver()
    return NtfyReceiver(token=NTFY_TOKEN)


@pytest.fixture(params=["slack", "discord", "webhook", "ntfy"])
def service(request: pytest.FixtureRequest) -> Iterator[Service]:
    kind: str = request.param
    with _receiver(kind) as receiver:
        sender = make_sender(_channel(kind, receiver), timeout_s=TIMEOUT_S)
        secrets = [receiver.secret]
        if isinstance(receiver, WebhookReceiver):
            secrets.append(receiver.key)
        if isinstance(receiver, NtfyReceiver):
            secrets.append(NTFY_TOKEN)
        try:
            yield Service(kind, receiver, sender, secrets)
        finally:
            sender.close()


def _send(service: Service, message: Message, delivery_id: int = 42) -> SendResult:
    result = service.sender.send(message, delivery_id=delivery_id, dedupe_key=KEY)
    said = getattr(result, "reason", "") + getattr(result, "detail", "")
    for secret in service.secrets:
        assert secret not in said, f"{service.kind}: a secret in {result!r}"
    return result


@pytest.mark.parametrize(
    "message",
    [plain(), huge(), digest(60), many_fields(40)],
    ids=["plain", "huge", "digest", "fields"],
)
def test_a_message_at_every_limit_is_accepted(service: Service, message: Message) -> None:
    result = _send(service, message)
    assert isinstance(result, Sent), (result, service.receiver.rejected)
    assert result.detail == "HTTP 200"
    (got,) = service.receiver.received
    assert got.dedupe_key == KEY
    assert not service.receiver.rejected


def test_what_the_services_show(service: Service) -> None:
    assert isinstance(_send(service, plain()), Sent)
    body = service.receiver.received[0].body
    assert service.receiver.received[0].headers["user-agent"] == f"cc-orchestrator/{__version__}"
    if service.kind == "slack":
        assert body["blocks"][0]["text"]["text"] == plain().title
    elif service.kind == "discord":
        assert body["embeds"][0]["title"] == plain().title
        assert not service.receiver.pings  # type: ignore[attr-defined]
    elif service.kind == "webhook":
        assert Message.from_json(body["message"]) == plain()
        assert body["id"] == 42
    else:
        assert body["title"] == plain().title and body["priority"] == 4
        assert body["click"] == plain().link and body["tags"] == ["question"]


def test_a_non_ascii_title_arrives_as_written(service: Service) -> None:
    message = Message(kind="failed", title="Échec: café ☕ «login»", text="ü", at=plain().at)
    assert isinstance(_send(service, message), Sent)
    body = service.receiver.received[0].body
    shown = {
        "slack": lambda: body["blocks"][0]["text"]["text"],
        "discord": lambda: body["embeds"][0]["title"],
        "webhook": lambda: body["message"]["title"],
        "ntfy": lambda: body["title"],
    }[service.kind]()
    assert shown == message.title


def test_500_is_retry_later(service: Service) -> None:
    service.receiver.fail(500)
    result = _send(service, plain())
    assert isinstance(result, RetryLater) and result.after_s is None
    assert result.reason.startswith(f"HTTP 500 from 127.0.0.1:{service.receiver.port}")
    assert not service.receiver.received


def test_429_with_retry_after_is_retry_later_after_that(service: Service) -> None:
    service.receiver.rate_limited(retry_after=7)
    result = _send(service, plain())
    assert result == RetryLater(result.reason, after_s=7.0)  # type: ignore[union-attr]
    assert "HTTP 429" in result.reason  # type: ignore[union-attr]
    assert isinstance(_send(service, plain()), Sent)  # count=1: the next one is taken


def test_429_with_an_http_date(service: Service) -> None:
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    service.receiver.rate_limited(retry_after=when)
    result = _send(service, plain())
    assert isinstance(result, RetryLater) and result.after_s is not None
    assert 25 <= result.after_s <= 31


def test_400_is_refused_with_the_services_error(service: Service) -> None:
    service.receiver.fail(400)
    result = _send(service, plain())
    assert isinstance(result, Refused)
    said = {
        "slack": "rollup_error",
        "discord": "400: Internal Server Error, code 0",
        "webhook": "internal error",
        "ntfy": "",
    }[service.kind]
    assert result.reason.startswith("HTTP 400 from 127.0.0.1") and said in result.reason


def test_a_wrong_address_is_refused_without_its_secret(service: Service) -> None:
    url = service.receiver.url.replace(service.receiver.secret, "Wr0ngSecretPart")
    update: dict[str, Any] = {"url": SecretStr(url)}
    if service.kind == "ntfy":  # any topic is a topic: a wrong token is the wrong address
        update = {"token": SecretStr("tk_Wr0ngSecretPart")}
    channel = _channel(service.kind, service.receiver).model_copy(update=update)
    sender = make_sender(channel, timeout_s=TIMEOUT_S)
    try:
        result = sender.send(plain(), delivery_id=1, dedupe_key=KEY)
    finally:
        sender.close()
    assert isinstance(result, Refused), result
    assert "Wr0ngSecretPart" not in result.reason and service.receiver.secret not in result.reason
    expected = {
        "slack": "HTTP 404 from 127.0.0.1:{port}: no_service",
        "discord": "HTTP 401 from 127.0.0.1:{port}: Invalid Webhook Token, code 50027",
        "webhook": "HTTP 404 from 127.0.0.1:{port}: not found",
        "ntfy": "HTTP 401 from 127.0.0.1:{port}: unauthorized, code 40101",
    }[service.kind]
    assert result.reason.startswith(expected.format(port=service.receiver.port))


def test_down_is_retry_later_then_up_is_sent(service: Service) -> None:
    assert isinstance(_send(service, plain()), Sent)  # a kept-alive connection now exists
    service.receiver.down()
    result = _send(service, plain())
    assert isinstance(result, RetryLater), result
    port = service.receiver.port
    assert result.reason in (
        f"connection refused by 127.0.0.1:{port}",
        f"127.0.0.1:{port} closed the connection (Server disconnected without sending a response.)",
    )
    again = _send(service, plain())
    assert again == RetryLater(f"connection refused by 127.0.0.1:{port}")
    service.receiver.up()
    assert isinstance(_send(service, plain()), Sent)
    assert len(service.receiver.received) == 2


def test_slow_past_the_timeout_is_retry_later(service: Service) -> None:
    service.receiver.slow(TIMEOUT_S + 1.0)
    started = time.monotonic()
    result = _send(service, plain())
    assert time.monotonic() - started < TIMEOUT_S + 0.9
    assert result == RetryLater(f"no answer from 127.0.0.1:{service.receiver.port} within 1 s")


def test_a_redirect_is_not_followed(service: Service) -> None:
    service.receiver.fail(302)
    result = _send(service, plain())
    assert result == Refused(
        f"HTTP 302 from 127.0.0.1:{service.receiver.port}: redirects are not followed; "
        "configure the final address"
    )
    assert len(service.receiver.attempts) == 1


def test_nothing_from_a_task_pings_anyone(service: Service) -> None:
    title = "@everyone @here <!channel> <@U024BE7LH> <@123456789012345678> fixed"
    message = Message(kind="failed", title=title, text=f"because {title}", at=plain().at)
    assert isinstance(_send(service, message), Sent)
    body = service.receiver.received[0].body
    if service.kind == "slack":
        # mrkdwn (the fallback text, sections, context) parses mentions: escaped there; the
        # header is plain_text, which Slack shows as written and never parses
        assert body["blocks"][0]["text"] == {"type": "plain_text", "text": title, "emoji": True}
        shown = json.dumps([body["text"], body["blocks"][1:]])
        assert "<!channel>" not in shown and "<@U024BE7LH>" not in shown
        assert body["blocks"][1]["text"]["text"].startswith("because @everyone @here &lt;!channel")
    elif service.kind == "discord":
        assert body["content"] == title  # shown as written, but with nobody pinged:
        assert body["allowed_mentions"] == {"parse": []}
        assert not service.receiver.pings  # type: ignore[attr-defined]
