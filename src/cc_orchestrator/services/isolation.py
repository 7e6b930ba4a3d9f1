"""One bad task never stops the scheduler: what a pass does when a step fails for one task.

An unexpected error (a bug, bad data: `ValueError: embedded null byte`) fails that task at once
with the error as its reason, since the next pass would only hit it again. A user-level error
(`CcoError`: git or tmux refusing) may pass, so the task is tried again on the next passes and
fails after `MAX_STRIKES` in a row. A database error is the whole fleet's, not the task's: it
never counts against a task.
"""

from __future__ import annotations

from collections.abc import Callable

from cc_orchestrator.domain.errors import CcoError, StorageError
from cc_orchestrator.logs import get_logger

log = get_logger("cco.tasks")
MAX_STRIKES = 3
# what a task's reason says when a step failed for it
STEP_REASONS = {
    "follow": "cco could not follow its agent",
    "refresh": "cco could not check its dependencies",
    "start": "could not start",
}


def describe(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, CcoError) else f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 300 else text[:297] + "..."


class Strikes:
    """Failures in a row of one step for one task, in this process."""

    def __init__(self, limit: int = MAX_STRIKES) -> None:
        self.limit = limit
        self._counts: dict[tuple[str, str], int] = {}

    def clear(self, step: str, task_id: str) -> None:
        self._counts.pop((step, task_id), None)

    def hit(self, step: str, task_id: str, exc: BaseException) -> bool:
        """Count a failure; True when the task should fail now."""
        if isinstance(exc, StorageError):
            return False
        if not isinstance(exc, CcoError):
            self.clear(step, task_id)
            return True
        key = (step, task_id)
        self._counts[key] = self._counts.get(key, 0) + 1
        if self._counts[key] >= self.limit:
            del self._counts[key]
            return True
        return False


def run_step(step: str, action: Callable[[], object]) -> None:
    """Run one step of a pass; its failure is logged and the pass goes on."""
    try:
        action()
    except CcoError as exc:
        log.warning("task.tick_step_failed", step=step, error=str(exc))
    except Exception:
        log.exception("task.tick_step_crashed", step=step)
