"""The fake receivers refuse what their real services refuse, and play their failure modes.

For each rule: a payload at the limit is accepted and one just past it is refused, so a sender
that breaks a limit is caught and a receiver that forgot a rule (or is off by one) fails here.

The receivers' fixtures come from tests/conftest.py (tests/support/receivers.py).
"""

from __future__ import annotations

import copy
import json
import smtplib
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.receivers import (
    DiscordReceiver,
    NtfyReceiver,
    SlackReceiver,
    SmtpReceiver,
    WebhookReceiver,
    sign,
)

JSON = dict[str, Any]
# one client for the module (a new one per request costs an SSL context each); no keep-alive,
# so that no request rides a connection opened to an earlier test's receiver
HTTP = httpx.Client(timeout=5, limits=httpx.Limits(max_keepalive_connections=0))


def text(kind: str, value: str) -> JSON:
    return {"type": kind, "text": value}


def slack_payload(key: str = "cco-n-team-1-failed") -> JSON:
    return {
        "text": "Fix login (t-1a2b) failed",
        "blocks": [
            {"type": "header", "text": text("plain_text", "Fix login (t-1a2b) failed")},
            {"type": "section", "text": text("mrkdwn", "*reason*: tests &lt;failed&gt;")},
            {"type": "section", "fields": [text("mrkdwn", "*Cost*\n$0.12")]},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": text("plain_text", "Open"),
                        "url": "http://127.0.0.1:8765/#/tasks/t-1a2b",
                        "action_id": "open",
                    }
                ],
            },
            {"type": "divider"},
            {"type": "context", "elements": [text("mrkdwn", f"cco · {key}")]},
        ],
    }


def _set(payload: JSON, path: str, value: Any) -> JSON:
    """payload with the item at `path` ("blocks.0.text.text") replaced (or deleted: ...)."""
    out = copy.deepcopy(payload)
    *parents, last = path.split(".")
    node: Any = out
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    index: Any = int(last) if isinstance(node, list) else last
    if value is ...:
        del node[index]
    else:
        node[index] = value
    return out


SLACK_LIMITS: list[tuple[str, str, Any, Any]] = [
    # (what, path, value at the limit (accepted), value past it (refused))
    ("header text", "blocks.0.text.text", "h" * 150, "h" * 151),
    ("section text", "blocks.1.text.text", "s" * 3000, "s" * 3001),
    ("field text", "blocks.2.fields.0.text", "f" * 2000, "f" * 2001),
    ("fields", "blocks.2.fields", [text("mrkdwn", "f")] * 10, [text("mrkdwn", "f")] * 11),
    ("context elements", "blocks.5.elements",
     [text("mrkdwn", "cco · k")] * 10, [text("mrkdwn", "cco · k")] * 11),
    ("button text", "blocks.3.elements.0.text.text", "b" * 75, "b" * 76),
    ("button url", "blocks.3.elements.0.url",
     "https://x.test/" + "u" * 2985, "https://x.test/" + "u" * 2986),
    ("blocks", "blocks", [{"type": "divider"}] * 50, [{"type": "divider"}] * 51),
]  # fmt: skip

SLACK_BROKEN: list[tuple[str, str, Any, str]] = [
    ("header as mrkdwn", "blocks.0.text.type", "mrkdwn", "invalid_blocks"),
    ("empty section text", "blocks.1.text.text", "", "invalid_blocks"),
    ("text object without type", "blocks.1.text", {"text": "x"}, "invalid_blocks"),
    ("unknown block type", "blocks.4.type", "banner", "invalid_blocks"),
    ("unknown property", "blocks.4.colour", "red", "invalid_blocks"),
    ("section without text or fields", "blocks.1.text", ..., "invalid_blocks"),
    ("button url not http", "blocks.3.elements.0.url", "javascript:alert(1)", "invalid_blocks"),
    ("button style", "blocks.3.elements.0.style", "green", "invalid_blocks"),
    ("blocks not a list", "blocks", {"type": "divider"}, "invalid_blocks_format"),
    ("text not a string", "text", 12, "invalid_payload"),
]


