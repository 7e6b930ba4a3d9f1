"""Free text users give (titles, prompts, labels, feedback): refused when it holds control
characters, and made printable when shown.

A NUL byte cannot reach git, a file name or a command line (Python raises "embedded null
byte"), and ESC, BEL and the other C0/C1 controls rewrite a terminal that prints them. So:

- one-line text (a task title, a label) takes no control character at all; in a title, runs of
  spaces, tabs and line breaks become one space;
- multi-line text (a prompt, review feedback) keeps line breaks and tabs (a CR LF line end
  becomes LF); every other control character is refused.

Text typed into an agent's terminal (a prompt, steering text) must reach it as text, never as
keys: a terminal reads control characters and escape sequences as keystrokes. ESC [201~ ends a
bracketed paste early (whatever follows is typed: Ctrl-C, Enter), ESC [Z is Shift-Tab (which
switches Claude Code's permission mode), a raw CR is Enter, Ctrl-C interrupts. `inert_text`
keeps newlines and tabs and refuses any other control character, with the position of the
first one, before anything is sent.

The C0 range (U+0000-U+001F), DEL (U+007F) and the C1 range (U+0080-U+009F) count as control
characters (Unicode's category Cc).
"""

from __future__ import annotations

import re

from cc_orchestrator.domain.errors import InvalidInput

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACE_LIKE = re.compile(r"[ \t\r\n]+")
_LINE_BREAKS = re.compile(r"\r\n|[\t\r\n]")

_NAMES = {0: "NUL", 7: "BEL", 8: "backspace", 13: "carriage return", 27: "ESC", 127: "DEL"}
# what a control character would do as a keystroke, for inert_text's message
_KEY_NAMES = {
    "\x1b": "ESC, which starts an escape sequence",
    "\x03": "Ctrl-C",
    "\x04": "Ctrl-D",
    "\x7f": "DEL",
    "\x9b": "CSI, which starts an escape sequence",
}


def describe_control(char: str) -> str:
    code = ord(char)
    name = _NAMES.get(code)
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def _refuse(what: str, char: str, *, multiline: bool) -> InvalidInput:
    allowed = "line breaks and tabs are fine" if multiline else "plain text only"
    return InvalidInput(
        f"{what} contains the control character {describe_control(char)}",
        hint=f"remove it ({allowed}); NUL, ESC, BEL and other control characters are refused",
    )


def check_line(value: str, what: str) -> str:
    """One-line text: no control character; returns it stripped of outer spaces."""
    found = _CONTROL.search(value)
    if found:
        raise _refuse(what, found.group(), multiline=False)
    return value.strip()


def check_title(value: str, what: str = "the title") -> str:
    """A title: spaces, tabs and line breaks collapse to one space; other controls refused."""
    collapsed = _SPACE_LIKE.sub(" ", value)
    return check_line(collapsed, what)


def check_multiline(value: str, what: str) -> str:
    """Multi-line text (a prompt, feedback): keeps \\n and \\t, refuses other controls."""
    value = value.replace("\r\n", "\n")
    found = _CONTROL_MULTILINE.search(value)
    if found:
        raise _refuse(what, found.group(), multiline=True)
    return value


def printable(value: str, *, multiline: bool = False) -> str:
    """Text fit for a terminal: control characters dropped (line breaks and tabs kept when
    multiline, else shown as a space). For records written before these checks existed."""
    if multiline:
        return _CONTROL_MULTILINE.sub("", value.replace("\r\n", "\n"))
    return _CONTROL.sub("", _LINE_BREAKS.sub(" ", value))


# --------------------------------------------------------------------------- typed into a terminal


def inert_text(text: str, what: str = "the text") -> str:
    """text with CR LF (and a lone CR) as LF; InvalidInput if it holds another control."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = _CONTROL_MULTILINE.search(text)
    if found:
        char = found.group()
        name = _KEY_NAMES.get(char, f"U+{ord(char):04X}")
        raise InvalidInput(
            f"{what} holds a control character ({name}) at position {found.start()}: "
            "it would reach the agent as a keystroke, not as text; nothing was sent",
            hint="remove control characters and escape sequences from the text",
        )
    return text


def is_plain_line(text: str) -> bool:
    """One line without tabs or controls: safe to type key by key (a dialog's answer)."""
    return _CONTROL.search(text) is None
