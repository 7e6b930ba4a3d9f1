"""Discord webhooks: a Message as one embed.

Limits as Discord documents them (Execute Webhook, Embed Limits): content at most 2000
characters; at most 10 embeds; an embed's title at most 256, description 4096, at most 25
fields (name 256, value 1024, neither empty), footer text 2048; all the embeds' title,
description, field names and values, footer and author together at most 6000. Posted with
`?wait=true`, so a 2xx means Discord stored the message (not merely queued it), and with
`allowed_mentions: {"parse": []}`, so an `@everyone` in a task's title pings nobody. The
dedupe key is the embed's footer, "cco · KEY".
"""

from __future__ import annotations

import json
from typing import Any

from cc_orchestrator.adapters.notify.http import Poster
from cc_orchestrator.domain.notices import DIGEST, FAILED, NEEDS_INPUT, REVIEW, Message, clip
from cc_orchestrator.domain.outbox import SendResult

CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
URL_MAX = 2048
DIGEST_ITEM_MAX = 300  # each member of a digest: the start of its text

COLORS = {NEEDS_INPUT: 0xF1C40F, FAILED: 0xE74C3C, REVIEW: 0x2ECC71}
DEFAULT_COLOR = 0x3498DB


def _link(link: str | None) -> str | None:
    if not link or len(link) > URL_MAX or not link.startswith(("http://", "https://")):
        return None
    return link if not any(c.isspace() for c in link) else None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fields(pairs: list[tuple[str, str]], budget: int) -> tuple[list[dict[str, Any]], int]:
    """Fields from pairs within FIELDS_MAX and budget characters; the last one says how many
    did not fit ("…and N more"). Answers the fields and the characters they use."""
    out: list[dict[str, Any]] = []
    used = 0
    reserve = 40  # room kept for the "…and N more" field
    for i, (name, value) in enumerate(pairs):
        left = len(pairs) - i
        last_slot = len(out) == FIELDS_MAX - 1
        if last_slot and left > 1:
            break
        name = clip(_one_line(name) or "-", FIELD_NAME_MAX)
        room = budget - used - len(name) - (reserve if left > 1 else 0)
        if room < 20:
            break
        value = clip(value.strip() or "-", min(FIELD_VALUE_MAX, room))
        out.append({"name": name, "value": value, "inline": len(value) <= 40})
        used += len(name) + len(value)
    more = len(pairs) - len(out)
    if more:
        value = f"and {more} more"
        out.append({"name": "…", "value": value, "inline": False})
        used += 1 + len(value)
    return out, used


def embed(message: Message, dedupe_key: str) -> dict[str, Any]:
    title = clip(_one_line(message.title) or "cco", TITLE_MAX)
    footer = clip(f"cco · {dedupe_key}", FOOTER_MAX)
    budget = EMBED_TOTAL_MAX - len(title) - len(footer)
    out: dict[str, Any] = {"title": title, "color": COLORS.get(message.kind, DEFAULT_COLOR)}
    if message.kind == DIGEST:
        description = ""
        pairs = [(item.title, _one_line(item.text)[:DIGEST_ITEM_MAX]) for item in message.items]
    else:
        description = message.text.strip()
        pairs = list(message.fields)
        named = {name for name, _ in pairs}
        where = " · ".join(p for p in (message.repo, message.task_id) if p)
        if where and "Task" not in named:  # the message's own fields name it already
            pairs.append(("Task", where))
    if description:
        # the text first (at most 4096 of the 6000); the fields get what is left
        description = clip(description, DESCRIPTION_MAX)
        out["description"] = description
        budget -= len(description)
    if pairs:
        fields, _used = _fields(pairs, budget)
        out["fields"] = fields
    link = _link(message.link)
    if link:
        out["url"] = link
    out["footer"] = {"text": footer}
    if message.at:
        out["timestamp"] = message.at
    return out


def embed_chars(data: dict[str, Any]) -> int:
    """The characters Discord counts against the 6000 of a message's embeds."""
    total = len(data.get("title", "")) + len(data.get("description", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in data.get("fields", []))
    total += len(data.get("footer", {}).get("text", ""))
    return total + len(data.get("author", {}).get("name", ""))


def render(message: Message, dedupe_key: str) -> dict[str, Any]:
    return {
        "content": clip(_one_line(message.title), CONTENT_MAX),
        "embeds": [embed(message, dedupe_key)],
        "allowed_mentions": {"parse": []},
    }


class DiscordSender:
    def __init__(self, url: str, *, timeout_s: float) -> None:
        self._poster = Poster(url, timeout_s=timeout_s)

    def send(self, message: Message, *, delivery_id: int, dedupe_key: str) -> SendResult:
        body = json.dumps(render(message, dedupe_key), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        return self._poster.post(body, headers=headers, params={"wait": "true"})

    def close(self) -> None:
        self._poster.close()
