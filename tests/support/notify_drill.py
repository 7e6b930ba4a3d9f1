"""What the notification drills (tests/e2e/test_notify_*.py) share: channels in the user's
own config file, the real daemon (`cco up --no-web`) in its own process that a test may kill
with SIGKILL and start again, and the keys the outbox should have delivered, read from the
events table independently of the outbox's own records.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from cc_orchestrator.bootstrap import App
from cc_orchestrator.config import user_config_file
from cc_orchestrator.domain.models import Event
from tests.support.receivers import HttpReceiver, WebhookReceiver
from tests.support.wait import wait_for


def configure(channels: list[dict[str, Any]], **settings: Any) -> Path:
    """The user's config file (where `notifications` may be set) with these channels and
    notifications settings. JSON is YAML."""
    path = user_config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"notifications": {"channels": channels, **settings}}))
    return path


def http_channel(receiver: HttpReceiver, name: str, kind: str, **extra: Any) -> dict[str, Any]:
    """A channel sending to a receiver (type given: a 127.0.0.1 address infers nothing)."""
    channel: dict[str, Any] = {"name": name, "type": kind, "url": receiver.url, **extra}
    if isinstance(receiver, WebhookReceiver):
        channel.setdefault("secret", receiver.key)
    return channel


class Daemon:
    """`cco up --no-web` in its own process, its output in a file (never a full pipe)."""

    def __init__(self, log_dir: Path, env: dict[str, str] | None = None) -> None:
        self.log_dir = log_dir
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.runs = 0
        self.kills = 0

    @property
    def log(self) -> Path:
        return self.log_dir / f"daemon-{self.runs}.log"

    def start(self, *, ready: bool = True) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.runs += 1
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cc_orchestrator", "up", "--no-web"],
                env={**os.environ, **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        if ready:
            wait_for(
                lambda: "is up" in self.log.read_text() or self.proc.poll() is not None,  # type: ignore[union-attr]
                timeout=30,
                what="the daemon to start",
            )
            assert self.proc.poll() is None, self.output()

    def kill9(self) -> None:
        assert self.proc is not None and self.proc.poll() is None, self.output()
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=10) == -signal.SIGKILL
        self.kills += 1

    def stop(self) -> str:
        """SIGINT (Ctrl-C), as a person stops it; its output."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.output()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def __enter__(self) -> Daemon:
        return self

    def __exit__(
        self, exc: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def daemon_log(app: App) -> str:
    """What the daemon processes logged (structured, one JSON line each)."""
    path = app.data_dir / "logs" / "cco.log"
    return path.read_text(errors="replace") if path.exists() else ""


def all_events(app: App) -> list[Event]:
    with app.store.read() as tx:
        return tx.events(limit=1_000_000)


def key(channel: str, event: Event, kind: str) -> str:
    """The dedupe key design.md promises for an event's delivery, built here by hand."""
    return f"cco-notifications-{channel}-{event.id}-{kind}"


def notified(event: Event) -> str | None:
    """The notice kind a task's or the daemon's event should make (None: none).
    Only the kinds the drills use: review, failed, needs_input, daemon_unhealthy."""
    if event.kind == "daemon.unhealthy":
        return "daemon_unhealthy"
    if event.kind == "task.status" and event.data.get("status") in ("review", "failed"):
        return str(event.data["status"])
    if event.kind == "instance.status" and event.data.get("status") == "waiting_input":
        return "needs_input"
    return None


def expected_keys(app: App, channel: str, kinds: tuple[str, ...]) -> list[str]:
    """Every key the channel should receive, in the order of their events."""
    found = []
    for event in all_events(app):
        kind = notified(event)
        if kind in kinds:
            found.append(key(channel, event, kind))
    return found


def event_id_of(dedupe_key: str) -> int:
    """The event id inside a delivery's key (cco-notifications-<channel>-<id>-<kind>)."""
    return int(dedupe_key.rsplit("-", 2)[-2])


def elapsed(since: float) -> str:
    return f"{time.monotonic() - since:.1f} s"
