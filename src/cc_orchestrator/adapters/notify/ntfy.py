"""ntfy (phone push, self-hostable): the Message as a plain-text POST to the topic's URL.

Headers as ntfy documents them (docs.ntfy.sh/publish): `Title`, `Tags` (emoji short codes),
`Priority` (1-5: 4 for a question or a failure, 3 else), `Click` (the task's page), and
`Authorization: Bearer <token>` for a protected topic (a user:password in the URL goes as
Basic auth). A header holding non-ASCII (an ellipsis, an accent) goes as an RFC 2047 encoded
word, which ntfy decodes. ntfy keeps a message of at most 4096 bytes (a longer one becomes
an attachment, or is refused where attachments are off), so the body is cut to fit. ntfy has
no header for an idempotency key: the dedupe key ends the body, "(cco KEY)".
"""

from __future__ import annotations

import base64
from typing import Any

from cc_orchestrator.adapters.notify.http import Poster
from cc_orchestrator.domain.notices import (
    CHAIN_DONE,
    DAEMON_UNHEALTHY,
    DIGEST,
    FAILED,
    NEEDS_INPUT,
    OVER_BUDGET,
    REVIEW,
    TEST,
    Message,
    clip,
)
from cc_orchestrator.domain.outbox import SendResult

BODY_MAX_BYTES = 4096
TITLE_MAX = 250
HEADER_URL_MAX = 2000
TAGS = {
    NEEDS_INPUT: "question",
    FAILED: "x",
    REVIEW: "eyes",
    OVER_BUDGET: "money_with_wings",
    CHAIN_DONE: "white_check_mark",
    DAEMON_UNHEALTHY: "rotating_light",
    TEST: "test_tube",
    DIGEST: "bell",
}
URGENT = (NEEDS_INPUT, FAILED)


def header_value(text: str) -> str:
    """text as an HTTP header value: as it is when ASCII, else an RFC 2047 encoded word."""
    text = " ".join(text.split())
    if text.isascii():
        return text
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode("ascii") + "?="


def clip_bytes(text: str, limit: int) -> str:
    """text cut so that its UTF-8 is at most limit bytes, with an ellipsis when cut."""
    if len(text.encode()) <= limit:
        return text
    cut = text.encode()[: max(0, limit - 3)].decode(errors="ignore")
    return cut + "…"


def body_text(message: Message, dedupe_key: str) -> str:
    suffix = f"\n\n(cco {dedupe_key})"
    lines: list[str] = []
    if message.kind == DIGEST:
        for item in message.items:
            detail = " ".join(item.text.split())
            lines.append(f"• {item.title}" + (f": {clip(detail, 200)}" if detail else ""))
    else:
        if message.text:
            lines.append(message.text.strip())
        lines.extend(f"{k}: {v}" for k, v in message.fields)
        where = " · ".join(p for p in (message.repo, message.task_id) if p)
        if where:
            lines.append(where)
    room = BODY_MAX_BYTES - len(suffix.encode())
    main = "\n".join(lines) or message.title
    if len(main.encode()) > room and message.kind == DIGEST:
        main = _fit_lines(lines, room)
    return clip_bytes(main, room) + suffix


def _fit_lines(lines: list[str], room: int) -> str:
    """As many whole lines as fit in room bytes, then "…and N more"."""
    kept: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        more = f"…and {len(lines) - i} more"
        size = len(line.encode()) + 1
        if used + size + len(more.encode()) + 1 > room:
            return "\n".join([*kept, more])
        kept.append(line)
        used += size
    return "\n".join(kept)


def urgent(message: Message) -> bool:
    """A question or a failure, or a digest holding one."""
    return message.kind in URGENT or any(item.kind in URGENT for item in message.items)


def headers_for(message: Message, token: str | None) -> dict[str, Any]:
    headers = {
        "Content-Type": "text/plain; charset=utf-8",
        "Title": header_value(clip(message.title, TITLE_MAX)),
        "Tags": TAGS.get(message.kind, "bell"),
        "Priority": "4" if urgent(message) else "3",
    }
    link = message.link
    if link and link.isascii() and len(link) <= HEADER_URL_MAX and link.isprintable():
        headers["Click"] = link
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


class NtfySender:
    def __init__(self, url: str, *, token: str | None, timeout_s: float) -> None:
        self._token = token
        secrets = [token] if token else []
        self._poster = Poster(url, timeout_s=timeout_s, secrets=secrets)

    def send(self, message: Message, *, delivery_id: int, dedupe_key: str) -> SendResult:
        body = body_text(message, dedupe_key).encode()
        return self._poster.post(body, headers=headers_for(message, self._token))

    def close(self) -> None:
        self._poster.close()
