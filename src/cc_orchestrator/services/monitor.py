"""The monitor loop: reconcile once, then look at every instance each tick.

Runs on its own (`cco instances monitor`) and, later, inside the daemon. Stopping it never stops
an instance: they live in tmux.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.domain.models import Instance
from cc_orchestrator.logs import get_logger
from cc_orchestrator.services.instance_monitor import InstanceMonitor, Leftover

log = get_logger("cco.monitor")


def run_monitor(
    monitor: InstanceMonitor,
    *,
    interval_s: float,
    stop: threading.Event,
    on_start: Callable[[list[Leftover]], None] | None = None,
    on_tick: Callable[[list[Instance]], None] | None = None,
) -> int:
    """Loop until stop is set; returns the number of ticks. Errors are logged, never fatal."""
    leftovers = monitor.reconcile()
    if on_start is not None:
        on_start(leftovers)
    ticks = 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            seen = monitor.sync()
            if on_tick is not None:
                on_tick(seen)
        except CcoError as exc:
            log.warning("monitor.tick_failed", error=str(exc))
        except Exception:
            log.exception("monitor.tick_crashed")
        ticks += 1
        stop.wait(max(0.0, interval_s - (time.monotonic() - started)))
    return ticks
