"""Free text: control characters refused on the way in, dropped on the way out."""

from __future__ import annotations

import unicodedata

import pytest

from cc_orchestrator.domain.errors import InvalidInput
from cc_orchestrator.domain.text import (
    check_line,
    check_multiline,
    check_title,
    inert_text,
    is_plain_line,
    printable,
)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x08", "\x7f", "\x85", "\x9b"])
def test_every_control_character_is_refused_in_titles_prompts_and_labels(char: str) -> None:
    for check in (check_title, lambda v: check_multiline(v, "the prompt")):
        with pytest.raises(InvalidInput, match="control character U\\+00"):
            check(f"nul{char}commit")
    with pytest.raises(InvalidInput, match="label"):
        check_line(f"a{char}b", "label 'x'")


def test_the_message_names_the_character_and_what_to_do() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_title("nul\x00commit")
    assert caught.value.message == "the title contains the control character U+0000 (NUL)"
    assert "remove it" in (caught.value.hint or "")


def test_titles_collapse_whitespace_and_prompts_keep_lines_and_tabs() -> None:
    assert check_title("  fix \t the\r\nlogin  ") == "fix the login"
    assert check_multiline("step 1\r\n\tstep 2\n", "the prompt") == "step 1\n\tstep 2\n"
    with pytest.raises(InvalidInput, match="U\\+000D"):
        check_multiline("a\rb", "the prompt")  # a lone CR rewrites a terminal line


def test_printable_drops_controls_from_old_records() -> None:
    assert printable("bell\x07 esc\x1b[31mred\x00") == "bell esc[31mred"
    assert printable("a\nb\tc") == "a b c"
    assert printable("a\nb\x1b\tc", multiline=True) == "a\nb\tc"
    assert printable("plain ünïcode") == "plain ünïcode"


def test_inert_text_refuses_exactly_unicode_controls_but_newline_and_tab() -> None:
    """The terminal rule and the free-text rules share one definition of a control character:
    Unicode's category Cc (C0, DEL, C1), checked here against every code point up to U+FFFF."""
    for code in range(0x10000):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        typed = unicodedata.category(char) == "Cc" and char not in "\n\t\r"
        try:
            inert_text(f"a{char}b", "the steering text")
        except InvalidInput as exc:
            assert typed, f"U+{code:04X} refused"
            assert "at position 1: it would reach the agent as a keystroke" in exc.message
        else:
            assert not typed, f"U+{code:04X} let through"
        assert is_plain_line(f"a{char}b") == (unicodedata.category(char) != "Cc"), f"U+{code:04X}"
