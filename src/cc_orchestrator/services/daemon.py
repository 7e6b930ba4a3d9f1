"""The daemon: scheduler and instance monitor in one foreground process.

Only one runs per data directory (a lock that dies with it). Stopping it never stops an
instance; starting it again re-adopts them and applies whatever happened meanwhile.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from cc_orchestrator.domain.errors import CcoError, Conflict
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Locks
from cc_orchestrator.private import private_file
from cc_orchestrator.services.instance_monitor import InstanceMonitor, Leftover
from cc_orchestrator.services.tasks import TaskService

log = get_logger("cco.daemon")
DAEMON_LOCK = "daemon"


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
) -> int:
    """Run until stop is set; returns the number of ticks.

    A tick (a full pass: every instance, then the scheduler) runs every interval_s. Between
    ticks, with watch_hooks, the daemon waits on the live instances' hook files and applies
    what an agent writes at once (gathering gather_s first, so a burst is one transaction):
    a status is known within milliseconds, not up to interval_s later. When an instance
    working on a task finished a turn, asked or ended, the next tick starts right away (a
    finished task's slot is refilled without waiting).
    """
    if locks.is_held(DAEMON_LOCK):
        pid = pid_file.read_text().strip() if pid_file.exists() else "?"
        raise Conflict(
            f"the daemon is already running for this data directory (pid {pid})",
            hint="stop it first, or use another --data-dir",
        )
    with locks.hold(DAEMON_LOCK):
        private_file(pid_file)  # 0600, as everything under the data directory
        pid_file.write_text(f"{os.getpid()}\n")
        try:
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
                except CcoError as exc:
                    log.warning("daemon.tick_failed", error=str(exc))
                except Exception:
                    log.exception("daemon.tick_crashed")
                ticks += 1
                _wait(monitor, stop, started + interval_s, watch_hooks, gather_s)
            log.info("daemon.stopped", ticks=ticks)
            return ticks
        finally:
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