def test_slack_accepts_a_minimal_and_a_full_message(slack_receiver: SlackReceiver) -> None:
    minimal = HTTP.post(slack_receiver.url, json={"text": "hello"})
    full = HTTP.post(slack_receiver.url, json=slack_payload("cco-n-team-7-failed"))
    assert (minimal.status_code, minimal.text) == (200, "ok")
    assert (full.status_code, full.text) == (200, "ok")
    assert slack_receiver.keys() == ["", "cco-n-team-7-failed"]
    assert slack_receiver.received[1].body["blocks"][0]["type"] == "header"


@pytest.mark.parametrize(("what", "path", "at_limit", "past_limit"), SLACK_LIMITS)
def test_slack_limits(
    slack_receiver: SlackReceiver, what: str, path: str, at_limit: Any, past_limit: Any
) -> None:
    ok = HTTP.post(slack_receiver.url, json=_set(slack_payload(), path, at_limit))
    assert (ok.status_code, ok.text) == (200, "ok"), slack_receiver.rejected
    refused = HTTP.post(slack_receiver.url, json=_set(slack_payload(), path, past_limit))
    assert (refused.status_code, refused.text) == (400, "invalid_blocks"), what
    assert len(slack_receiver.received) == 1 and len(slack_receiver.rejected) == 1


@pytest.mark.parametrize(("what", "path", "value", "code"), SLACK_BROKEN)
def test_slack_refuses_malformed_blocks(
    slack_receiver: SlackReceiver, what: str, path: str, value: Any, code: str
) -> None:
    answer = HTTP.post(slack_receiver.url, json=_set(slack_payload(), path, value))
    assert (answer.status_code, answer.text) == (400, code), what
    assert not slack_receiver.received and slack_receiver.rejected[0].reason.startswith(code)


def test_slack_refuses_bad_requests_like_slack(slack_receiver: SlackReceiver) -> None:
    url = slack_receiver.url
    no_text = HTTP.post(url, json={"blocks": []})
    not_json = HTTP.post(url, content=b"{text", headers={"Content-Type": "application/json"})
    form_text = HTTP.post(url, content=b'{"text": "x"}', headers={"Content-Type": "text/plain"})
    wrong_path = HTTP.post(slack_receiver.base_url + "/services/T0/B0/nope", json={"text": "x"})
    assert (no_text.status_code, no_text.text) == (400, "no_text")
    assert (not_json.status_code, not_json.text) == (400, "invalid_payload")
    assert (form_text.status_code, form_text.text) == (400, "invalid_payload")
    assert (wrong_path.status_code, wrong_path.text) == (404, "no_service")
    form = HTTP.post(url, data={"payload": json.dumps({"text": "by form"})})
    assert form.status_code == 200 and slack_receiver.received[0].body == {"text": "by form"}


# -- Discord ---------------------------------------------------------------------------------
def discord_payload(key: str = "cco-n-dsc-1-review") -> JSON:
    return {
        "content": "Fix login (t-1a2b) is ready for review",
        "allowed_mentions": {"parse": []},
        "embeds": [
            {
                "title": "Fix login (t-1a2b) is ready for review",
                "description": "3 files changed",
                "url": "http://127.0.0.1:8765/#/tasks/t-1a2b",
                "timestamp": "2026-01-02T03:04:05+00:00",
                "color": 0x2ECC71,
                "fields": [{"name": "Cost", "value": "$0.12", "inline": True}],
                "footer": {"text": f"cco · {key}"},
                "author": {"name": "cc-orchestrator"},
            }
        ],
    }


DISCORD_LIMITS: list[tuple[str, int, int]] = [
    ("content", 2000, 2001),
    ("embeds.0.title", 256, 257),
    ("embeds.0.description", 4096, 4097),
    ("embeds.0.fields.0.name", 256, 257),
    ("embeds.0.fields.0.value", 1024, 1025),
    ("embeds.0.footer.text", 2048, 2049),
    ("embeds.0.author.name", 256, 257),
]


def test_discord_accepts_and_answers_per_wait(discord_receiver: DiscordReceiver) -> None:
    waited = HTTP.post(discord_receiver.url + "?wait=true", json=discord_payload("k-1"))
    unwaited = HTTP.post(discord_receiver.url, json={"content": "hi"})
    assert waited.status_code == 200 and waited.json()["embeds"][0]["footer"]["text"] == "cco · k-1"
    assert unwaited.status_code == 204 and unwaited.content == b""
    assert discord_receiver.keys() == ["k-1", ""] and not discord_receiver.pings


