"""tests/support/wait.py: the one polling helper of the tests and the benchmarks."""

from __future__ import annotations

import time

import pytest

from tests.support.wait import TimedOut, wait_for


def test_returns_the_first_truthy_value() -> None:
    seen = iter([None, 0, "", "ready"])
    assert wait_for(lambda: next(seen), timeout=5, interval=0) == "ready"


def test_times_out_naming_what_and_the_last_value() -> None:
    started = time.monotonic()
    with pytest.raises(TimedOut, match=r"after 0\.2s waiting for the flag \(last: \[\]\)"):
        wait_for(list, timeout=0.2, interval=0.01, what="the flag")
    assert 0.2 <= time.monotonic() - started < 5
    assert issubclass(TimedOut, AssertionError)  # a test that times out fails, not errors
