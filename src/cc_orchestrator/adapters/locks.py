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

    def _path(self, name: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.lock"

    def is_held(self, name: str) -> bool:
        """Whether some live process holds the lock (a dead holder's lock is released)."""
        fd = os.open(self._path(name), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    @contextmanager
    def hold(self, name: str) -> Iterator[None]:
        fd = os.open(self._path(name), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
