"""ADF -> Markdown, inline: text escaped just enough, and marks as CommonMark delimiters.

A paragraph is a list of segments (a text, its marks, and whether it is Markdown already, as a
mention or a code span is). Marks open and close as a stack in :data:`MARK_ORDER`, a link
outermost and code a span of its own. CommonMark only takes ``*``/``~~`` as emphasis when they
touch the text they wrap ("flanking"): whitespace, and punctuation next to a letter, go
outside the delimiters (``x*(a)*y`` is not emphasis; ``x(*a*)y`` is).
"""

from __future__ import annotations

import re

from cc_orchestrator.adapters.jira.adf_markdown import MARK_ORDER

__all__ = ["MARK_ORDER", "Marks", "Segment", "escape", "serialize"]

Marks = tuple[tuple[str, str], ...]
Segment = tuple[str, Marks, bool]  # text, its marks, raw (already Markdown)

_ASCII_PUNCT = r"!-/:-@\[-`{-~"
_ESCAPES = [
    (re.compile(rf"\\(?=[{_ASCII_PUNCT}]|\n|$)"), r"\\\\"),  # a backslash that would escape
    (re.compile(r"([*`\[\]|])"), r"\\\1"),
    (re.compile(r"(?<![^\W_])_|_(?![^\W_])"), r"\\_"),  # _ not inside a word
    (re.compile(r"~(?=~|$)|(?<=~)~|^~"), r"\\~"),
    (re.compile(r"<(?=[A-Za-z/!?])"), r"\\<"),
    (re.compile(r"&(?=#?\w+;)"), r"\\&"),
]
_AUTOLINK = re.compile(r"https?://[^\s<>]+", re.IGNORECASE)
_OPEN = {"strike": "~~", "strong": "**", "em": "*"}
_BLANK = " \t"


def escape(text: str) -> str:
    """Text whose Markdown reads as this text (a line's start aside: the blocks see to it)."""
    for pattern, replacement in _ESCAPES:
        text = pattern.sub(replacement, text)
    return text


def code_span(text: str) -> str:
    text = text.replace("\n", " ")
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def autolink(url: str) -> str | None:
    """``<url>``, when ``url`` can be written so."""
    return f"<{url}>" if _AUTOLINK.fullmatch(url) else None


def _href(href: str) -> str:
    """A link's destination: in ``<>`` when it has parentheses or backslashes (kept as they
    are), spaces and angle brackets percent-encoded."""
    href = re.sub(r"[\s<>]", lambda m: f"%{ord(m.group()):02X}", href)
    return f"<{href}>" if re.search(r"[()\\]", href) else href


def _outer(marks: Marks) -> Marks:
    return tuple(mark for mark in marks if mark[0] != "code")


def _common(active: Marks, marks: Marks) -> int:
    count = 0
    for have, want in zip(active, marks, strict=False):
        if have != want:
            break
        count += 1
    return count


def _punct(char: str) -> bool:
    return bool(char) and not char.isalnum() and not char.isspace()


def _merge(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for text, marks, raw in segments:
        if not text:
            continue
        if merged and not raw and not merged[-1][2] and merged[-1][1] == marks:
            merged[-1] = (merged[-1][0] + text, marks, False)
        else:
            merged.append((text, marks, raw))
    return merged


def _emphasis(marks: Marks) -> bool:
    return any(kind in _OPEN for kind, _ in marks)


def _expel(segments: list[Segment]) -> list[Segment]:
    """Punctuation at the edge of an emphasis, next to a letter outside it, moves out of it:
    the delimiter would not be flanking there, and would stay a literal ``*``."""
    out: list[Segment] = []
    none: Segment = ("", (), False)
    for index, (text, marks, raw) in enumerate(segments):
        outer = _outer(marks)
        if raw or outer != marks or not _emphasis(outer):
            out.append((text, marks, raw))
            continue
        before = segments[index - 1] if index else none
        after = segments[index + 1] if index + 1 < len(segments) else none
        opening = outer[_common(_outer(before[1]), outer) :]
        closing = outer[_common(_outer(after[1]), outer) :]
        start, end = 0, len(text)
        if _emphasis(opening) and before[0][-1:].isalnum():
            while start < end and _punct(text[start]):
                start += 1
        if _emphasis(closing) and after[0][:1].isalnum():
            while end > start and _punct(text[end - 1]):
                end -= 1
        if start == end:  # all punctuation: nothing to wrap the marks round
            start, end = 0, len(text)
        out.append((text[:start], _without(outer, opening), False))
        out.append((text[start:end], marks, False))
        out.append((text[end:], _without(outer, closing), False))
    return _merge(out)


def _without(marks: Marks, dropped: Marks) -> Marks:
    return tuple(mark for mark in marks if mark not in dropped or mark[0] == "link")


def serialize(segments: list[Segment]) -> str:
    """Inline segments as Markdown."""
    out: list[str] = []
    active: list[tuple[str, str]] = []

    def close(count: int) -> None:
        last = out.pop() if out else ""
        body = last.rstrip(_BLANK)
        out.append(body)
        for kind, href in reversed(active[len(active) - count :]):
            out.append(f"]({_href(href)})" if kind == "link" else _OPEN[kind])
        del active[len(active) - count :]
        out.append(last[len(body) :])

    for text, marks, raw in _expel(_merge(segments)):
        outer = _outer(marks)
        if not text.strip(_BLANK):  # whitespace never opens a mark
            outer = tuple(active[: _common(tuple(active), outer)])
        link = autolink(text) if outer == (("link", text),) and marks == outer else None
        if link is not None:
            outer, marks, text, raw = (), (), link, True
        keep = _common(tuple(active), outer)
        if keep < len(active):
            close(len(active) - keep)
        body = text.lstrip(_BLANK) if keep < len(outer) else text
        if len(body) < len(text):
            out.append(text[: len(text) - len(body)])
        for kind, href in outer[keep:]:
            out.append("[" if kind == "link" else _OPEN[kind])
            active.append((kind, href))
        if outer != marks and body.strip(_BLANK):
            out.append(code_span(body))
        else:
            out.append(body if raw else escape(body))
    if active:
        close(len(active))
    return "".join(out)
