"""Reading files that agents append to: whole lines from an offset, and cheap change stamps."""

from __future__ import annotations

import os
from pathlib import Path


def read_lines(path: Path, offset: int, limit: int = 4 * 1024 * 1024) -> tuple[list[str], int]:
    """Complete lines appended since offset, and the offset after the last complete line."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read(limit)
    except FileNotFoundError:
        return [], offset
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset
    chunk = data[: end + 1]
    return chunk.decode("utf-8", "replace").splitlines(), offset + len(chunk)


def stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells that a file changed without reading it: inode, size, mtime."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
