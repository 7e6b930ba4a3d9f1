"""Markdown -> ADF: cco's own Markdown (its status comment) as Jira Cloud v3 wants a body.

markdown-it-py parses it (CommonMark, with GFM's tables and ~~strike~~); its syntax tree is
mapped node by node. What ADF cannot hold becomes something it can, so Jira never refuses the
document:

- a single line break is kept (a ``hardBreak``), as GitHub keeps it in a comment;
- a bare http(s) URL becomes a link (a small regex on text; markdown-it's linkify would need
  linkify-it-py, one more dependency for this);
- HTML and images stay as plain text (an image as ``alt (url)``);
- ADF's rules of what may hold what: a list item and a quote hold only paragraphs, lists and
  code, so a heading there becomes a bold paragraph, a quote in a quote its content, a table
  its rows as text, a rule nothing; a list item starts with a paragraph or code;
- marks: ``code`` combines only with ``link``; no mark twice; no empty text node;
- nesting deeper than :data:`MAX_NESTING` (where markdown-it would drop the rest of the text)
  makes the whole text plain paragraphs instead.

The result is always ``{"type": "doc", "version": 1, "content": [...]}`` with at least one
block; tests check it against Atlassian's published JSON schema.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

__all__ = ["MAX_NESTING", "clean_text", "markdown_to_adf"]

#: markdown-it's nesting limit (its CommonMark preset has 20); past it, plain paragraphs
MAX_NESTING = 100
#: the order marks are written in (ADF does not care; one order makes documents comparable)
MARK_ORDER = ("link", "strike", "strong", "em", "code")
_BLOCKS_OF = {
    "listItem": frozenset({"paragraph", "bulletList", "orderedList", "codeBlock"}),
    "blockquote": frozenset({"paragraph", "bulletList", "orderedList", "codeBlock"}),
}
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)

Node = dict[str, Any]


def clean_text(text: str) -> str:
    """``text`` without control characters (newlines and tabs stay; CR LF and CR become LF)
    and without lone surrogates, which no UTF-8 encoder takes."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


@functools.cache
def _parser() -> MarkdownIt:
    options = {"html": False, "linkify": False, "typographer": False, "maxNesting": MAX_NESTING}
    return MarkdownIt("commonmark", options).enable(["table", "strikethrough"])


def markdown_to_adf(text: str) -> dict[str, Any]:
    """The ADF document of this Markdown (an empty one: one empty paragraph)."""
    source = clean_text(text) if isinstance(text, str) else ""
    tokens = _parser().parse(source)
    if any(token.level >= MAX_NESTING - 1 for token in tokens):
        content = _plain(source)
    else:
        content = _fit(_blocks(SyntaxTreeNode(tokens).children), "doc")
    return {"type": "doc", "version": 1, "content": content or [_paragraph([])]}


# -- blocks ----------------------------------------------------------------------------------
def _paragraph(inline: list[Node]) -> Node:
    return {"type": "paragraph", "content": inline}


def _blocks(nodes: list[SyntaxTreeNode]) -> list[Node]:
    out: list[Node] = []
    for node in nodes:
        out.extend(_block(node))
    return out


def _block(node: SyntaxTreeNode) -> list[Node]:
    kind = node.type
    if kind == "paragraph":
        return [_paragraph(_inline_of(node))]
    if kind == "heading":
        level = int(node.tag[1:]) if node.tag[1:].isdigit() else 1
        return [{"type": "heading", "attrs": {"level": level}, "content": _inline_of(node)}]
    if kind in ("bullet_list", "ordered_list"):
        return [_list(node)]
    if kind in ("fence", "code_block"):
        return [_code(node)]
    if kind == "blockquote":
        content = _fit(_blocks(node.children), "blockquote")
        return [{"type": "blockquote", "content": content or [_paragraph([])]}]
    if kind == "hr":
        return [{"type": "rule"}]
    if kind == "table":
        return _table(node)
    if kind == "html_block":
        return _plain(node.content)
    # a container markdown-it may add (thead, tbody...) or an inline run out of place
    if kind == "inline":
        return [_paragraph(_inline(node.children, ()))]
    return _blocks(node.children)


