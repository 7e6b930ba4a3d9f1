"""What every fake receiver shares: the records it keeps and the failure modes it plays.

A receiver (receivers_http.py, receivers_smtp.py) records each message it *accepted* as a
`Received` (with the dedupe key found where the senders put it), each one it *refused* as a
`Rejected` (with the reason, as precise as the service's rules allow), and every request,
whatever became of it, as an `Attempt`. Failure modes are switched at run time from any thread:

    receiver.ok()                       # answer normally (the default)
    receiver.fail(status=500)           # every request answered with a server error
    receiver.slow(seconds)              # sleep before answering (then answer normally: like a
                                        # real service, the message counts as accepted even if
                                        # the client gave up waiting, so a retry is a duplicate)
    receiver.rate_limited(retry_after=2, count=1)   # 429 + Retry-After for the next `count`
    receiver.flaky(every=3)             # every 3rd request from now on fails (500)
    receiver.down() / receiver.up()     # listening socket closed (connection refused) and
                                        # reopened on the SAME port
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.support.wait import wait_for as _wait_for


@dataclass(frozen=True)
class Received:
    """A message the receiver accepted. `headers` have lower-case names; `dedupe_key` is ""
    when the message did not carry one where its sender should put it."""

    kind: str  # "slack", "discord", "webhook", "ntfy" or "email"
    dedupe_key: str
    body: Any  # the JSON payload; ntfy and e-mail: a dict of what was said (see each receiver)
    headers: dict[str, str]
    at: float = field(default_factory=time.time)
    path: str = ""
    raw: bytes = b""


@dataclass(frozen=True)
class Rejected:
    """A message the receiver refused as the real service would (4xx), with the rule broken."""

    kind: str
    status: int
    reason: str
    body: Any
    headers: dict[str, str]
    at: float = field(default_factory=time.time)
    path: str = ""


@dataclass(frozen=True)
class Attempt:
    """One request (or SMTP transaction) and how it was answered: "accepted", "refused",
    "fail" (5xx by mode fail or flaky) or "rate_limited"."""

    outcome: str
    status: int
    at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Decision:
    """What the failure mode says about the request in hand."""

    outcome: str  # "pass", "fail" or "rate_limited"
    status: int = 0
    retry_after: str = ""
    sleep_s: float = 0.0


def retry_after_value(value: float | str) -> str:
    """A Retry-After header value: whole seconds (rounded up), or an HTTP-date given as is."""
    if isinstance(value, str):
        return value
    return str(max(0, math.ceil(value)))


class Modes:
    """The failure mode, thread-safe. Each switch replaces the previous mode."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._set("ok")

    def _set(self, mode: str, **values: Any) -> None:
        self.mode = mode
        self.status = int(values.get("status", 500))
        self.sleep_s = float(values.get("sleep_s", 0.0))
        self.retry_after = str(values.get("retry_after", "1"))
        self.left = int(values.get("left", 0))
        self.every = int(values.get("every", 0))
        self.seen = 0

    def switch(self, mode: str, **values: Any) -> None:
        with self._lock:
            self._set(mode, **values)

    def decide(self) -> Decision:
        with self._lock:
            self.seen += 1
            if self.mode == "fail":
                return Decision("fail", status=self.status)
            if self.mode == "rate_limited":
                decision = Decision("rate_limited", status=429, retry_after=self.retry_after)
                self.left -= 1
                if self.left <= 0:
                    self._set("ok")
                return decision
            if self.mode == "flaky" and self.seen % self.every == 0:
                return Decision("fail", status=self.status)
            if self.mode == "slow":
                return Decision("pass", sleep_s=self.sleep_s)
            return Decision("pass")


class Records:
    """What a receiver accepted, refused and was asked; the helpers tests wait and assert on."""

    kind = "receiver"

    def __init__(self) -> None:
        self._records_lock = threading.Lock()
        self.received: list[Received] = []
        self.rejected: list[Rejected] = []
        self.attempts: list[Attempt] = []
        self.modes = Modes()

    # -- failure modes ---------------------------------------------------------------------
    def ok(self) -> None:
        self.modes.switch("ok")

    def fail(self, status: int = 500) -> None:
        self.modes.switch("fail", status=status)

    def slow(self, seconds: float) -> None:
        self.modes.switch("slow", sleep_s=seconds)

    def rate_limited(self, retry_after: float | str = 1, count: int = 1) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        self.modes.switch(
            "rate_limited", retry_after=retry_after_value(retry_after), left=count, status=429
        )

    def flaky(self, every: int, status: int = 500) -> None:
        if every < 1:
            raise ValueError("every must be at least 1")
        self.modes.switch("flaky", every=every, status=status)

    # -- recording -------------------------------------------------------------------------
    def _accept(self, item: Received, status: int) -> None:
        with self._records_lock:
            self.received.append(item)
            self.attempts.append(Attempt("accepted", status))

    def _refuse(self, item: Rejected) -> None:
        with self._records_lock:
            self.rejected.append(item)
            self.attempts.append(Attempt("refused", item.status))

    def _attempt(self, outcome: str, status: int) -> None:
        with self._records_lock:
            self.attempts.append(Attempt(outcome, status))

    def reset(self) -> None:
        """Forget every record (the mode stays)."""
        with self._records_lock:
            self.received.clear()
            self.rejected.clear()
            self.attempts.clear()

    # -- helpers ---------------------------------------------------------------------------
    def messages(self) -> list[Received]:
        with self._records_lock:
            return list(self.received)

    def keys(self) -> list[str]:
        """The dedupe keys of the accepted messages, in the order they were accepted."""
        return [r.dedupe_key for r in self.messages()]

    def duplicates(self) -> list[str]:
        """The dedupe keys accepted more than once (first-seen order)."""
        counts = Counter(self.keys())
        return [key for key in dict.fromkeys(self.keys()) if counts[key] > 1]

    def wait_for(self, n: int, timeout: float = 10.0) -> list[Received]:
        """Wait until at least `n` messages were accepted; answer them all."""
        if n <= 0:
            return self.messages()
        return _wait_for(
            lambda: got if len(got := self.messages()) >= n else None,
            timeout=timeout,
            what=f"{n} message(s) accepted by the {self.kind} receiver "
            f"(refused: {[r.reason for r in self.rejected]})",
        )

    def wait_for_attempts(self, n: int, timeout: float = 10.0) -> list[Attempt]:
        """Wait until at least `n` requests were answered, whatever the answer."""
        return _wait_for(
            lambda: a if len(a := list(self.attempts)) >= n else None,
            timeout=timeout,
            what=f"{n} request(s) to the {self.kind} receiver",
        )
