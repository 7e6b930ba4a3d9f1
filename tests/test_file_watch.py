"""The hook-file watch, both ways: the kernel's (inotify) and polling sizes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.adapters.watch import InotifyWatch, StatWatch
from cc_orchestrator.ports import FileWatch


@pytest.fixture(params=["inotify", "stat"])
def watch(request: pytest.FixtureRequest) -> Iterator[FileWatch]:
    w: FileWatch = InotifyWatch() if request.param == "inotify" else StatWatch(poll_s=0.01)
    yield w
    w.close()


def append(path: Path, text: str) -> None:
    with open(path, "a") as fh:
        fh.write(text)


def test_reports_the_files_that_grew_once(watch: FileWatch, tmp_path: Path) -> None:
    a, b, other = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "other.log"
    for p in (a, b, other):
        p.write_text("")
    watch.watch({str(a): 0, str(b): 0})
    assert watch.changed(0.1) == set()
    append(other, "not watched\n")
    assert watch.changed(0.1) == set()
    append(a, "{}\n")
    assert watch.changed(5) == {str(a)}
    assert watch.changed(0.1) == set()  # reported once
    append(a, "{}\n")
    append(b, "{}\n")
    assert watch.changed(5) | watch.changed(0.1) == {str(a), str(b)}


def test_wakes_a_waiter_as_soon_as_a_file_grows(watch: FileWatch, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("")
    watch.watch({str(path): 0})
    timer = threading.Timer(0.3, append, (path, "{}\n"))
    started = time.monotonic()
    timer.start()
    assert watch.changed(30) == {str(path)}
    assert time.monotonic() - started < 15  # woken by the write, not by the 30 s timeout


def test_unwatched_removed_and_missing_files(watch: FileWatch, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("")
    b.write_text("")
    watch.watch({str(a): 0, str(b): 0, str(tmp_path / "missing.jsonl"): 0})
    watch.watch({str(b): 0})  # a no longer watched
    append(a, "{}\n")
    assert watch.changed(0.2) == set()
    b.unlink()  # a watched file removed: no error, nothing reported
    assert watch.changed(0.2) == set()
    b.write_text("")
    watch.watch({str(b): 0})  # the new file is watched again
    append(b, "{}\n")
    assert watch.changed(5) == {str(b)}


def test_closed_watch_returns_nothing(tmp_path: Path) -> None:
    watch = InotifyWatch()
    path = tmp_path / "a.jsonl"
    path.write_text("")
    watch.watch({str(path): 0})
    watch.close()
    append(path, "{}\n")
    assert watch.changed(0.05) == set()
