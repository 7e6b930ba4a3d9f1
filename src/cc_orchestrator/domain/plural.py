"""Counts in words: "1 file", "2 files", never "1 file(s)"."""

from __future__ import annotations


def count(n: int, one: str, many: str | None = None) -> str:
    """`count(1, "commit")` is "1 commit"; `count(0, "commit")` is "0 commits"."""
    return f"{n} {one if n == 1 else (many or one + 's')}"
