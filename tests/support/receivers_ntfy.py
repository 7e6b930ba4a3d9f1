"""A strict fake ntfy server (one topic, optionally protected by an access token).

What ntfy accepts (docs.ntfy.sh/publish, and the server's errors.go and server.go in
binwiederhier/ntfy): PUT or POST to /<topic> (topic: [-_A-Za-z0-9]{1,64}, else 400 40009) with
the message as the body, trimmed; a body over 4096 bytes (or not UTF-8) becomes an attachment,
which a server without an attachment cache refuses (400, 40014 "attachments not allowed").
Headers: Title (X-Title, ti, t), Priority (X-Priority, prio, p: 1-5 or min, low, default, high,
max, urgent; else 400 40007), Tags (X-Tags, tag, ta: comma separated), Click (X-Click).
A protected topic (`token=`): no credentials -> 403 40301 "forbidden", wrong ones -> 401 40101
"unauthorized". Errors are `{"code", "http", "error", "link"}`; success is 200 with the message
as JSON (`id`, `time`, `expires`, `event: "message"`, `topic`, `message`, title, ...).
Header values may be RFC 2047 encoded (`=?UTF-8?B?...?=`) or raw UTF-8: ntfy takes both.

`Received.body` is `{"topic", "message", "title", "priority", "tags", "click"}` (None / [] when
not given); the dedupe key is the body's "(cco KEY)" suffix (design: ntfy.py).
"""

from __future__ import annotations

import contextlib
import email.header
import re
import secrets
import time
from typing import Any

from tests.support.receivers_http import Answer, HttpReceiver, Request, json_answer

TOPIC_RE = re.compile(r"[-_A-Za-z0-9]{1,64}")
KEY_RE = re.compile(r"\(cco (\S+)\)$")
MESSAGE_LIMIT = 4096
PRIORITIES = {"min": 1, "low": 2, "default": 3, "high": 4, "max": 5, "urgent": 5}
DOCS = "https://ntfy.sh/docs/publish/"


def ntfy_error(code: int, error: str, link: str = "") -> Answer:
    data: dict[str, Any] = {"code": code, "http": code // 100, "error": error}
    if link:
        data["link"] = link
    return json_answer(code // 100, data)


def _header(headers: dict[str, str], *names: str) -> str | None:
    for name in names:
        if name in headers:
            value = headers[name]
            # http.server decodes header bytes as latin-1; ntfy (Go) reads them as UTF-8
            with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
                value = value.encode("latin-1").decode("utf-8")
            if "=?" in value:
                value = str(email.header.make_header(email.header.decode_header(value)))
            return value
    return None


class NtfyReceiver(HttpReceiver):
    """ntfy on 127.0.0.1: `url` is the topic URL (the topic name is `secret`)."""

    kind = "ntfy"

    def __init__(self, *, token: str | None = None) -> None:
        self.secret = "cco-" + secrets.token_hex(8)  # an unguessable topic is ntfy's password
        self.path = "/" + self.secret
        self.token = token
        super().__init__()

    def fail_answer(self, status: int) -> Answer:
        return json_answer(
            status, {"code": 50001, "http": status, "error": "internal server error"}
        )

    def rate_limited_answer(self, retry_after: str) -> Answer:
        answer = ntfy_error(42901, "limit reached: too many requests, please be nice", DOCS)
        return Answer(429, answer.body, answer.content_type, (("Retry-After", retry_after),))

    def check(self, request: Request) -> Answer:
        topic = request.path.strip("/")
        if "/" in topic or not topic:
            return self.refuse(request, "page not found", ntfy_error(40401, "page not found"))
        if request.method not in ("PUT", "POST"):
            return self.refuse(request, "not a publish", ntfy_error(40501, "method not allowed"))
        if not TOPIC_RE.fullmatch(topic):
            answer = ntfy_error(40009, "invalid request: topic invalid")
            return self.refuse(request, "topic invalid", answer)
        if self.token is not None:
            auth = request.headers.get("authorization")
            if auth is None:
                answer = ntfy_error(40301, "forbidden", DOCS + "#authentication")
                return self.refuse(request, "no credentials", answer)
            if auth != f"Bearer {self.token}":
                answer = ntfy_error(40101, "unauthorized", DOCS + "#authentication")
                return self.refuse(request, "wrong credentials", answer)
        try:
            if len(request.raw) > MESSAGE_LIMIT:
                raise ValueError(f"{len(request.raw)} bytes, more than {MESSAGE_LIMIT}")
            message = request.raw.decode("utf-8").strip() or "triggered"
        except (ValueError, UnicodeDecodeError) as error:
            answer = ntfy_error(40014, "invalid request: attachments not allowed", DOCS)
            return self.refuse(request, f"body becomes an attachment: {error}", answer)
        h = request.headers
        priority_text = _header(h, "x-priority", "priority", "prio", "p")
        priority = 3
        if priority_text is not None:
            text = priority_text.strip().lower()
            priority = PRIORITIES.get(text) or (
                int(text) if text in ("1", "2", "3", "4", "5") else 0
            )
            if not priority:
                answer = ntfy_error(40007, "invalid priority parameter", DOCS + "#message-priority")
                return self.refuse(request, f"priority {priority_text!r}", answer)
        tags_text = _header(h, "x-tags", "tags", "tag", "ta") or ""
        body = {
            "topic": topic,
            "message": message,
            "title": _header(h, "x-title", "title", "ti", "t"),
            "priority": priority,
            "tags": [t.strip() for t in tags_text.split(",") if t.strip()],
            "click": _header(h, "x-click", "click"),
        }
        now = int(time.time())
        published = {"id": secrets.token_hex(6), "time": now, "expires": now + 43200}
        published |= {"event": "message"} | {k: v for k, v in body.items() if v}
        found = KEY_RE.search(message)
        answer = json_answer(200, published)
        return self.accept(request, found.group(1) if found else "", body, answer)
