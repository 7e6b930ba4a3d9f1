"""Named inter-process locks with flock(2): released by the kernel if the holder dies."""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class FileLocks:
    """Implements ports.Locks with one lock file per name under a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._paths: dict[str, Path] = {}  # the monitor takes the same few locks many times

    def _path(self, name: str) -> Path:
        path = self._paths.get(name)
        if path is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.lock"
            if len(self._paths) > 1024:
                self._paths.clear()
            self._paths[name] = path
        return path

    def _open(self, name: str) -> int:
        try:
            return os.open(self._path(name), os.O_RDWR | os.O_CREAT, 0o600)
        except FileNotFoundError:  # the folder was removed meanwhile
            self.folder.mkdir(parents=True, exist_ok=True)
            return os.open(self._path(name), os.O_RDWR | os.O_CREAT, 0o600)

    def is_held(self, name: str) -> bool:
        """Whether some live process holds the lock (a dead holder's lock is released)."""
        fd = self._open(name)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    @contextmanager
    def hold(self, name: str) -> Iterator[None]:
        fd = self._open(name)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
