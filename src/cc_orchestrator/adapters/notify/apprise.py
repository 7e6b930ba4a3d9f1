"""Any other service through Apprise (the optional extra `apprise`: pip install
'cc-orchestrator[apprise]'), for the channels cco has no sender of its own for (Telegram,
Matrix, Pushover, Teams...: Apprise's URL forms).

Apprise answers only "delivered" or "not": a failure is RetryLater with the last line Apprise
logged (scrubbed of the address's secrets), and the outbox's give-up time ends a permanent
one. An address Apprise does not understand is Refused at once. The dedupe key ends the
body, "(cco KEY)", as for ntfy. Apprise's own timeouts (`cto`, `rto`) are set from
notifications.timeout_s unless the URL sets them.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any
from urllib.parse import urlsplit

from cc_orchestrator.adapters.notify.http import scrub, url_secrets
from cc_orchestrator.domain.notices import DIGEST, FAILED, NEEDS_INPUT, Message, clip
from cc_orchestrator.domain.outbox import Refused, RetryLater, SendResult, Sent

BODY_MAX = 4000
MISSING = "the apprise channel needs the optional extra: pip install 'cc-orchestrator[apprise]'"


def load() -> Any | None:
    """The apprise module, or None when the extra is not installed."""
    try:
        return importlib.import_module("apprise")
    except ImportError:
        return None


def with_timeouts(url: str, timeout_s: float) -> str:
    query = urlsplit(url).query
    keys = {part.split("=", 1)[0] for part in query.split("&") if part}
    extra = [f"{k}={timeout_s:g}" for k in ("cto", "rto") if k not in keys]
    if not extra:
        return url
    return url + ("&" if "?" in url else "?") + "&".join(extra)


def body_text(message: Message, dedupe_key: str) -> str:
    if message.kind == DIGEST:
        lines = [f"• {item.title}" for item in message.items]
    else:
        lines = [message.text.strip()] if message.text else []
        lines.extend(f"{k}: {v}" for k, v in message.fields)
        if message.link:
            lines.append(message.link)
    return clip("\n".join(lines) or message.title, BODY_MAX) + f"\n\n(cco {dedupe_key})"


class AppriseSender:
    def __init__(self, url: str, *, timeout_s: float) -> None:
        self._url = with_timeouts(url, timeout_s)
        self._secrets = [*url_secrets(url), *url_secrets(self._url)]
        self._scheme = url.split("://", 1)[0]
        self._module = load()

    def send(self, message: Message, *, delivery_id: int, dedupe_key: str) -> SendResult:
        mod = self._module
        if mod is None:
            return Refused(MISSING)
        notifier = mod.Apprise()
        if not notifier.add(self._url):
            return Refused(f"Apprise does not understand this {self._scheme}:// address")
        kind = mod.NotifyType.FAILURE if message.kind == FAILED else mod.NotifyType.INFO
        if message.kind == NEEDS_INPUT:
            kind = mod.NotifyType.WARNING
        with mod.LogCapture(level=logging.WARNING, fmt="%(message)s") as said:
            ok = notifier.notify(
                body=body_text(message, dedupe_key),
                title=clip(message.title, 250),
                notify_type=kind,
            )
        if ok:
            return Sent(f"delivered by Apprise ({self._scheme}://)")
        lines = [line for line in said.getvalue().splitlines() if line.strip()]
        last = " ".join(scrub(lines[-1], self._secrets).split())[:200] if lines else ""
        return RetryLater(
            f"Apprise could not deliver to {self._scheme}://…" + (f": {last}" if last else "")
        )

    def close(self) -> None:
        pass