@pytest.mark.parametrize(("path", "at_limit", "past_limit"), DISCORD_LIMITS)
def test_discord_limits(
    discord_receiver: DiscordReceiver, path: str, at_limit: int, past_limit: int
) -> None:
    ok = HTTP.post(discord_receiver.url, json=_set(discord_payload(), path, "x" * at_limit))
    assert ok.status_code == 204, discord_receiver.rejected
    refused = HTTP.post(discord_receiver.url, json=_set(discord_payload(), path, "x" * past_limit))
    assert refused.status_code == 400
    body = refused.json()
    assert (body["code"], body["message"]) == (50035, "Invalid Form Body")
    node = body["errors"]
    for part in path.split("."):
        node = node[part]
    assert node["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"


def test_discord_counts(discord_receiver: DiscordReceiver) -> None:
    url = discord_receiver.url
    field = {"name": "n", "value": "v"}
    embed = discord_payload()["embeds"][0]
    assert HTTP.post(url, json=_set(discord_payload(), "embeds", [embed] * 10)).status_code == 204
    assert HTTP.post(url, json=_set(discord_payload(), "embeds", [embed] * 11)).status_code == 400
    fields_25 = _set(discord_payload(), "embeds.0.fields", [field] * 25)
    fields_26 = _set(discord_payload(), "embeds.0.fields", [field] * 26)
    assert HTTP.post(url, json=fields_25).status_code == 204
    assert HTTP.post(url, json=fields_26).status_code == 400
    assert len(discord_receiver.received) == 2 and len(discord_receiver.rejected) == 2


def test_discord_total_embed_size(discord_receiver: DiscordReceiver) -> None:
    url = discord_receiver.url
    at_limit = [{"description": "d" * 3000}, {"description": "d" * 3000}]
    past_limit = [{"description": "d" * 3000}, {"description": "d" * 3000, "title": "t"}]
    assert HTTP.post(url, json={"embeds": at_limit}).status_code == 204
    refused = HTTP.post(url, json={"embeds": past_limit})
    assert refused.status_code == 400
    assert refused.json()["errors"]["embeds"]["_errors"][0]["code"] == "MAX_EMBED_SIZE_EXCEEDED"


def test_discord_refuses_like_discord(discord_receiver: DiscordReceiver) -> None:
    url = discord_receiver.url
    empty = HTTP.post(url, json={"content": "", "embeds": []})
    bad_url = HTTP.post(url, json=_set(discord_payload(), "embeds.0.url", "not a url"))
    bad_token = HTTP.post(discord_receiver.url.rsplit("/", 1)[0] + "/wrong", json={"content": "x"})
    assert (empty.status_code, empty.json()["code"]) == (400, 50006)
    assert (bad_url.status_code, bad_url.json()["code"]) == (400, 50035)
    assert (bad_token.status_code, bad_token.json()["code"]) == (401, 50027)
    HTTP.post(url, json={"content": "@everyone look"})
    assert len(discord_receiver.pings) == 1
    HTTP.post(url, json={"content": "@everyone look", "allowed_mentions": {"parse": []}})
    assert len(discord_receiver.pings) == 1 and not discord_receiver.received[0].dedupe_key


# -- signed webhook --------------------------------------------------------------------------
def webhook_request(
    key: str, *, delivery: int = 7, stamp: int | None = None, kind: str = "failed"
) -> tuple[bytes, dict[str, str]]:
    stamp = int(time.time()) if stamp is None else stamp
    message = {"kind": kind, "title": "Fix login failed", "text": "tests failed", "at": "2026"}
    body = {"id": delivery, "dedupe_key": "cco-n-hook-1-failed", "kind": kind,
            "timestamp": stamp, "message": message}  # fmt: skip
    raw = json.dumps(body).encode()
    headers = {
        "Content-Type": "application/json",
        "X-CCO-Delivery": str(delivery),
        "X-CCO-Dedupe-Key": "cco-n-hook-1-failed",
        "X-CCO-Timestamp": str(stamp),
        "X-CCO-Event": kind,
        "X-CCO-Signature-256": sign(key, raw),
    }
    return raw, headers


def test_webhook_accepts_a_signed_delivery(webhook_receiver: WebhookReceiver) -> None:
    raw, headers = webhook_request(webhook_receiver.key)
    answer = HTTP.post(webhook_receiver.url, content=raw, headers=headers)
    assert answer.status_code == 200, webhook_receiver.rejected
    assert webhook_receiver.keys() == ["cco-n-hook-1-failed"]
    assert webhook_receiver.received[0].body["message"]["title"] == "Fix login failed"


def test_webhook_refuses_a_wrong_key_or_a_changed_body(webhook_receiver: WebhookReceiver) -> None:
    url = webhook_receiver.url
    raw, headers = webhook_request("not-the-key")
    assert HTTP.post(url, content=raw, headers=headers).status_code == 401
    raw, headers = webhook_request(webhook_receiver.key)
    changed = raw.replace(b"tests failed", b"tests passed")
    assert HTTP.post(url, content=changed, headers=headers).status_code == 401
    assert HTTP.post(url, content=raw, headers=headers).status_code == 200
    assert [r.reason for r in webhook_receiver.rejected] == ["signature mismatch"] * 2


@pytest.mark.parametrize(
    ("change", "status"),
    [
        (lambda raw, h: (raw, {k: v for k, v in h.items() if k != "X-CCO-Delivery"}), 400),
        (lambda raw, h: (raw, {**h, "X-CCO-Signature-256": "md5=abc"}), 401),
        (lambda raw, h: (raw, {**h, "X-CCO-Event": "review"}), 400),
        (lambda raw, h: (raw, {**h, "X-CCO-Dedupe-Key": "other"}), 400),
        (lambda raw, h: (raw, {**h, "Content-Type": "text/plain"}), 415),
    ],
    ids=["no-delivery-header", "malformed-signature", "event-differs", "key-differs", "ctype"],
)
def test_webhook_refuses_inconsistent_requests(
    webhook_receiver: WebhookReceiver,
    change: Callable[[bytes, dict[str, str]], tuple[bytes, dict[str, str]]],
    status: int,
) -> None:
    raw, headers = change(*webhook_request(webhook_receiver.key))
    assert HTTP.post(webhook_receiver.url, content=raw, headers=headers).status_code == status
    assert not webhook_receiver.received


def test_webhook_refuses_an_old_timestamp_and_a_body_that_is_no_message(
    webhook_receiver: WebhookReceiver,
) -> None:
    raw, headers = webhook_request(webhook_receiver.key, stamp=int(time.time()) - 301)
    assert HTTP.post(webhook_receiver.url, content=raw, headers=headers).status_code == 401
    body = json.loads(webhook_request(webhook_receiver.key)[0])
    del body["message"]["title"]
    raw = json.dumps(body).encode()
    headers = {
        **webhook_request(webhook_receiver.key)[1],
        "X-CCO-Timestamp": str(body["timestamp"]),
    }
    headers["X-CCO-Signature-256"] = sign(webhook_receiver.key, raw)
    answer = HTTP.post(webhook_receiver.url, content=raw, headers=headers)
    assert answer.status_code == 400 and "Message" in answer.json()["error"]


# -- ntfy ------------------------------------------------------------------------------------
def test_ntfy_accepts_a_notification(ntfy_receiver: NtfyReceiver) -> None:
    headers = {"Title": "=?UTF-8?B?" + "Rml4IGxvZ2luIOKAlCBmYWlsZWQ=" + "?=", "Priority": "4",
               "Tags": "warning, cco", "Click": "http://127.0.0.1:1/#/tasks/t-1"}  # fmt: skip
    answer = HTTP.post(ntfy_receiver.url, content=b"tests failed\n(cco k-9)\n", headers=headers)
    assert answer.status_code == 200
    assert answer.json()["event"] == "message" and answer.json()["topic"] == ntfy_receiver.secret
    got = ntfy_receiver.received[0]
    assert got.dedupe_key == "k-9"
    assert got.body["title"] == "Fix login — failed" and got.body["priority"] == 4
    assert got.body["tags"] == ["warning", "cco"] and got.body["message"].endswith("(cco k-9)")


def test_ntfy_refuses_like_ntfy(ntfy_receiver: NtfyReceiver) -> None:
    url = ntfy_receiver.url
    at_limit = HTTP.post(url, content=b"x" * 4096)
    too_big = HTTP.post(url, content=b"x" * 4097)
    bad_priority = HTTP.post(url, content=b"x", headers={"Priority": "6"})
    named_priority = HTTP.post(url, content=b"x", headers={"X-Priority": "urgent"})
    bad_topic = HTTP.post(ntfy_receiver.base_url + "/bad.topic", content=b"x")
    assert at_limit.status_code == 200 and named_priority.status_code == 200
    assert (too_big.status_code, too_big.json()["code"]) == (400, 40014)
    assert (bad_priority.status_code, bad_priority.json()["code"]) == (400, 40007)
    assert (bad_topic.status_code, bad_topic.json()["code"]) == (400, 40009)
    assert ntfy_receiver.received[1].body["priority"] == 5


def test_ntfy_with_a_token() -> None:
    with NtfyReceiver(token="tk_secret") as ntfy:
        anonymous = HTTP.post(ntfy.url, content=b"x")
        wrong = HTTP.post(ntfy.url, content=b"x", headers={"Authorization": "Bearer tk_no"})
        right = HTTP.post(ntfy.url, content=b"x", headers={"Authorization": "Bearer tk_secret"})
        assert (anonymous.status_code, anonymous.json()["code"]) == (403, 40301)
        assert (wrong.status_code, wrong.json()["code"]) == (401, 40101)
        assert right.status_code == 200 and len(ntfy.received) == 1


# -- SMTP ------------------------------------------------------------------------------------
MAIL = (
    b"From: cco@host\r\nTo: me@example.test\r\nSubject: Fix login failed\r\n"
    b"Message-ID: <cco-n-mail-3-failed@cc-orchestrator>\r\n\r\ntests failed\r\n"
)


def test_smtp_records_a_message(smtp_receiver: SmtpReceiver) -> None:
    with smtplib.SMTP("127.0.0.1", smtp_receiver.port, timeout=5) as client:
        client.sendmail("cco@host", ["me@example.test"], MAIL)
    got = smtp_receiver.wait_for(1)[0]
    assert got.dedupe_key == "cco-n-mail-3-failed"
    assert got.body["subject"] == "Fix login failed" and got.body["text"] == "tests failed\n"
    assert got.body["envelope_to"] == ["me@example.test"] and got.body["tls"] is False


def test_smtp_refuses_with_4xx_and_5xx(smtp_receiver: SmtpReceiver) -> None:
    for status in (451, 554):
        smtp_receiver.fail(status)
        with (
            smtplib.SMTP("127.0.0.1", smtp_receiver.port, timeout=5) as client,
            pytest.raises(smtplib.SMTPDataError) as refused,
        ):
            client.sendmail("cco@host", ["me@example.test"], MAIL)
        assert refused.value.smtp_code == status
    smtp_receiver.ok()
    with smtplib.SMTP("127.0.0.1", smtp_receiver.port, timeout=5) as client:
        client.sendmail("cco@host", ["me@example.test"], MAIL)
    assert [a.outcome for a in smtp_receiver.attempts] == ["fail", "fail", "accepted"]


def test_smtp_auth_needs_tls_unless_told_otherwise() -> None:
    with (
        SmtpReceiver(auth=("cco", "pw")) as plain,
        smtplib.SMTP("127.0.0.1", plain.port, timeout=5) as client,
    ):
        with pytest.raises(smtplib.SMTPException):
            client.login("cco", "pw")  # AUTH is not offered without TLS
        with pytest.raises(smtplib.SMTPSenderRefused):
            client.sendmail("cco@host", ["me@example.test"], MAIL)  # 530: auth required
    with SmtpReceiver(auth=("cco", "pw"), auth_without_tls=True) as loopback:
        with smtplib.SMTP("127.0.0.1", loopback.port, timeout=5) as client:
            with pytest.raises(smtplib.SMTPAuthenticationError):
                client.login("cco", "wrong")
            client.login("cco", "pw")
            client.sendmail("cco@host", ["me@example.test"], MAIL)
        assert loopback.received[0].body["login"] == "cco"
    with SmtpReceiver(auth=("cco", "pw"), starttls=True) as tls:
        with smtplib.SMTP("127.0.0.1", tls.port, timeout=5) as client:
            client.starttls(context=tls.client_context())
            client.login("cco", "pw")
            client.sendmail("cco@host", ["me@example.test"], MAIL)
        assert tls.received[0].body["tls"] is True


def test_smtp_down_and_up_keep_the_port(smtp_receiver: SmtpReceiver) -> None:
    port = smtp_receiver.port
    smtp_receiver.down()
    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP("127.0.0.1", port, timeout=5)
    smtp_receiver.up()
    assert smtp_receiver.port == port
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.sendmail("cco@host", ["me@example.test"], MAIL)
    assert smtp_receiver.keys() == ["cco-n-mail-3-failed"]


# -- failure modes ---------------------------------------------------------------------------
def test_down_refuses_connections_and_up_reopens_the_same_port(
    slack_receiver: SlackReceiver,
) -> None:
    port = slack_receiver.port
    with httpx.Client() as client:  # keep-alive: down must close the open connection too
        assert client.post(slack_receiver.url, json={"text": "1"}).status_code == 200
        slack_receiver.down()
        with pytest.raises(httpx.TransportError):
            client.post(slack_receiver.url, json={"text": "2"})
        with pytest.raises(httpx.ConnectError):
            httpx.post(slack_receiver.url, json={"text": "3"})
        slack_receiver.up()
        assert slack_receiver.port == port
        assert client.post(slack_receiver.url, json={"text": "4"}).status_code == 200
    assert [r.body["text"] for r in slack_receiver.received] == ["1", "4"]


def test_rate_limited_carries_retry_after_for_k_requests(discord_receiver: DiscordReceiver) -> None:
    discord_receiver.rate_limited(retry_after=2.5, count=2)
    answers = [HTTP.post(discord_receiver.url, json={"content": "x"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 204]
    assert answers[0].headers["Retry-After"] == "3" and answers[0].json()["retry_after"] == 3.0
    discord_receiver.rate_limited(retry_after="Wed, 21 Oct 2015 07:28:00 GMT")
    date = HTTP.post(discord_receiver.url, json={"content": "x"})
    assert date.headers["Retry-After"] == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert len(discord_receiver.received) == 1


def test_fail_and_flaky(ntfy_receiver: NtfyReceiver) -> None:
    ntfy_receiver.fail()
    assert HTTP.post(ntfy_receiver.url, content=b"x").status_code == 500
    ntfy_receiver.flaky(every=3)
    statuses = [HTTP.post(ntfy_receiver.url, content=b"x").status_code for _ in range(6)]
    assert statuses == [200, 200, 500, 200, 200, 500]
    ntfy_receiver.ok()
    assert HTTP.post(ntfy_receiver.url, content=b"x").status_code == 200
    outcomes = [a.outcome for a in ntfy_receiver.attempts]
    assert outcomes.count("fail") == 3 and outcomes.count("accepted") == 5


def test_slow_outlasts_a_timeout_and_a_retry_is_a_duplicate(slack_receiver: SlackReceiver) -> None:
    payload = slack_payload("cco-n-team-9-failed")
    slack_receiver.slow(0.6)
    with pytest.raises(httpx.ReadTimeout):
        HTTP.post(slack_receiver.url, json=payload, timeout=0.2)
    slack_receiver.wait_for(1, timeout=5)  # the service took it all the same
    slack_receiver.ok()
    assert HTTP.post(slack_receiver.url, json=payload).status_code == 200
    assert slack_receiver.duplicates() == ["cco-n-team-9-failed"]


def test_modes_switch_from_other_threads(webhook_receiver: WebhookReceiver) -> None:
    import threading

    switcher = threading.Thread(target=webhook_receiver.fail, args=(503,))
    switcher.start()
    switcher.join()
    raw, headers = webhook_request(webhook_receiver.key)
    assert HTTP.post(webhook_receiver.url, content=raw, headers=headers).status_code == 503
