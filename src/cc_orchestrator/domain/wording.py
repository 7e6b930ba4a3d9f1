"""Words for people: a count with its noun in the right form ("1 file", "2 files")."""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None) -> str:
    """`count` and the noun, singular for exactly one: plural(1, "file") == "1 file"."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
