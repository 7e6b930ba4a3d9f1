"""Text typed into an agent's terminal must reach it as text, never as keys.

A terminal reads control characters and escape sequences as keystrokes: ESC [201~ ends a
bracketed paste early (whatever follows is typed: Ctrl-C, Enter), ESC [Z is Shift-Tab (which
switches Claude Code's permission mode), a raw CR is Enter, Ctrl-C interrupts. Steering text
may hold newlines and tabs; any other C0 or C1 control character (ESC, DEL, U+009B CSI...) is
refused with the position of the first one, before anything is sent.
"""

from __future__ import annotations

import unicodedata

from cc_orchestrator.domain.errors import InvalidInput

_ALLOWED = {"\n", "\t"}
_NAMES = {
    "\x1b": "ESC, which starts an escape sequence",
    "\x03": "Ctrl-C",
    "\x04": "Ctrl-D",
    "\x7f": "DEL",
    "\x9b": "CSI, which starts an escape sequence",
}


def _is_control(char: str) -> bool:
    return char not in _ALLOWED and unicodedata.category(char) == "Cc"


def inert_text(text: str, what: str = "the text") -> str:
    """text with CR LF (and a lone CR) as LF; InvalidInput if it holds another control."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for position, char in enumerate(text):
        if _is_control(char):
            name = _NAMES.get(char, f"U+{ord(char):04X}")
            raise InvalidInput(
                f"{what} holds a control character ({name}) at position {position}: "
                "it would reach the agent as a keystroke, not as text; nothing was sent",
                hint="remove control characters and escape sequences from the text",
            )
    return text


def is_plain_line(text: str) -> bool:
    """One line without tabs or controls: safe to type key by key (a dialog's answer)."""
    return not any(char in _ALLOWED or _is_control(char) for char in text)