def _list(node: SyntaxTreeNode) -> Node:
    items = [_item(child) for child in node.children]
    if node.type == "bullet_list":
        return {"type": "bulletList", "content": items}
    start = node.attrs.get("start", 1)
    order = start if isinstance(start, int) and start >= 0 else 1
    return {"type": "orderedList", "attrs": {"order": order}, "content": items}


def _item(node: SyntaxTreeNode) -> Node:
    content = _fit(_blocks(node.children), "listItem")
    if not content or content[0]["type"] not in ("paragraph", "codeBlock"):
        content.insert(0, _paragraph([]))
    return {"type": "listItem", "content": content}


def _code(node: SyntaxTreeNode) -> Node:
    code: Node = {"type": "codeBlock"}
    language = node.info.strip().split(maxsplit=1)[0] if node.info.strip() else ""
    if language:
        code["attrs"] = {"language": language}
    body = node.content.removesuffix("\n")
    if body:
        code["content"] = [{"type": "text", "text": body}]
    return code


def _table(node: SyntaxTreeNode) -> list[Node]:
    rows: list[Node] = []
    for row in _descendants(node, "tr"):
        cells = [
            {
                "type": "tableHeader" if cell.type == "th" else "tableCell",
                "content": [_paragraph(_inline_of(cell))],
            }
            for cell in row.children
        ]
        # an empty header row is how Markdown writes a table without one (adf_to_markdown too)
        if cells and not (all(c["type"] == "tableHeader" for c in cells) and _all_empty(cells)):
            rows.append({"type": "tableRow", "content": cells})
    return [{"type": "table", "content": rows}] if rows else []


def _descendants(node: SyntaxTreeNode, kind: str) -> list[SyntaxTreeNode]:
    found: list[SyntaxTreeNode] = []
    for child in node.children:
        found.extend([child] if child.type == kind else _descendants(child, kind))
    return found


def _all_empty(cells: list[Node]) -> bool:
    return all(not cell["content"][0]["content"] for cell in cells)


def _plain(source: str) -> list[Node]:
    """Text as it is, no Markdown: a paragraph per run of lines, a hardBreak per line break."""
    paragraphs: list[Node] = []
    for chunk in re.split(r"\n[ \t]*\n", source):
        inline: list[Node] = []
        for line in chunk.strip("\n").split("\n"):
            if inline:
                inline.append({"type": "hardBreak"})
            _add_text(inline, line, ())
        while inline and inline[-1]["type"] == "hardBreak":
            inline.pop()
        if inline:
            paragraphs.append(_paragraph(inline))
    return paragraphs


# -- what ADF lets each container hold --------------------------------------------------------
def _fit(blocks: list[Node], container: str) -> list[Node]:
    allowed = _BLOCKS_OF.get(container)
    if allowed is None:
        return blocks
    out: list[Node] = []
    for block in blocks:
        kind = block["type"]
        if kind in allowed:
            out.append(block)
        elif kind == "heading":
            out.append(_paragraph([_with_mark(n, {"type": "strong"}) for n in block["content"]]))
        elif kind == "blockquote":
            out.extend(_fit(block["content"], container))
        elif kind == "table":
            out.extend(_paragraph(_row_text(row)) for row in block["content"])
    return out


def _row_text(row: Node) -> list[Node]:
    inline: list[Node] = []
    for index, cell in enumerate(row["content"]):
        if index:
            _add_text(inline, " | ", ())
        for node in cell["content"][0]["content"]:
            _append(inline, node)
    return inline


def _with_mark(node: Node, mark: Node) -> Node:
    marks: list[Node] = node.get("marks", [])
    if node["type"] != "text" or any(m["type"] in (mark["type"], "code") for m in marks):
        return node
    return {**node, "marks": _ordered([*marks, mark])}


# -- inline ----------------------------------------------------------------------------------
def _inline_of(node: SyntaxTreeNode) -> list[Node]:
    inline: list[Node] = []
    for child in node.children:
        if child.type == "inline":
            for part in _inline(child.children, ()):
                _append(inline, part)
    return inline


