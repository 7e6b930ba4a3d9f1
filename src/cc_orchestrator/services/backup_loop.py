"""The daemon's scheduled backups: one every backup.every_h hours, the newest backup.keep kept.

Due when the newest backup in backup.dir (made by this loop, `cco backup` or the API) is
older than every_h; a data directory with none gets its first backup first_after_min after
the daemon starts (a fleet started for a minute is not worth a file). A failed backup is an
event (backup.failed) and is tried again after a tenth of the period, at most hourly."""

from __future__ import annotations

import threading
import time

from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.logs import get_logger
from cc_orchestrator.services.backups import BackupService

log = get_logger("cco.backup")


class BackupLoop:
    name = "backup"

    def __init__(self, backups: BackupService, *, every_h: float, first_after_min: float) -> None:
        self.backups = backups
        self.every_s = every_h * 3600
        self.first_after_s = first_after_min * 60
        self.wake = threading.Event()
        self.started = time.monotonic()

    def due_in(self) -> float:
        """Seconds until the next backup is due (0: now)."""
        age = self.backups.newest_age_s()
        if age is None:
            return max(0.0, self.started + self.first_after_s - time.monotonic())
        return max(0.0, self.every_s - age)

    def run(self, stop: threading.Event) -> None:
        if self.every_s <= 0:
            return
        self.started = time.monotonic()
        while not stop.is_set():
            try:
                wait = self.due_in()
            except OSError as exc:
                log.warning("backup.schedule_unreadable", error=str(exc))
                wait = 60.0
            if wait > 0:
                self.wake.wait(min(wait, 60.0))  # re-read: a manual backup moves the schedule
                self.wake.clear()
                continue
            try:
                self.backups.make(scheduled=True)
            except CcoError as exc:
                log.warning("backup.scheduled_failed", error=str(exc))
                self.wake.wait(min(self.every_s / 10, 3600.0))
            except Exception:
                log.exception("backup.scheduled_crashed")
                self.wake.wait(min(self.every_s / 10, 3600.0))
