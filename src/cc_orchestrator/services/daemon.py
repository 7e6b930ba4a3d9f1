"""The daemon: scheduler and instance monitor in one foreground process.

Only one runs per data directory (a lock that dies with it). Stopping it never stops an
instance; starting it again re-adopts them and applies whatever happened meanwhile.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from cc_orchestrator.domain import events
from cc_orchestrator.domain.errors import CcoError, Conflict
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Locks, Store
from cc_orchestrator.private import private_file
from cc_orchestrator.services.instance_monitor import InstanceMonitor, Leftover
from cc_orchestrator.services.outbox import OutboxWorker
from cc_orchestrator.services.tasks import TaskService

log = get_logger("cco.daemon")
DAEMON_LOCK = "daemon"
FAILING_AFTER = 3  # passes failing in a row before the daemon says it is unhealthy


class Loop(Protocol):
    """A background thread of the daemon (the outbox, GitHub): runs until stop is set."""

    name: str
    wake: threading.Event

    def run(self, stop: threading.Event) -> None: ...


class Health:
    """What the daemon says of itself as events (notified as daemon_unhealthy)."""

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self.failures = 0
        self.me = f"{socket.gethostname()}:{os.getpid()}"

    def crashed(self, old_pid: str) -> None:
        """The pid file of a daemon that did not stop (killed, or the machine went down)."""
        reason = (
            f"the daemon before this one (pid {old_pid or '?'}) ended without stopping: it "
            "was killed or crashed; running instances were re-adopted"
        )
        self._say("crashed", reason)

    def passed(self, ok: bool, error: str = "") -> None:
        self.failures = 0 if ok else self.failures + 1
        if self.failures == FAILING_AFTER:
            self._say("failing", f"{FAILING_AFTER} passes in a row failed; last: {error}")

    def _say(self, what: str, reason: str) -> None:
        log.warning("daemon.unhealthy", what=what, reason=reason)
        if self.store is None:
            return
        try:
            with self.store.write() as tx:
                tx.append_event(
                    events.daemon_unhealthy(
                        self.me,
                        what="crashed" if what == "crashed" else "failing",
                        pid=os.getpid(),
                        reason=reason,
                    )
                )
        except CcoError as exc:
            log.warning("daemon.health_unrecorded", error=str(exc))


def run_daemon(
    *,
    tasks: TaskService,
    monitor: InstanceMonitor,
    locks: Locks,
    pid_file: Path,
    interval_s: float,
    stop: threading.Event,
    watch_hooks: bool = False,
    gather_s: float = 0.02,
    on_start: Callable[[list[Leftover]], None] | None = None,
    on_tick: Callable[[], None] | None = None,
    outbox: OutboxWorker | None = None,
    store: Store | None = None,
    loops: Sequence[Loop] = (),
) -> int:
    """Run until stop is set; returns the number of ticks.

    A tick (a full pass: every instance, then the scheduler) runs every interval_s. Between
    ticks, with watch_hooks, the daemon waits on the live instances' hook files and applies
    what an agent writes at once (gathering gather_s first, so a burst is one transaction):
    a status is known within milliseconds, not up to interval_s later. When an instance
    working on a task finished a turn, asked or ended, the next tick starts right away (a
    finished task's slot is refilled without waiting).

    With an outbox, its worker runs on a thread of its own (deliveries never hold up the
    scheduler), and so does each of `loops` (GitHub's sync and watch); with a store, the
    daemon records when it finds its predecessor crashed and
    when its passes keep failing (events daemon.unhealthy).
    """
    if locks.is_held(DAEMON_LOCK):
        pid = pid_file.read_text().strip() if pid_file.exists() else "?"
        raise Conflict(
            f"the daemon is already running for this data directory (pid {pid})",
            hint="stop it first, or use another --data-dir",
        )
    with locks.hold(DAEMON_LOCK):
        health = Health(store)
        # a pid file left behind: the daemon before us did not get to remove it. Said first,
        # before this daemon's pid replaces it and its threads send anything: a kill -9 of
        # this one right after would otherwise lose the news of the one before
        old_pid = pid_file.read_text().strip() if pid_file.exists() else None
        if old_pid is not None:
            health.crashed(old_pid)
        private_file(pid_file)  # 0600, as everything under the data directory
        pid_file.write_text(f"{os.getpid()}\n")
        worker_stop = threading.Event()
        background: list[Loop] = [*([outbox] if outbox is not None else []), *loops]
        threads = [
            threading.Thread(
                target=loop.run, args=(worker_stop,), name=f"cco-{loop.name}", daemon=True
            )
            for loop in background
        ]
        try:
            for thread in threads:
                thread.start()
            leftovers = monitor.reconcile()
            if on_start is not None:
                on_start(leftovers)
            log.info("daemon.started", pid=os.getpid(), leftovers=len(leftovers))
            ticks = 0
            while not stop.is_set():
                started = time.monotonic()
                try:
                    tasks.tick()
                    if on_tick is not None:
                        on_tick()
                    health.passed(True)
                except CcoError as exc:
                    log.warning("daemon.tick_failed", error=str(exc))
                    health.passed(False, str(exc))
                except Exception as exc:
                    log.exception("daemon.tick_crashed")
                    health.passed(False, f"{type(exc).__name__}: {exc}")
                ticks += 1
                _wait(monitor, stop, started + interval_s, watch_hooks, gather_s)
            log.info("daemon.stopped", ticks=ticks)
            return ticks
        finally:
            worker_stop.set()
            for loop in background:
                loop.wake.set()
            for thread in threads:
                if thread.ident is not None:  # a Ctrl-C may come before every one started
                    thread.join(timeout=30)
            pid_file.unlink(missing_ok=True)


def _wait(
    monitor: InstanceMonitor,
    stop: threading.Event,
    until: float,
    watch_hooks: bool,
    gather_s: float,
) -> None:
    """Until the next tick is due, applying hook events as they are written."""
    while not stop.is_set():
        left = until - time.monotonic()
        if left <= 0:
            return
        if not watch_hooks:
            stop.wait(left)
            return
        try:
            # short waits, so a stop request is seen within a quarter of a second
            grown = monitor.wait_for_hooks(min(left, 0.25))
            if not grown or stop.is_set():
                continue
            if gather_s > 0:
                time.sleep(gather_s)  # the rest of a burst joins this look
                grown |= monitor.wait_for_hooks(0)
            if monitor.look_at_hooks(grown):
                return  # a task's agent moved on: the scheduler's turn now
        except CcoError as exc:
            log.warning("daemon.look_failed", error=str(exc))
            stop.wait(min(max(0.0, until - time.monotonic()), 0.25))
        except Exception:
            log.exception("daemon.look_crashed")
            stop.wait(min(max(0.0, until - time.monotonic()), 0.25))