def _ordered(marks: list[Node]) -> list[Node]:
    return sorted(marks, key=lambda mark: MARK_ORDER.index(mark["type"]))


def _marked(marks: tuple[Node, ...], mark: Node) -> tuple[Node, ...]:
    if any(m["type"] == mark["type"] for m in marks):
        return marks
    return tuple(_ordered([*marks, mark]))


def _inline(nodes: list[SyntaxTreeNode], marks: tuple[Node, ...]) -> list[Node]:
    out: list[Node] = []
    for node in nodes:
        kind = node.type
        if kind in ("text", "text_special", "html_inline"):
            _add_text(out, node.content, marks, linkify=True)
        elif kind in ("softbreak", "hardbreak"):
            out.append({"type": "hardBreak"})
        elif kind == "code_inline":
            code_marks = tuple(m for m in marks if m["type"] == "link")
            _add_text(out, node.content, _marked(code_marks, {"type": "code"}))
        elif kind in ("strong", "em", "s"):
            mark = {"type": {"s": "strike"}.get(kind, kind)}
            inner = marks if any(m["type"] == "code" for m in marks) else _marked(marks, mark)
            for part in _inline(node.children, inner):
                _append(out, part)
        elif kind == "link":
            inner = _link_marks(node, marks)
            parts = _inline(node.children, inner)
            if not parts and inner != marks:  # [](url): the URL is its text
                parts = [_text(str(node.attrs["href"]), inner)]
            for part in parts:
                _append(out, part)
        elif kind == "image":
            _add_text(out, _image_text(node), marks, linkify=True)
        else:
            for part in _inline(node.children, marks):
                _append(out, part)
    return out


def _link_marks(node: SyntaxTreeNode, marks: tuple[Node, ...]) -> tuple[Node, ...]:
    href = node.attrs.get("href")
    if not isinstance(href, str) or not href or any(m["type"] == "link" for m in marks):
        return marks
    attrs: dict[str, str] = {"href": href}
    title = node.attrs.get("title")
    if isinstance(title, str) and title:
        attrs["title"] = title
    return _marked(marks, {"type": "link", "attrs": attrs})


def _image_text(node: SyntaxTreeNode) -> str:
    alt = "".join(child.content for child in node.walk() if child.type == "text")
    src = node.attrs.get("src")
    url = src if isinstance(src, str) else ""
    if alt and url:
        return f"{alt} ({url})"
    return alt or url


def _add_text(out: list[Node], text: str, marks: tuple[Node, ...], linkify: bool = False) -> None:
    if not linkify or any(m["type"] in ("link", "code") for m in marks):
        _append(out, _text(text, marks))
        return
    at = 0
    for match in _URL.finditer(text):
        url = _trim_url(match.group())
        if len(url) <= len(url.split("//", 1)[0]) + 2:
            continue
        _append(out, _text(text[at : match.start()], marks))
        href = _parser().normalizeLink(url)  # as markdown-it writes an autolink's
        _append(out, _text(url, _marked(marks, {"type": "link", "attrs": {"href": href}})))
        at = match.start() + len(url)
    _append(out, _text(text[at:], marks))


def _trim_url(url: str) -> str:
    """A URL without the punctuation that ends its sentence: ``(see https://x/a).``"""
    while url:
        closing = url[-1] == ")" and url.count(")") > url.count("(")
        if url[-1] in ".,:;!?*_~" or closing:
            url = url[:-1]
        else:
            break
    return url


def _text(text: str, marks: tuple[Node, ...]) -> Node:
    node: Node = {"type": "text", "text": text}
    if marks:
        node["marks"] = list(marks)
    return node


def _append(out: list[Node], node: Node) -> None:
    """Add one inline node: never an empty text; a text with the previous one's marks joins it."""
    if node["type"] == "text":
        if not node["text"]:
            return
        last = out[-1] if out else None
        if last is not None and last["type"] == "text" and last.get("marks") == node.get("marks"):
            out[-1] = {**last, "text": last["text"] + node["text"]}
            return
    out.append(node)
