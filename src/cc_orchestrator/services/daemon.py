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
from cc_orchestrator.services.instances import InstanceService, Leftover
from cc_orchestrator.services.tasks import TaskService

log = get_logger("cco.daemon")
DAEMON_LOCK = "daemon"


def run_daemon(
    *,
    tasks: TaskService,
    instances: InstanceService,
    locks: Locks,
    pid_file: Path,
    interval_s: float,
    stop: threading.Event,
    on_start: Callable[[list[Leftover]], None] | None = None,
    on_tick: Callable[[], None] | None = None,
) -> int:
    """Run until stop is set; returns the number of ticks."""
    if locks.is_held(DAEMON_LOCK):
        pid = pid_file.read_text().strip() if pid_file.exists() else "?"
        raise Conflict(
            f"the daemon is already running for this data directory (pid {pid})",
            hint="stop it first, or use another --data-dir",
        )
    with locks.hold(DAEMON_LOCK):
        pid_file.write_text(f"{os.getpid()}\n")
        try:
            leftovers = instances.reconcile()
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
                stop.wait(max(0.0, interval_s - (time.monotonic() - started)))
            log.info("daemon.stopped", ticks=ticks)
            return ticks
        finally:
            pid_file.unlink(missing_ok=True)
