"""ADF <-> Markdown's promises for any input (hypothesis): markdown_to_adf of any text is a
document Atlassian's schema takes; adf_to_markdown of any JSON never raises, holds no control
character and keeps to its cap; and the two agree: ADF of the supported kinds reads back as
itself through its Markdown, and what markdown_to_adf makes of any text keeps its words."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cc_orchestrator.adapters.jira.adf import adf_to_markdown, markdown_to_adf
from tests.support.adf_schema import check_adf

EXAMPLES = 200
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
KINDS = [
    "doc", "paragraph", "text", "heading", "bulletList", "orderedList", "listItem", "codeBlock",
    "blockquote", "rule", "hardBreak", "mention", "emoji", "inlineCard", "blockCard", "panel",
    "table", "tableRow", "tableHeader", "tableCell", "mediaSingle", "mediaGroup", "media",
    "status", "date", "expand", "nestedExpand", "taskList", "taskItem", "decisionList",
    "decisionItem", "extension", "bodiedExtension", "layoutSection", "unknownKind",
]  # fmt: skip
# Markdown's own pieces, so that arbitrary text is also arbitrary Markdown
PIECES = [
    "*", "**", "_", "`", "```", "~~", "#", "## ", "> ", "- ", "+ ", "1. ", "2) ", "---", "===",
    "|", "| a | b |\n|---|---|\n", "[", "](", ")", "<", ">", "![", "\\", "&amp;", "\n", "\n\n",
    "  \n", "    ", "\t", "http://x.org/a_b", "https://y.org/(p)", "<https://z.org>", "<b>", "é",
    "日本", "😄", "a", "word", " ", "1", ".", ",", "(", "!", "~", "\x00", "\x1b", "\r",
]  # fmt: skip
markdownish = st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=40).map("".join)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["type", "text", "attrs", "content", "marks", "x"]),
            children,
            max_size=5,
        )
    ),
    max_leaves=40,
)
adf_like = st.recursive(
    st.fixed_dictionaries(
        {"type": st.sampled_from(KINDS)},
        optional={
            "text": st.text(max_size=10) | json_values,
            "attrs": st.dictionaries(
                st.sampled_from(
                    [
                        "level",
                        "order",
                        "url",
                        "text",
                        "timestamp",
                        "language",
                        "panelType",
                        "state",
                        "alt",
                        "title",
                    ]
                ),
                json_values,
                max_size=3,
            ),
            "marks": st.lists(
                st.fixed_dictionaries(
                    {
                        "type": st.sampled_from(
                            ["strong", "em", "code", "strike", "link", "underline"]
                        )
                    },
                    optional={
                        "attrs": st.fixed_dictionaries({"href": st.text(max_size=10) | json_values})
                    },
                ),
                max_size=3,
            ),
        },
    ),
    lambda children: st.fixed_dictionaries(
        {"type": st.sampled_from(KINDS), "content": st.lists(children, max_size=4)}
    ),
    max_leaves=30,
)


@SETTINGS
@given(st.text() | markdownish)
def test_any_text_is_a_document_jira_takes(text: str) -> None:
    doc = markdown_to_adf(text)
    assert check_adf(doc) == [], (text, json.dumps(doc))
    json.dumps(doc).encode("utf-8")  # what the client sends


@SETTINGS
@given(json_values | adf_like | st.lists(adf_like, max_size=5), st.integers(0, 400))
def test_any_json_is_read_without_raising(value: Any, cap: int) -> None:
    for limit in (cap, 60_000):
        text = adf_to_markdown(value, max_chars=limit)
        assert len(text) <= limit
        assert not CONTROL.search(text)


# -- ADF of the supported kinds: its Markdown reads back as itself ---------------------------
WORD = st.text(
    alphabet=st.sampled_from("abcxyzé日09*_`~[]<>&#|\\!-+=.()/:;'\"%"), min_size=1, max_size=6
)


def _edges_alnum(text: str) -> bool:
    return text[:1].isalnum() and text[-1:].isalnum()


@st.composite
def paragraphs(draw: st.DrawFn) -> dict[str, Any]:
    """Text of words, some marked; a marked run starts and ends with a letter (punctuation
    next to a delimiter moves out of it: the same text, another split), hard breaks between."""
    inline: list[dict[str, Any]] = []
    previous: tuple[str, ...] | None = None
    for _ in range(draw(st.integers(1, 5))):
        marks = draw(
            st.sampled_from(
                [(), (), ("strong",), ("em",), ("strike",), ("strong", "em"), ("code",), ("link",)]
            )
        )
        words = draw(st.lists(WORD, min_size=1, max_size=4))
        text = " ".join(words)
        if marks and not _edges_alnum(text):
            text = "w" + text + "w"
        if marks == previous or (
            inline and inline[-1]["type"] == "text" and not marks and not previous
        ):
            continue
        if inline and draw(st.booleans()):
            inline.append({"type": "hardBreak"})
            previous = None
        node: dict[str, Any] = {"type": "text", "text": text}
        if marks == ("link",):
            node["marks"] = [
                {
                    "type": "link",
                    "attrs": {
                        "href": "https://x.org/" + draw(st.sampled_from(["a", "b_c", "d?e=1"]))
                    },
                }
            ]
        elif marks:
            node["marks"] = [{"type": m} for m in marks]
        if inline and inline[-1]["type"] == "text":  # two texts of other marks: a space apart
            inline.append({"type": "text", "text": " "})
        inline.append(node)
        previous = marks
    return {"type": "paragraph", "content": _joined(inline)}


def _joined(inline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in inline:
        if (
            out
            and node["type"] == "text" == out[-1]["type"]
            and node.get("marks") == out[-1].get("marks")
        ):
            out[-1] = {**out[-1], "text": out[-1]["text"] + node["text"]}
        else:
            out.append(node)
    return out


def blocks(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    leaf = (
        paragraphs()
        | st.builds(
            lambda level, para: {
                "type": "heading",
                "attrs": {"level": level},
                "content": para["content"],
            },
            st.integers(1, 6),
            paragraphs(),
        ).filter(lambda h: all(n["type"] != "hardBreak" for n in h["content"]))
        | st.builds(
            lambda lines, lang: {
                "type": "codeBlock",
                **({"attrs": {"language": lang}} if lang else {}),
                "content": [{"type": "text", "text": "\n".join(lines)}],
            },
            st.lists(
                st.text(alphabet="ab `~#*\\ ", min_size=1, max_size=8), min_size=1, max_size=3
            ),
            st.sampled_from(["", "python", "sh"]),
        ).filter(lambda c: c["content"][0]["text"].strip("\n"))
        | st.just({"type": "rule"})
    )
    if depth == 0:
        return leaf
    inner = blocks(depth - 1)
    items = st.builds(
        lambda first, rest: {"type": "listItem", "content": [first, *rest]},
        paragraphs(),
        st.lists(st.one_of(paragraphs(), lists(inner)), max_size=2),
    )
    return (
        leaf
        | lists(inner, items)
        | st.builds(
            lambda content: {"type": "blockquote", "content": content},
            st.lists(paragraphs() | lists(inner, items), min_size=1, max_size=3),
        )
    )


def lists(inner: Any, items: Any = None) -> st.SearchStrategy[dict[str, Any]]:
    if items is None:
        items = st.builds(lambda para: {"type": "listItem", "content": [para]}, paragraphs())
    return st.builds(
        lambda kind, order, content: {
            "type": kind,
            **({"attrs": {"order": order}} if kind == "orderedList" else {}),
            "content": content,
        },
        st.sampled_from(["bulletList", "orderedList"]),
        st.integers(0, 20),
        st.lists(items, min_size=1, max_size=3),
    )


documents = st.lists(blocks(2), min_size=1, max_size=4).map(
    lambda content: {"type": "doc", "version": 1, "content": content}
)


@SETTINGS
@given(documents)
def test_adf_of_the_supported_kinds_reads_back_as_itself(doc: dict[str, Any]) -> None:
    assert check_adf(doc) == [], json.dumps(doc)
    markdown = adf_to_markdown(doc)
    assert markdown_to_adf(markdown) == _canonical(doc), markdown


def _canonical(doc: dict[str, Any]) -> dict[str, Any]:
    """What markdown_to_adf writes for these: an ordered list's order always said, a code
    block's text without a last newline."""

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, dict):
            return node
        node = {k: walk(v) for k, v in node.items()}
        if node.get("type") == "orderedList":
            node["attrs"] = {"order": node.get("attrs", {}).get("order", 1)}
        return node

    return walk(doc)  # type: ignore[no-any-return]


def _words(node: Any) -> str:
    """Every text of a document, whitespace aside."""
    if isinstance(node, list):
        return "".join(_words(n) for n in node)
    if not isinstance(node, dict):
        return ""
    own = node.get("text", "") if node.get("type") == "text" else ""
    return re.sub(r"\s+", "", own) + _words(node.get("content", []))


@SETTINGS
@given(st.text() | markdownish)
def test_what_markdown_to_adf_makes_reads_back_with_the_same_words(text: str) -> None:
    """Not always the same document (where a line break or a delimiter falls can differ at
    the edges CommonMark allows), but never a word lost, added or changed."""
    doc = markdown_to_adf(text)
    markdown = adf_to_markdown(doc)
    again = markdown_to_adf(markdown)
    assert check_adf(again) == []
    assert _words(again) == _words(doc), (text, markdown)
