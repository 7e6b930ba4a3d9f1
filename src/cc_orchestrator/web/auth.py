"""Credentials of the web API: the token (configured, or generated once per data directory),
one-time login codes for the link `cco up` prints, and a throttle on failed attempts.

Every comparison is of bytes (`hmac.compare_digest` refuses non-ASCII str with a TypeError,
which used to be a 500 whose traceback showed the token)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import os
import secrets
import stat
import threading
import time
from pathlib import Path

from cc_orchestrator.domain.errors import ConfigError

TOKEN_FILE = "web-token"
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


def token_file(data_dir: Path) -> Path:
    return data_dir / TOKEN_FILE


def load_or_create_token(data_dir: Path) -> str:
    """The data directory's generated token: read, or created once (0600, atomically: two
    processes starting together end with the same token)."""
    path = token_file(data_dir)
    for _ in range(3):
        with contextlib.suppress(FileNotFoundError):
            return _read_token(path)
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{TOKEN_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_urlsafe(32) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)  # atomic, and never replaces a token another process made
        finally:
            tmp.unlink(missing_ok=True)
    return _read_token(path)


def _read_token(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{path} (the web token) can be read by other users",
            hint=f"delete it (a new one is made at the next start) or run: chmod 600 {path}",
        )
    token = path.read_text(encoding="ascii", errors="replace").strip()
    if len(token) < 16:
        raise ConfigError(
            f"{path} does not hold a usable web token",
            hint="delete it: a new one is made at the next start",
        )
    return token


def effective_token(configured: str | None, data_dir: Path) -> str:
    """web.token when set, else the data directory's generated one: there is always one."""
    return configured if configured else load_or_create_token(data_dir)


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
