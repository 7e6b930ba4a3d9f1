"""Atlassian Document Format (ADF, the JSON of Jira Cloud v3's descriptions and comments) <->
Markdown. :func:`adf_to_markdown` makes the prompt an agent reads of an issue's description
and comments; :func:`markdown_to_adf` (``adf_markdown.py``) makes cco's status comment a body
Jira takes.

ADF -> Markdown is lenient: a document is whatever Jira (or anyone) sent, so nothing in it may
raise. Anything not a node is skipped, a node of a kind it does not know gives its content
(blocks as blocks, text as text), nesting deeper than :data:`MAX_DEPTH` gives only its text
(without recursion), and at most :data:`MAX_NODES` nodes are read. The Markdown is CommonMark
(GFM tables and ~~strike~~), escaped just enough that a text reads back as the same text, but
no more: ``snake_case`` and ``C:\\path`` stay as written, for an agent to copy. Control
characters other than newlines and tabs never reach it, and it is cut at ``max_chars``, with a
last line that says so.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from cc_orchestrator.adapters.jira.adf_inline import MARK_ORDER, Marks, Segment, autolink, escape
from cc_orchestrator.adapters.jira.adf_inline import serialize as _serialize
from cc_orchestrator.adapters.jira.adf_markdown import clean_text, markdown_to_adf

__all__ = ["DEFAULT_MAX_CHARS", "MAX_DEPTH", "MAX_NODES", "adf_to_markdown", "markdown_to_adf"]

DEFAULT_MAX_CHARS = 60_000
#: nesting rendered as structure; a node deeper than this is its text alone
MAX_DEPTH = 40
#: nodes read at most (a description is a few hundred); the rest is cut
MAX_NODES = 50_000
TRUNCATED = "\n\n[… truncated]"

_INLINE = frozenset(
    {"text", "hardBreak", "mention", "emoji", "date", "status", "inlineCard", "mediaInline"}
    | {"placeholder", "inlineExtension"}
)
_LIST_KINDS = frozenset({"bulletList", "orderedList", "taskList", "decisionList"})
_LINE_START = re.compile(r"^([ \t]*)([#>+=-]|\d{1,9}(?=[.)]))", re.MULTILINE)  # 1. is 1\.
_THEMATIC = re.compile(r"^ *([-*_])( *\1){2,} *$")
_NAMES = ("alt", "__fileName", "name", "url")

Node = dict[Any, Any]


def adf_to_markdown(doc: object, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The Markdown of an ADF document (or of any JSON: a string is taken as plain text)."""
    limit = max(int(max_chars), 0)
    render = _Render(limit)
    if isinstance(doc, str):
        text = clean_text(doc)
    else:
        nodes = _content(doc) if _kind(doc) == "doc" else doc if isinstance(doc, list) else [doc]
        text = "\n\n".join(render.blocks(nodes, 0))
        text = clean_text(text).strip("\n")
    if len(text) <= limit and not render.spent():
        return text
    cut = limit - len(TRUNCATED)
    if cut <= 0:
        return text[:limit]
    kept = text[:cut].rstrip()
    return kept + TRUNCATED if kept else TRUNCATED.strip()


# -- reading nodes, leniently ----------------------------------------------------------------
def _kind(node: object) -> str:
    kind = node.get("type") if isinstance(node, dict) else None
    return kind if isinstance(kind, str) else ""


def _attrs(node: object) -> Node:
    attrs = node.get("attrs") if isinstance(node, dict) else None
    return attrs if isinstance(attrs, dict) else {}


def _content(node: object) -> list[object]:
    content = node.get("content") if isinstance(node, dict) else None
    return content if isinstance(content, list) else []


def _str(value: object) -> str:
    return clean_text(value) if isinstance(value, str) else ""


def _text(node: object) -> str:
    return _str(node.get("text")) if isinstance(node, dict) else ""


