"""Credentials of the web API: the token (configured, or generated once per data directory),
one-time login codes for the link `cco up` prints, and a throttle on failed attempts.

Every comparison is of bytes (`hmac.compare_digest` refuses non-ASCII str with a TypeError,
which used to be a 500 whose traceback showed the token)."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time

from cc_orchestrator.web_token import TOKEN_FILE as TOKEN_FILE
from cc_orchestrator.web_token import effective_token as effective_token
from cc_orchestrator.web_token import load_or_create_token as load_or_create_token
from cc_orchestrator.web_token import token_file as token_file

COOKIE = "cco_token"
LOGIN_TTL_S = 15 * 60


def _bytes(text: str) -> bytes:
    # surrogatepass: every str maps to distinct bytes, none raises
    return text.encode("utf-8", "surrogatepass")


def same_secret(presented: str | None, expected: str) -> bool:
    """Constant-time comparison that never raises, whatever characters were sent."""
    if not presented:
        return False
    return hmac.compare_digest(_bytes(presented), _bytes(expected))


# ---------------------------------------------------------------------------- login codes
def _login_key(token: str) -> bytes:
    return hmac.new(_bytes(token), b"cco-login-v1", hashlib.sha256).digest()


def _mac(token: str, body: str) -> str:
    return hmac.new(_login_key(token), body.encode(), hashlib.sha256).hexdigest()[:32]


def mint_login_code(token: str, *, ttl_s: int = LOGIN_TTL_S, now: float | None = None) -> str:
    """A code any process holding the token can make; the server takes each one once."""
    expires = int((time.time() if now is None else now) + ttl_s)
    body = f"{expires:x}.{secrets.token_hex(8)}"
    return f"{body}.{_mac(token, body)}"


class LoginCodes:
    """Checks login codes and remembers the ones taken until they expire (single use)."""

    def __init__(self, token: str, *, ttl_s: int = LOGIN_TTL_S) -> None:
        self._token = token
        self._ttl_s = ttl_s
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, code: str, *, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        parts = code.split(".")
        if len(parts) != 3 or len(code) > 100:
            return False
        body = f"{parts[0]}.{parts[1]}"
        if not same_secret(parts[2], _mac(self._token, body)):
            return False
        try:
            expires = int(parts[0], 16)
        except ValueError:
            return False
        if not now <= expires <= now + self._ttl_s + 60:
            return False
        with self._lock:
            self._used = {c: e for c, e in self._used.items() if e >= now}
            if code in self._used:
                return False
            self._used[code] = expires
        return True


# ---------------------------------------------------------------------------- throttle
class Throttle:
    """A token bucket per client address, spent by failed attempts: `burst` failures at once,
    then `rate_per_s`; an address with an empty bucket gets 429 until it refills."""

    def __init__(self, *, burst: int = 10, rate_per_s: float = 1.0) -> None:
        self.burst = burst
        self.rate = rate_per_s
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, at)
        self._lock = threading.Lock()

    def _level(self, address: str, now: float) -> float:
        tokens, at = self._buckets.get(address, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - at) * self.rate)

    def retry_after(self, address: str, *, now: float | None = None) -> int | None:
        """Seconds to wait when this address may not try now, else None."""
        now = time.monotonic() if now is None else now
        with self._lock:
            level = self._level(address, now)
        return None if level >= 1 else max(1, math.ceil((1 - level) / self.rate))

    def failed(self, address: str, *, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._buckets) > 10_000:  # forget addresses that are full again
                self._buckets = {
                    a: (t, at)
                    for a, (t, at) in self._buckets.items()
                    if t + (now - at) * self.rate < self.burst
                }
            self._buckets[address] = (max(0.0, self._level(address, now) - 1), now)
