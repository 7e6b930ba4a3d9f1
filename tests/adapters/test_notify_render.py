"""The senders' rendering, without a network: each service's limits, escaping, the dedupe key."""

from __future__ import annotations

import dataclasses
import email.header
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from cc_orchestrator.adapters.notify import discord, ntfy, slack, webhook
from cc_orchestrator.adapters.notify import email as mail
from cc_orchestrator.adapters.notify.http import retry_after, scrub, shown_host, url_secrets
from cc_orchestrator.domain.notices import Message
from tests.adapters.notify_messages import KEY, LINK, digest, huge, plain

# --- Slack


def _slack_texts(body: dict[str, Any]) -> list[str]:
    texts = [body["text"]]
    for block in body["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(f["text"] for f in block.get("fields", []))
        texts.extend(e["text"] for e in block.get("elements", []) if isinstance(e.get("text"), str))
    return texts


def test_slack_plain_message_has_header_question_fields_button_and_key() -> None:
    body = slack.render(plain(), KEY)
    types = [b["type"] for b in body["blocks"]]
    assert types == ["header", "section", "section", "actions", "context"]
    assert body["blocks"][0]["text"] == {
        "type": "plain_text",
        "text": "Fix login (t-1a2b) needs your input",
        "emoji": True,
    }
    assert body["blocks"][3]["elements"][0]["url"] == LINK
    assert body["blocks"][-1]["elements"][-1]["text"] == f"cco · {KEY}"


def test_slack_escapes_so_nothing_from_a_task_pings() -> None:
    body = slack.render(plain(), KEY)
    assert "<!channel>" not in json.dumps(body)
    assert "&lt;!channel&gt; &amp; friends" in body["blocks"][1]["text"]["text"]
    assert body["text"].endswith("&lt;!channel&gt; &amp; friends")


def test_slack_mrkdwn_never_cuts_an_entity_in_half() -> None:
    assert slack.mrkdwn("ab<", 4) == "ab…"  # "ab&lt;" cut would leave "ab&"
    assert slack.mrkdwn("a&b", 5) == "a…"
    assert slack.mrkdwn("a<b", 6) == "a&lt;b"


def test_slack_keeps_every_limit_for_a_huge_message() -> None:
    body = slack.render(huge(), KEY)
    blocks = body["blocks"]
    assert len(blocks) <= slack.MAX_BLOCKS
    assert len(blocks[0]["text"]["text"]) == 150
    assert len(body["text"]) <= 3000
    section = blocks[1]["text"]["text"]
    assert 2900 < len(section) <= 3000 and section.endswith("…")
    fields = blocks[2]["fields"]
    assert len(fields) == 10 and all(len(f["text"]) <= 2000 for f in fields)
    assert fields[-1]["text"] == "*…*\nand 31 more"


def test_slack_digest_of_60_fits_50_blocks_and_says_how_many_more() -> None:
    body = slack.render(digest(60), KEY)
    blocks = body["blocks"]
    assert len(blocks) == 50
    assert blocks[-2]["text"]["text"] == "…and 13 more"  # 47 rows for items, 1 of them "more"
    assert sum(1 for b in blocks if b["type"] == "section") == 48
    assert all(len(t) <= 3000 for t in _slack_texts(body))
    assert blocks[1]["text"]["text"].startswith(f"*<{LINK}0|Task 0 (t-0000)")
    small = slack.render(digest(3), KEY)["blocks"]
    assert len(small) == 5 and "more" not in json.dumps(small)


# --- Discord


def test_discord_plain_message_is_one_embed_that_pings_nobody() -> None:
    body = discord.render(plain(), KEY)
    assert body["allowed_mentions"] == {"parse": []}
    (embed,) = body["embeds"]
    assert embed["title"] == "Fix login (t-1a2b) needs your input"
    assert embed["description"] == plain().text
    assert embed["url"] == LINK
    assert embed["footer"] == {"text": f"cco · {KEY}"}
    assert [f["name"] for f in embed["fields"]] == ["Cost", "Branch", "Task"]
    assert embed["timestamp"] == plain().at


def test_discord_names_the_task_once_when_the_message_does() -> None:
    msg = dataclasses.replace(plain(), fields=(("Task", "t-1a2b"), ("Cost", "$0.12")))
    (embed,) = discord.render(msg, KEY)["embeds"]
    assert [f["name"] for f in embed["fields"]] == ["Task", "Cost"]


@pytest.mark.parametrize("message", [huge(), digest(60)], ids=["huge", "digest"])
def test_discord_keeps_every_limit(message: Message) -> None:
    body = discord.render(message, KEY)
    (embed,) = body["embeds"]
    assert len(body["content"]) <= 2000
    assert len(embed["title"]) <= 256
    assert len(embed.get("description", "")) <= 4096
    fields = embed["fields"]
    assert len(fields) <= 25
    assert all(0 < len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024 for f in fields)
    assert discord.embed_chars(embed) <= 6000
    shown = len(fields) - 1
    total = len(message.items) or len(message.fields) + 1  # + the Task field
    assert fields[-1] == {"name": "…", "value": f"and {total - shown} more", "inline": False}


def test_discord_keeps_25_fields_at_most() -> None:
    many = Message(
        kind="review",
        title="t",
        text="",
        at="",
        fields=tuple((f"n{i}", f"v{i}") for i in range(40)),
    )
    fields = discord.render(many, KEY)["embeds"][0]["fields"]
    assert len(fields) == 25
    assert fields[23]["name"] == "n23" and fields[24]["value"] == "and 16 more"


def test_discord_huge_message_keeps_most_of_its_question() -> None:
    embed = discord.render(huge(), KEY)["embeds"][0]
    assert len(embed["description"]) >= 4000


# --- the signed webhook


def test_webhook_body_and_signature_over_the_raw_bytes() -> None:
    body = webhook.body_of(plain(), delivery_id=42, dedupe_key=KEY, timestamp=1_800_000_000)
    data = json.loads(body)
    assert data == {
        "id": 42,
        "dedupe_key": KEY,
        "kind": "needs_input",
        "timestamp": 1_800_000_000,
        "message": plain().to_json(),
    }
    expected = hmac.new(b"k3y", body, hashlib.sha256).hexdigest()
    assert webhook.sign(b"k3y", body) == f"sha256={expected}"
    assert webhook.sign(b"other", body) != f"sha256={expected}"


# --- ntfy


def test_ntfy_headers_priority_tags_click_and_token() -> None:
    headers = ntfy.headers_for(plain(), "tk_secret")
    assert headers["Title"] == "Fix login (t-1a2b) needs your input"
    assert headers["Priority"] == "4" and headers["Tags"] == "question"
    assert headers["Click"] == LINK
    assert headers["Authorization"] == "Bearer tk_secret"
    assert ntfy.headers_for(digest(2), None)["Priority"] == "3"
    assert "Authorization" not in ntfy.headers_for(digest(2), None)


def test_ntfy_non_ascii_title_goes_as_an_rfc2047_word() -> None:
    value = ntfy.headers_for(huge(), None)["Title"]
    assert value.isascii() and value.startswith("=?utf-8?b?")
    decoded = email.header.decode_header(value)[0][0]
    assert isinstance(decoded, bytes)
    assert decoded.decode() == "T" * 249 + "…"


@pytest.mark.parametrize("message", [plain(), huge(), digest(60)], ids=["plain", "huge", "dig"])
def test_ntfy_body_fits_4096_bytes_and_ends_with_the_key(message: Message) -> None:
    body = ntfy.body_text(message, KEY)
    assert len(body.encode()) <= 4096
    assert body.endswith(f"\n\n(cco {KEY})")


def test_ntfy_digest_keeps_whole_lines_and_says_how_many_more() -> None:
    lines = ntfy.body_text(digest(60), KEY).split("\n\n(cco")[0].splitlines()
    assert lines[-1] == f"…and {60 - (len(lines) - 1)} more"
    assert all(line.startswith("• Task") for line in lines[:-1])


# --- e-mail


def test_email_carries_the_key_in_its_message_id() -> None:
    composed = mail.compose(plain(), dedupe_key=KEY, sender="cco@host", to=["a@b.c", "d@e.f"])
    assert composed["Message-ID"] == f"<{KEY}@cc-orchestrator>"
    assert composed["Subject"] == "Fix login (t-1a2b) needs your input"
    assert composed["To"] == "a@b.c, d@e.f"
    text = composed.get_content()
    assert text.startswith(plain().text) and text.endswith(f"cco · {KEY}\n")
    assert LINK in text


def test_email_subject_is_cut_and_loopback_is_known() -> None:
    composed = mail.compose(huge(), dedupe_key=KEY, sender="cco@host", to=["a@b.c"])
    assert len(str(composed["Subject"])) == 150
    assert mail.is_loopback("127.0.0.1") and mail.is_loopback("::1")
    assert mail.is_loopback("localhost")
    assert not mail.is_loopback("smtp.example.com") and not mail.is_loopback("10.0.0.1")


# --- the HTTP answer's parts


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    assert retry_after("7") == 7.0
    assert retry_after(" 1.5 ") == 1.5
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after(later, now=now.timestamp()) == 30.0
    earlier = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert retry_after(earlier, now=now.timestamp()) == 0.0
    assert retry_after("soon") is None and retry_after(None) is None
    assert retry_after("nan") is None


def test_shown_host_and_scrub_never_keep_a_secret() -> None:
    url = "https://user:pa55word@hooks.slack.com:8443/services/T0/B0/XXXXSECRET?token=abc123"
    assert shown_host(url) == "hooks.slack.com:8443"
    assert shown_host("http://[::1]:81/x") == "[::1]:81"
    said = scrub(f"bad {url} and /services/T0/B0/XXXXSECRET and pa55word", url_secrets(url))
    for secret in ("XXXXSECRET", "pa55word", "abc123", "/services"):
        assert secret not in said
    assert scrub("unknown webhook XXXXSECRET", url_secrets(url)) == "unknown webhook …"


# --- the receiver snippet of docs/notifications.md works


def _doc_verify() -> Any:
    text = (Path(__file__).parents[2] / "docs" / "notifications.md").read_text()
    section = text.split("## Verifying a webhook's signature", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.splitlines()) <= 12
    scope: dict[str, Any] = {}
    exec(compile(code, "docs/notifications.md", "exec"), scope)
    return scope["verify"]


def test_the_documented_verification_accepts_ours_and_refuses_the_rest() -> None:
    verify = _doc_verify()
    now = int(time.time())
    body = webhook.body_of(plain(), delivery_id=7, dedupe_key=KEY, timestamp=now)
    signature = webhook.sign(b"k3y", body)
    assert verify(b"k3y", body, signature)["dedupe_key"] == KEY
    with pytest.raises(PermissionError, match="bad signature"):
        verify(b"wrong", body, signature)
    with pytest.raises(PermissionError, match="bad signature"):
        verify(b"k3y", body.replace(b'"id":7', b'"id":8'), signature)
    old = webhook.body_of(plain(), delivery_id=7, dedupe_key=KEY, timestamp=now - 3600)
    with pytest.raises(PermissionError, match="stale timestamp"):
        verify(b"k3y", old, webhook.sign(b"k3y", old))
