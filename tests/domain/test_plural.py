from __future__ import annotations

from cc_orchestrator.domain.plural import count as plural


def test_one_is_singular_and_the_rest_plural() -> None:
    assert plural(1, "file") == "1 file"
    assert [plural(n, "commit") for n in (0, 2, 10)] == ["0 commits", "2 commits", "10 commits"]
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(3, "entry", "entries") == "3 entries"