def _int(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
        return int(number) if number.is_integer() else None
    except (ValueError, OverflowError):
        return None


def _is_inline(node: object) -> bool:
    return isinstance(node, str) or _kind(node) in _INLINE


def _marks(node: object) -> Marks:
    raw = node.get("marks") if isinstance(node, dict) else None
    found: dict[str, str] = {}
    for mark in raw if isinstance(raw, list) else []:
        kind = _kind(mark)
        if kind == "link" and "link" not in found:
            href = _str(_attrs(mark).get("href")).strip()
            if href:
                found["link"] = href
        elif kind in MARK_ORDER:
            found[kind] = ""
    return tuple((kind, found[kind]) for kind in MARK_ORDER if kind in found)


# -- blocks' own Markdown --------------------------------------------------------------------
def _escape_lines(text: str) -> str:
    """What would start a block at a line's start (a heading, a quote, a list, a setext
    underline) escaped: a paragraph's lines after a hard break are line starts too."""
    return _LINE_START.sub(_escaped_start, text)


def _escaped_start(match: re.Match[str]) -> str:
    indent, start = match.group(1), match.group(2)
    return f"{indent}{start}\\" if start[0].isdigit() else f"{indent}\\{start}"


def _indent(prefix: str, body: str, rest: str | None = None) -> str:
    """``body`` with ``prefix`` before its first line and ``rest`` (spaces as wide) before the
    others; empty lines stay empty."""
    tail = " " * len(prefix) if rest is None else rest
    lines = body.split("\n")
    first = (prefix + lines[0]).rstrip() if lines[0] else prefix.rstrip()
    return "\n".join([first] + [tail + line if line else tail.rstrip() for line in lines[1:]])


def _date(value: object) -> str:
    millis = _int(value)
    if millis is None:
        return _str(value)
    try:
        return datetime.fromtimestamp(millis / 1000, tz=UTC).strftime("%Y-%m-%d")
    except (ValueError, OverflowError, OSError):
        return _str(value) or str(millis)


class _Render:
    """One document's rendering: what it has read so far, to stop in time."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.nodes = 0
        self.chars = 0

    def spent(self) -> bool:
        return self.nodes >= MAX_NODES or self.chars > self.limit

    def _count(self, text: str) -> str:
        self.chars += len(text)
        return text

    # -- blocks ------------------------------------------------------------------------------
    def blocks(self, nodes: list[object], depth: int) -> list[str]:
        out: list[str] = []
        run: list[object] = []
        last_list = ("", False)  # the kind of the list just written, and its marker
        for node in [*nodes, None]:
            if node is not None and _is_inline(node):
                run.append(node)
                continue
            if run:
                out.append(_escape_lines(self.inline(run, depth).lstrip(" \t")))
                run, last_list = [], ("", False)
            if node is None or self.spent():
                break
            kind = _kind(node)
            alt = kind in _LIST_KINDS and last_list == (kind, False)
            text = self.block(node, depth, alt)
            if text.strip():
                out.append(text)
                last_list = (kind, alt) if kind in _LIST_KINDS else ("", False)
        return [block for block in out if block.strip()]

    def block(self, node: object, depth: int, alt: bool = False) -> str:
        self.nodes += 1
        if depth > MAX_DEPTH:
            return _escape_lines(escape(self._count(self.text_of(node))))
        kind, attrs, content = _kind(node), _attrs(node), _content(node)
        if kind == "paragraph":
            return _escape_lines(self.inline(content, depth).lstrip(" \t"))
        if kind == "heading":
            level = min(max(_int(attrs.get("level")) or 1, 1), 6)
            text = self.inline(content, depth).replace("\n", " ").strip()
            text = re.sub(r"(^|\s)(#+)\s*$", r"\1\\\2", text)
            return "#" * level + (f" {text}" if text else "")
        if kind in ("bulletList", "orderedList"):
            return self.list_(node, depth, alt)
        if kind == "taskList":
            return self.tasks(content, depth, "*" if alt else "-")
        if kind == "decisionList":
            items = [self.inline(_content(item), depth + 1) for item in content]
            marker = "* " if alt else "- "
            return "\n".join(_indent(marker, f"Decision: {text}") for text in items if text)
        if kind == "codeBlock":
            return self.code(node)
        if kind == "blockquote":
            return self.quote(self.blocks(content, depth + 1))
        if kind == "rule":
            return "---"
        if kind == "panel":
            return self.panel(node, depth)
        if kind == "table":
            return self.table(content, depth)
        if kind in ("mediaSingle", "mediaGroup"):
            parts = [self.inline([c], depth + 1) for c in content if _kind(c) != "caption"]
            captions = [
                self.inline(_content(c), depth + 1) for c in content if _kind(c) == "caption"
            ]
            return _escape_lines(" ".join(part for part in parts + captions if part))
        if kind == "media":
            return self.inline([node], depth)
        if kind in ("expand", "nestedExpand"):
            title = _str(attrs.get("title")).strip()
            head = [f"**{escape(self._count(title))}**"] if title else []
            return "\n\n".join(head + self.blocks(content, depth + 1))
        if kind in ("blockCard", "embedCard"):
            return self.inline([{"type": "inlineCard", "attrs": attrs}], depth)
        if content:  # doc, listItem out of place, layouts, extensions, unknown kinds
            return "\n\n".join(self.blocks(content, depth + 1))
        return _escape_lines(escape(self._count(_str(attrs.get("text")) or _text(node))))

    def list_(self, node: object, depth: int, alt: bool) -> str:
        ordered = _kind(node) == "orderedList"
        items = _content(node)
        number = _int(_attrs(node).get("order")) if ordered else None
        number = min(max(number if number is not None else 1, 0), 999_999_999 - len(items))
        bodies: list[str] = []
        for item in items:
            bodies.append(self.item(item, depth + 1))
            if self.spent():
                break
        if ordered:
            start = number
            return "\n".join(
                _indent(f"{start + i}{')' if alt else '.'} ", body) for i, body in enumerate(bodies)
            )
        lines = [_indent("* " if alt else "- ", body) for body in bodies]
        if any(_THEMATIC.match(line) for line in lines):  # "- - -" would be a rule
            lines = [_indent("- " if alt else "* ", body) for body in bodies]
        return "\n".join(lines)

    def item(self, item: object, depth: int) -> str:
        """A list item's blocks: a list right after a paragraph stays tight."""
        self.nodes += 1
        children = _content(item) if _kind(item) == "listItem" else [item]
        parts: list[str] = []
        last = ("", False)  # as in blocks: a list right after one of its kind is told apart
        for child in children:
            kind = _kind(child)
            alt = kind in _LIST_KINDS and last == (kind, False)
            text = self.block(child, depth + 1, alt) if not _is_inline(child) else None
            if text is None:
                text = _escape_lines(self.inline([child], depth + 1))
            if not text.strip():
                continue
            # CommonMark lets only a bullet list or one from 1 interrupt a paragraph
            starts = not text[:1].isdigit() or text.startswith(("1. ", "1) "))
            tight = bool(parts) and _kind(child) in _LIST_KINDS and starts
            parts.append(("\n" if tight else "\n\n") + text if parts else text)
            last = (kind, alt) if kind in _LIST_KINDS else ("", False)
        return "".join(parts)

    def tasks(self, items: list[object], depth: int, bullet: str) -> str:
        entries: list[str] = []
        for item in items:
            self.nodes += 1
            if _kind(item) == "taskList" and entries:  # a sublist: under the item before it
                entries[-1] += "\n" + _indent("  ", self.tasks(_content(item), depth + 1, bullet))
                continue
            done = _str(_attrs(item).get("state")).upper() == "DONE"
            box = f"{bullet} [{'x' if done else ' '}] "
            children = _content(item)
            if children and not all(_is_inline(child) for child in children):
                body = "\n\n".join(self.blocks(children, depth + 1))
            else:
                body = _escape_lines(self.inline(children, depth + 1))
            entries.append(_indent(box, body, "  "))
            if self.spent():
                break
        return "\n".join(entries)

    def code(self, node: object) -> str:
        text = "".join(
            _str(child.get("text")) if isinstance(child, dict) else _str(child)
            for child in _content(node)
        )
        self._count(text)
        runs = [len(run) for run in re.findall(r"`+", text)]
        fence = "`" * max(3, max(runs, default=0) + 1)
        language = _str(_attrs(node).get("language")).strip().split(maxsplit=1)
        info = language[0].replace("`", "") if language else ""
        return f"{fence}{info}\n{text}\n{fence}" if text else f"{fence}{info}\n{fence}"

    def quote(self, blocks: list[str]) -> str:
        return _indent("> ", "\n\n".join(blocks), "> ") if blocks else ">"

    def panel(self, node: object, depth: int) -> str:
        kind = _str(_attrs(node).get("panelType")).strip() or "info"
        label = f"**{escape(kind[:1].upper() + kind[1:])}:**"
        content = _content(node)
        blocks = self.blocks(content, depth + 1)
        if blocks and content and _kind(content[0]) == "paragraph":
            blocks[0] = f"{label} {blocks[0]}"
        else:
            blocks.insert(0, label)
        return self.quote(blocks)

    def table(self, rows: list[object], depth: int) -> str:
        grid: list[list[str]] = []
        header = False
        for index, row in enumerate(rows):
            self.nodes += 1
            cells = [c for c in _content(row) if isinstance(c, dict)]
            if index == 0:
                header = bool(cells) and all(_kind(c) == "tableHeader" for c in cells)
            grid.append([self.cell(cell, depth + 1) for cell in cells])
            if self.spent():
                break
        width = max((len(row) for row in grid), default=0)
        if width == 0:
            return ""
        if not header:
            grid.insert(0, [""] * width)
        padded = [[text or " " for text in row + [""] * (width - len(row))] for row in grid]
        lines = ["| " + " | ".join(row) + " |" for row in padded]
        lines.insert(1, "|" + " --- |" * width)
        return "\n".join(lines)

    def cell(self, cell: object, depth: int) -> str:
        text = " ".join(self.blocks(_content(cell), depth + 1))
        text = re.sub(r"\s*\n\s*", " ", text).strip()
        return re.sub(r"(?<!\\)\|", r"\\|", text)

    # -- inline ------------------------------------------------------------------------------
    def inline(self, nodes: list[object], depth: int) -> str:
        segments: list[Segment] = []
        self.segments(nodes, depth, segments)
        return _serialize(segments)

    def segments(self, nodes: list[object], depth: int, out: list[Segment]) -> None:
        for node in nodes:
            if self.spent():
                return
            self.nodes += 1
            kind, attrs = _kind(node), _attrs(node)
            if depth > MAX_DEPTH:
                out.append((self._count(self.text_of(node)), (), False))
            elif isinstance(node, str) or kind == "text":
                text = node if isinstance(node, str) else _text(node)
                for index, line in enumerate(clean_text(self._count(text)).split("\n")):
                    if index:  # a newline in a text is a line break, as a hardBreak is
                        out.append(("\n", (), True))
                    out.append((line, _marks(node), False))
            elif kind == "hardBreak":
                out.append(("\n", (), True))
            elif kind in _INLINE or kind == "media":
                out.append((self._count(self.leaf(kind, attrs)), _marks(node), True))
            elif _content(node):  # a block out of place, an unknown kind: its content
                self.segments(_content(node), depth + 1, out)
            else:
                out.append((self._count(_str(attrs.get("text")) or _text(node)), (), False))

    def leaf(self, kind: str, attrs: Node) -> str:
        """An inline node that is not text, as Markdown (raw: escaped here)."""
        if kind == "mention":
            name = _str(attrs.get("text")).strip() or _str(attrs.get("id")).strip() or "someone"
            return escape(name if name.startswith("@") else f"@{name}")
        if kind == "emoji":
            return escape(_str(attrs.get("text")).strip() or _str(attrs.get("shortName")).strip())
        if kind == "date":
            return escape(_date(attrs.get("timestamp")))
        if kind in ("status", "placeholder", "inlineExtension"):
            return escape(_str(attrs.get("text")).strip())
        if kind == "inlineCard":
            data = attrs.get("data")
            url = _str(attrs.get("url")) or _str(data.get("url") if isinstance(data, dict) else "")
            url = url.strip()
            return autolink(url) or escape(url)
        # media, mediaInline: Jira gives the file's name as alt
        name = next((v for v in (_str(attrs.get(k)).strip() for k in _NAMES) if v), "")
        return f"[attachment: {escape(name)}]" if name else "[attachment]"

    def text_of(self, node: object) -> str:
        """All the text under ``node``, without recursion (for what is nested too deep), each
        node once (a Python object, unlike JSON, can contain itself)."""
        parts: list[str] = []
        stack: list[object] = [node]
        seen: set[int] = set()
        while stack and not self.spent():
            current = stack.pop()
            self.nodes += 1
            if isinstance(current, str):
                parts.append(current)
            elif id(current) in seen:
                continue
            elif isinstance(current, list):
                seen.add(id(current))
                stack.extend(reversed(current))
            elif isinstance(current, dict):
                seen.add(id(current))
                parts.append(_text(current) or _str(_attrs(current).get("text")))
                children = current.get("content")
                if isinstance(children, list):
                    stack.append(" ")
                    stack.extend(reversed(children))
        return re.sub(r"\s+", " ", clean_text("".join(parts))).strip()
