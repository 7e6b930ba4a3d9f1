"""Which files grew: the kernel tells (Linux inotify), or their sizes do.

The daemon watches each live instance's hook file so a hook event is applied as soon as the
agent writes it, not at the next pass. `InotifyWatch` asks the kernel to wake it on writes
(through a few ctypes calls: no thread, no dependency, nothing done while nothing is
written); `StatWatch`, for systems without inotify, compares file sizes every `poll_s`.
Both implement ports.FileWatch and are safe to update from other threads while one waits.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import select
import struct
import threading
import time
from collections.abc import Mapping

IN_MODIFY = 0x00000002
IN_IGNORED = 0x00008000
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then len bytes of name)


class StatWatch:
    """Polls the sizes of the watched files."""

    def __init__(self, poll_s: float = 0.05) -> None:
        self.poll_s = poll_s
        self._sizes: dict[str, int] = {}
        self._lock = threading.Lock()

    def watch(self, sizes: Mapping[str, int]) -> None:
        with self._lock:
            self._sizes = dict(sizes)

    def changed(self, timeout: float) -> set[str]:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                watched = list(self._sizes.items())
            grown = set()
            for path, known in watched:
                try:
                    size = os.stat(path).st_size
                except OSError:
                    continue
                if size != known:
                    grown.add(path)
                    with self._lock:
                        if path in self._sizes:
                            self._sizes[path] = size  # each growth reported once
            left = deadline - time.monotonic()
            if grown or left <= 0:
                return grown
            time.sleep(min(self.poll_s, left))

    def close(self) -> None:
        pass


class InotifyWatch:
    """Linux inotify: one IN_MODIFY watch per file, read with select()."""

    def __init__(self) -> None:
        libc_name = ctypes.util.find_library("c")
        libc = ctypes.CDLL(libc_name, use_errno=True)
        self._add = libc.inotify_add_watch
        self._add.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        self._rm = libc.inotify_rm_watch
        self._rm.argtypes = [ctypes.c_int, ctypes.c_int]
        fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            err = ctypes.get_errno()
            raise OSError(err, f"inotify_init1: {os.strerror(err)}")
        self._fd = fd
        self._lock = threading.Lock()
        self._wd_of: dict[str, int] = {}
        self._path_of: dict[int, str] = {}
        # files that could not be watched (gone, or out of watches): their sizes are polled
        self._fallback = StatWatch()
        self._fallback_sizes: dict[str, int] = {}

    def watch(self, sizes: Mapping[str, int]) -> None:
        with self._lock:
            for path in set(self._wd_of) - set(sizes):
                wd = self._wd_of.pop(path)
                self._path_of.pop(wd, None)
                self._rm(self._fd, wd)
            fallback = {}
            for path, size in sizes.items():
                if path in self._wd_of:
                    continue
                wd = self._add(self._fd, os.fsencode(path), IN_MODIFY)
                if wd < 0:
                    if ctypes.get_errno() in (errno.ENOSPC, errno.ENOMEM):
                        fallback[path] = size
                    continue  # a file that is gone: the next pass drops its instance
                self._wd_of[path] = wd
                self._path_of[wd] = path
            self._fallback.watch(fallback)
            self._fallback_sizes = fallback

    def changed(self, timeout: float) -> set[str]:
        if self._fallback_sizes:
            timeout = min(timeout, self._fallback.poll_s)
        try:
            ready, _, _ = select.select([self._fd], [], [], max(0.0, timeout))
        except (OSError, ValueError):  # closed meanwhile
            return set()
        grown = self._fallback.changed(0) if self._fallback_sizes else set()
        if not ready:
            return grown
        try:
            data = os.read(self._fd, 64 * 1024)
        except BlockingIOError:
            return grown
        with self._lock:
            offset = 0
            while offset + _EVENT.size <= len(data):
                wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
                offset += _EVENT.size + length
                path = self._path_of.get(wd)
                if path is None:
                    continue
                if mask & IN_IGNORED:  # the file was removed: its watch is gone
                    self._path_of.pop(wd, None)
                    self._wd_of.pop(path, None)
                    continue
                grown.add(path)
        return grown

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def make_file_watch() -> InotifyWatch | StatWatch:
    """inotify where the kernel has it, else size polling."""
    try:
        return InotifyWatch()
    except (OSError, AttributeError):  # not Linux (no inotify_init1 in libc), or no watches
        return StatWatch()
