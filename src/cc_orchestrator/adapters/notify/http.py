"""One HTTP POST to a notification service, and what its answer means for the outbox.

Every webhook-like sender (Slack, Discord, the signed webhook, ntfy) posts through a `Poster`:
one httpx.Client per sender (connections kept alive between deliveries), no redirect followed
(a moved webhook is a configuration to fix, and following one would carry the body to an
address nobody configured), a `cc-orchestrator/<version>` User-Agent. The answer becomes a
SendResult: 2xx Sent; 429 and 408 and 5xx RetryLater (with the receiver's Retry-After);
any other 4xx Refused with the receiver's own short error text; a refused connection, a reset
or a timeout RetryLater. No reason holds the address: only its host and port are named, and
every secret the sender knows is blotted out of whatever the receiver answered.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from cc_orchestrator import __version__
from cc_orchestrator.domain.outbox import Refused, RetryLater, SendResult, Sent

USER_AGENT = f"cc-orchestrator/{__version__}"
ERROR_TEXT_MAX = 200  # what is kept of a receiver's error body in a reason


def shown_host(url: str) -> str:
    """The host of url, with its port when one is written: never its path, query or userinfo."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = parts.port
    except ValueError:
        return "?"
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


def url_secrets(url: str) -> list[str]:
    """The parts of url that may be secret: the whole, its path, query and password."""
    found = [url]
    try:
        parts = urlsplit(url)
    except ValueError:
        return found
    for part in (parts.path, parts.query, parts.password, parts.username):
        if part and len(part) > 1:
            found.append(part)
    found.extend(seg for seg in parts.path.split("/") if len(seg) >= 8)
    return found


def scrub(text: str, secrets: Iterable[str]) -> str:
    """text with every secret (longest first) replaced by `…`."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "…")
    return text


def retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP-date (RFC 9110)."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN, inf
        return None
    return max(0.0, seconds)


def error_text(response: httpx.Response) -> str:
    """A receiver's short error text: Slack's `invalid_blocks`, Discord's JSON `message`."""
    try:
        raw = response.text
    except (UnicodeDecodeError, LookupError, httpx.HTTPError):
        return ""
    text = raw.strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, Mapping):
        said = [str(data[k]) for k in ("error", "message", "detail") if data.get(k)]
        if data.get("code") is not None:
            said.append(f"code {data['code']}")
        if said:
            text = ", ".join(said)
    text = " ".join(text.split())
    return text if len(text) <= ERROR_TEXT_MAX else text[: ERROR_TEXT_MAX - 1] + "…"


class Poster:
    """POSTs to one address; answers a SendResult, never raises for the network's sake."""

    def __init__(self, url: str, *, timeout_s: float, secrets: Iterable[str] = ()) -> None:
        self.url = url
        self.host = shown_host(url)
        self.timeout_s = timeout_s
        self._secrets = [*url_secrets(url), *secrets]
        self._client = httpx.Client(
            timeout=timeout_s,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )  # trust_env: HTTPS_PROXY, NO_PROXY and SSL_CERT_FILE are honoured

    def post(
        self,
        content: bytes,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None = None,
    ) -> SendResult:
        try:
            response = self._client.post(
                self.url, content=content, headers=dict(headers), params=params
            )
        except httpx.TimeoutException as exc:
            what = "no connection to" if isinstance(exc, httpx.ConnectTimeout) else "no answer from"
            return RetryLater(f"{what} {self.host} within {self.timeout_s:g} s")
        except httpx.ConnectError as exc:
            if "refused" in str(exc).lower():
                return RetryLater(f"connection refused by {self.host}")
            return RetryLater(f"cannot connect to {self.host} ({self._why(exc)})")
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            return RetryLater(f"{self.host} closed the connection ({self._why(exc)})")
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            return Refused(f"the address cannot be used ({self._why(exc)})")
        except httpx.HTTPError as exc:
            return RetryLater(f"{type(exc).__name__} talking to {self.host}")
        return self.judge(response)

    def judge(self, response: httpx.Response) -> SendResult:
        code = response.status_code
        said = scrub(error_text(response), self._secrets)
        reason = f"HTTP {code} from {self.host}" + (f": {said}" if said else "")
        if 200 <= code < 300:
            return Sent(f"HTTP {code}")
        if code == 429 or code == 408 or code >= 500:
            return RetryLater(reason, after_s=retry_after(response.headers.get("Retry-After")))
        if 300 <= code < 400:
            return Refused(
                f"HTTP {code} from {self.host}: redirects are not followed; "
                "configure the final address"
            )
        return Refused(reason)

    def _why(self, exc: Exception) -> str:
        text = scrub(str(exc), self._secrets) or type(exc).__name__
        return " ".join(text.split())[:ERROR_TEXT_MAX]

    def close(self) -> None:
        self._client.close()
