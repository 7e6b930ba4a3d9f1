"""The foreground commands' signal handling, in this process: a first signal asks for a stop,
a second SIGINT interrupts at once, and the handlers from before come back afterwards."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from cc_orchestrator.cli.stopping import stop_on_signals


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_first_signal_asks_for_a_stop_and_raises_nothing(how: signal.Signals) -> None:
    stop = threading.Event()
    with stop_on_signals(stop):
        os.kill(os.getpid(), how)
        assert stop.wait(5)  # the handler ran, and no KeyboardInterrupt came


def test_a_second_sigint_interrupts_at_once() -> None:
    stop = threading.Event()
    with pytest.raises(KeyboardInterrupt), stop_on_signals(stop):
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.wait(5)
        os.kill(os.getpid(), signal.SIGINT)
        threading.Event().wait(5)  # interrupted well before this ends
    assert stop.is_set()


def test_the_handlers_from_before_come_back() -> None:
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        term = signal.getsignal(signal.SIGTERM)
        with stop_on_signals(threading.Event()):
            assert signal.getsignal(signal.SIGINT) not in (signal.SIG_IGN, before)
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN  # a late Ctrl-C: ignored
        assert signal.getsignal(signal.SIGTERM) == term
    finally:
        signal.signal(signal.SIGINT, before)
