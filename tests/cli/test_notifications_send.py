"""`cco notifications test` and POST /api/notifications/test against real receivers on
127.0.0.1: sent now, through the outbox (recorded), each channel's outcome, exit 1 when one was
not sent, and never the address's secret in what is printed or answered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.outbox import DeliveryStatus
from tests.conftest import Cco
from tests.support.deliveries import write_channels
from tests.support.receivers import NtfyReceiver, WebhookReceiver
from tests.web.conftest import api_client

D = DeliveryStatus


def channels(hook: WebhookReceiver, phone: NtfyReceiver) -> None:
    write_channels(
        [
            {"name": "hook", "type": "webhook", "url": hook.url, "secret": hook.key},
            {"name": "phone", "type": "ntfy", "url": phone.url},
        ]
    )


def hidden(text: str, *receivers: WebhookReceiver | NtfyReceiver) -> None:
    for r in receivers:
        assert r.secret not in text
    assert "/hooks/cco/" not in text


def test_the_cli_sends_a_test_to_each_channel(
    cco: Cco, webhook_receiver: WebhookReceiver, ntfy_receiver: NtfyReceiver
) -> None:
    channels(webhook_receiver, ntfy_receiver)
    out = cco("notifications", "test").output
    assert out.splitlines() == ["hook: sent", "phone: sent"]
    (hook,) = webhook_receiver.wait_for(1)
    assert hook.headers["x-cco-event"] == "test"
    assert hook.body["message"]["title"] == "cc-orchestrator test message"
    (phone,) = ntfy_receiver.wait_for(1)
    assert "the channel phone works" in phone.body["message"]
    recorded = json.loads(cco("notifications", "list", "--json").output)
    assert [(d["channel"], d["kind"], d["status"]) for d in recorded] == [
        ("phone", "test", "sent"),
        ("hook", "test", "sent"),
    ]
    assert hook.dedupe_key == recorded[1]["dedupe_key"]

    webhook_receiver.fail(status=404)  # permanent: refused for good
    ntfy_receiver.down()  # nothing listens: retried later by the daemon
    result = cco("notifications", "test", ok=False)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()  # the log's warnings are on stderr
    assert lines[0].startswith("hook: not sent: HTTP 404"), lines
    assert lines[1].startswith("phone: not sent yet: "), lines
    assert "(the daemon tries again)" in lines[1]
    hidden(result.output, webhook_receiver, ntfy_receiver)

    data = json.loads(cco("notifications", "test", "--channel", "hook", "--json", ok=False).stdout)
    assert len(data) == 1 and data[0]["channel"] == "hook" and data[0]["sent"] is False
    assert data[0]["status"] == "failed" and data[0]["reason"].startswith("HTTP 404")
    webhook_receiver.ok()
    assert cco("notifications", "test", "--channel", "hook").stdout == "hook: sent\n"


@pytest.fixture
def notified(
    fake_claude: Path, webhook_receiver: WebhookReceiver, ntfy_receiver: NtfyReceiver
) -> Iterator[App]:
    channels(webhook_receiver, ntfy_receiver)
    app = build_app(log_to_file=False)
    yield app
    app.close()


def test_the_api_sends_a_test(
    notified: App, webhook_receiver: WebhookReceiver, ntfy_receiver: NtfyReceiver
) -> None:
    client = api_client(notified)
    r = client.post("/api/notifications/test", json={"channel": "hook"})
    assert r.status_code == 200, r.text
    (one,) = r.json()
    assert one["channel"] == "hook" and one["sent"] is True and one["reason"] is None
    assert one["delivery"]["status"] == "sent" and one["delivery"]["kind"] == "test"
    assert webhook_receiver.wait_for(1)[0].dedupe_key == one["delivery"]["dedupe_key"]

    ntfy_receiver.down()
    r = client.post("/api/notifications/test", json={"channel": None})
    assert r.status_code == 200
    by_name = {o["channel"]: o for o in r.json()}
    assert by_name["hook"]["sent"] is True
    assert by_name["phone"]["sent"] is False
    assert by_name["phone"]["delivery"]["status"] == "pending"
    assert "127.0.0.1" in by_name["phone"]["reason"]
    hidden(r.text, webhook_receiver, ntfy_receiver)
    assert len(notified.notifications.deliveries(status=D.SENT)) == 2
