"""How the foreground commands (`cco up`, `cco instances monitor`) take SIGINT and SIGTERM.

The first SIGINT (Ctrl-C, or `kill -INT` of a shell's background job, which starts with
SIGINT ignored) or SIGTERM asks the loop to stop: it finishes the pass it is in, so a stop
never cuts a database transaction or a tmux command in half. A second SIGINT is impatience:
KeyboardInterrupt, at once. On the way out the handlers that were there before come back, so
a signal that arrives while the interpreter shuts down finds them, not the default action
(which for SIGINT kills the process with no exit status of its own)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGINT and stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    before: dict[signal.Signals, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        before[signum] = signal.signal(signum, on_signal)
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
