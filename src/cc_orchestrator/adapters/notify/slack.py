"""Slack incoming webhooks: a Message as Block Kit.

Limits as Slack documents them (Block Kit reference): at most 50 blocks; a header's plain_text
at most 150 characters; a section's text at most 3000, its fields at most 10 of at most 2000
each; a button's text at most 75 and its url at most 3000; a context at most 10 elements.
Text from a task is escaped (& < >), so a title holding `<!channel>` or `<@U123>` pings nobody.
The dedupe key is in the last block, a context "cco · KEY".
"""

from __future__ import annotations

import json
from typing import Any

from cc_orchestrator.adapters.notify.http import Poster
from cc_orchestrator.domain.notices import DIGEST, Message, clip
from cc_orchestrator.domain.outbox import SendResult

MAX_BLOCKS = 50
HEADER_MAX = 150
SECTION_MAX = 3000
FIELDS_MAX = 10
FIELD_MAX = 2000
FALLBACK_MAX = 3000
BUTTON_MAX = 75
URL_MAX = 3000
DIGEST_ITEM_MAX = 600  # each member of a digest: its title and the start of its text


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: & < > (what makes <!channel> and <@U1> into mentions)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str, limit: int) -> str:
    """text escaped, then cut to limit without leaving half an entity (`&am…`)."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: max(0, limit - 1)]
    amp = cut.rfind("&", max(0, len(cut) - 4))
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def _usable_link(link: str | None) -> str | None:
    if not link or len(link) > URL_MAX or any(c in link for c in "<>| \n"):
        return None
    return link if link.startswith(("http://", "https://")) else None


def _header(title: str) -> dict[str, Any]:
    text = clip(" ".join(title.split()) or "cco", HEADER_MAX)
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _context(message: Message, dedupe_key: str) -> dict[str, Any]:
    where = [part for part in (message.repo, message.task_id) if part]
    elements = [{"type": "mrkdwn", "text": mrkdwn(" · ".join(where), 300)}] if where else []
    elements.append({"type": "mrkdwn", "text": mrkdwn(f"cco · {dedupe_key}", 300)})
    return {"type": "context", "elements": elements}


def _fields(fields: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    shown = list(fields)
    if len(shown) > FIELDS_MAX:
        more = len(shown) - (FIELDS_MAX - 1)
        shown = [*shown[: FIELDS_MAX - 1], ("…", f"and {more} more")]
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": mrkdwn(f"*{k}*\n{v}", FIELD_MAX)} for k, v in shown],
    }


def _button(link: str) -> dict[str, Any]:
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": clip("Open in cco", BUTTON_MAX)},
                "url": link,
            }
        ],
    }


def _item(item: Message) -> dict[str, Any]:
    link = _usable_link(item.link)
    title = mrkdwn(item.title, 200)
    head = f"*<{link}|{title}>*" if link else f"*{title}*"
    body = mrkdwn(" ".join(item.text.split()), DIGEST_ITEM_MAX) if item.text else ""
    return {"type": "section", "text": {"type": "mrkdwn", "text": f"{head}\n{body}".strip()}}


def render(message: Message, dedupe_key: str) -> dict[str, Any]:
    """The webhook's JSON body: a fallback `text` (notifications, old clients) and blocks."""
    text = message.text.strip()
    fallback = f"{message.title}\n{text}" if text else message.title
    blocks: list[dict[str, Any]] = [_header(message.title)]
    link = _usable_link(message.link)
    if message.kind == DIGEST:
        room = MAX_BLOCKS - len(blocks) - 1  # the context at the end
        items = list(message.items)
        if len(items) > room:
            shown, more = items[: room - 1], len(items) - (room - 1)
        else:
            shown, more = items, 0
        blocks.extend(_item(item) for item in shown)
        if more:
            text = f"…and {more} more"
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    else:
        if message.text.strip():
            text = mrkdwn(message.text.strip(), SECTION_MAX)
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
        if message.fields:
            blocks.append(_fields(message.fields))
        if link:
            blocks.append(_button(link))
    blocks.append(_context(message, dedupe_key))
    return {"text": mrkdwn(fallback, FALLBACK_MAX), "blocks": blocks}


class SlackSender:
    def __init__(self, url: str, *, timeout_s: float) -> None:
        self._poster = Poster(url, timeout_s=timeout_s)

    def send(self, message: Message, *, delivery_id: int, dedupe_key: str) -> SendResult:
        body = json.dumps(render(message, dedupe_key), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return self._poster.post(body, headers=headers)

    def close(self) -> None:
        self._poster.close()
