"""Small builders of ADF nodes for the ADF tests (as Jira writes them), and markdown_to_adf
checked against Atlassian's schema."""

from __future__ import annotations

import json
from typing import Any

from cc_orchestrator.adapters.jira.adf import markdown_to_adf
from tests.support.adf_schema import check_adf

Node = dict[str, Any]


def to_adf(text: str) -> dict[str, Any]:
    """markdown_to_adf, and its result must be what Atlassian's schema takes."""
    result = markdown_to_adf(text)
    assert check_adf(result) == [], json.dumps(result)
    return result


def content(text: str) -> list[Any]:
    return list(to_adf(text)["content"])


def doc(*blocks: Node) -> Node:
    return {"type": "doc", "version": 1, "content": list(blocks)}


def p(*inline: Node | str) -> Node:
    return {"type": "paragraph", "content": [t(n) if isinstance(n, str) else n for n in inline]}


def mark(kind: str, href: str | None = None) -> Node:
    if kind == "link":
        return {"type": "link", "attrs": {"href": href or "https://example.com/"}}
    return {"type": kind}


def t(text: str, *marks: str | Node) -> Node:
    node: Node = {"type": "text", "text": text}
    if marks:
        node["marks"] = [mark(m) if isinstance(m, str) else m for m in marks]
    return node


def item(*blocks: Node) -> Node:
    return {"type": "listItem", "content": list(blocks)}


def bullets(*items: Node) -> Node:
    return {"type": "bulletList", "content": list(items)}


def ordered(*items: Node, order: object = None) -> Node:
    node: Node = {"type": "orderedList", "content": list(items)}
    if order is not None:
        node["attrs"] = {"order": order}
    return node


def heading(level: object, *inline: Node | str) -> Node:
    return {"type": "heading", "attrs": {"level": level}, "content": p(*inline)["content"]}


def code(text: str, language: str | None = None) -> Node:
    node: Node = {"type": "codeBlock"}
    if language is not None:
        node["attrs"] = {"language": language}
    if text:
        node["content"] = [t(text)]
    return node


def quote(*blocks: Node) -> Node:
    return {"type": "blockquote", "content": list(blocks)}


def row(*cells: Node) -> Node:
    return {"type": "tableRow", "content": list(cells)}


def cell(*inline: Node | str, header: bool = False) -> Node:
    return {"type": "tableHeader" if header else "tableCell", "content": [p(*inline)]}


def table(*rows: Node) -> Node:
    return {"type": "table", "content": list(rows)}


def inline(kind: str, **attrs: object) -> Node:
    return {"type": kind, "attrs": attrs}


HARD_BREAK: Node = {"type": "hardBreak"}
RULE: Node = {"type": "rule"}
