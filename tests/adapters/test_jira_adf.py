"""ADF -> Markdown (adapters/jira/adf.py): each kind of node, marks, nested lists, escaping
that reads back as the same text, a description as Jira's editor writes it, and input that is
not ADF at all. Markdown -> ADF and round trips: test_jira_adf_markdown.py; properties for any
input: test_jira_adf_props.py."""

from __future__ import annotations

import time
from typing import Any

import pytest

from cc_orchestrator.adapters.jira.adf import (
    DEFAULT_MAX_CHARS,
    TRUNCATED,
    adf_to_markdown,
)
from tests.adapters.jira_adf_build import (
    HARD_BREAK,
    RULE,
    bullets,
    cell,
    code,
    content,
    doc,
    heading,
    inline,
    item,
    mark,
    ordered,
    p,
    quote,
    row,
    t,
    table,
    to_adf,
)
from tests.support.adf_schema import check_adf
from tests.support.jira_adf_samples import DESCRIPTION

# -- ADF -> Markdown, node by node -----------------------------------------------------------
LINK = mark("link", "https://example.com/a_b")
ADF_TO_MD = {
    "paragraph": (doc(p("Hello, world")), "Hello, world"),
    "two paragraphs": (doc(p("one"), p("two")), "one\n\ntwo"),
    "strong": (doc(p("a ", t("bold", "strong"), " b")), "a **bold** b"),
    "em": (doc(p(t("it", "em"))), "*it*"),
    "code": (doc(p("run ", t("make test", "code"))), "run `make test`"),
    "code with backticks": (doc(p(t("a`b", "code"))), "``a`b``"),
    "strike": (doc(p(t("gone", "strike"))), "~~gone~~"),
    "link": (doc(p(t("the docs", LINK))), "[the docs](https://example.com/a_b)"),
    "link, its own text": (
        doc(p(t("https://x.org/a", mark("link", "https://x.org/a")))),
        "<https://x.org/a>",
    ),
    "link and code": (doc(p(t("cfg", LINK, "code"))), "[`cfg`](https://example.com/a_b)"),
    "strong and em": (doc(p(t("both", "strong", "em"))), "***both***"),
    "marks that change": (doc(p(t("a", "strong"), t("b", "strong", "em"), t("c"))), "**a*b***c"),
    "underline, colour, sub/sup as plain": (
        doc(
            p(
                t("u", "underline"),
                t("c", {"type": "textColor", "attrs": {"color": "#ff0000"}}),
                t("2", {"type": "subsup", "attrs": {"type": "sup"}}),
            )
        ),
        "uc2",
    ),
    "whitespace outside the delimiters": (doc(p("a", t(" b ", "strong"), "c")), "a **b** c"),
    "punctuation outside the delimiters": (doc(p("x", t("(a)", "em"), "y")), "x(*a*)y"),
    "heading 1": (doc(heading(1, "Title")), "# Title"),
    "heading 6": (doc(heading(6, "Small")), "###### Small"),
    "heading with marks": (doc(heading(2, "Use ", t("cco", "code"))), "## Use `cco`"),
    "heading level out of range": (doc(heading(9, "Deep")), "###### Deep"),
    "heading ending in #": (doc(heading(2, "Learn C #")), "## Learn C \\#"),
    "bullet list": (doc(bullets(item(p("a")), item(p("b")))), "- a\n- b"),
    "ordered list": (doc(ordered(item(p("a")), item(p("b")))), "1. a\n2. b"),
    "ordered list from 3": (doc(ordered(item(p("a")), item(p("b")), order=3)), "3. a\n4. b"),
    "nested lists": (
        doc(
            bullets(
                item(p("one"), ordered(item(p("one.a")), item(p("one.b"), bullets(item(p("x")))))),
                item(p("two")),
            )
        ),
        "- one\n  1. one.a\n  2. one.b\n     - x\n- two",
    ),
    "a list item of two paragraphs": (doc(bullets(item(p("a"), p("b")))), "- a\n\n  b"),
    "two lists in a row stay two": (
        doc(bullets(item(p("a"))), bullets(item(p("b")))),
        "- a\n\n* b",
    ),
    "code block": (doc(code('print("hi")\n', "python")), '```python\nprint("hi")\n\n```'),
    "code block, no language": (doc(code("x = 1")), "```\nx = 1\n```"),
    "code block with a fence inside": (doc(code("```\nx\n```")), "````\n```\nx\n```\n````"),
    "empty code block": (doc(code("")), "```\n```"),
    "blockquote": (doc(quote(p("said"), p("twice"))), "> said\n>\n> twice"),
    "rule": (doc(p("a"), RULE, p("b")), "a\n\n---\n\nb"),
    "hard break": (doc(p("line one", HARD_BREAK, "line two")), "line one\nline two"),
    "hard break before a list marker": (doc(p("a", HARD_BREAK, "- b")), "a\n\\- b"),
    "mention": (doc(p("ping ", inline("mention", id="712020:abc", text="@Ada"))), "ping @Ada"),
    "mention without @": (doc(p(inline("mention", id="1", text="Ada"))), "@Ada"),
    "mention without text": (doc(p(inline("mention", id="712020:abc"))), "@712020:abc"),
    "emoji": (doc(p(inline("emoji", shortName=":smile:", text="😄"))), "😄"),
    "emoji by short name": (doc(p(inline("emoji", shortName=":smile:"))), ":smile:"),
    "inline card": (
        doc(p("see ", inline("inlineCard", url="https://x.org/1"))),
        "see <https://x.org/1>",
    ),
    "block card": (
        doc({"type": "blockCard", "attrs": {"url": "https://x.org/2"}}),
        "<https://x.org/2>",
    ),
    "embed card": (
        doc({"type": "embedCard", "attrs": {"url": "https://x.org/3", "layout": "center"}}),
        "<https://x.org/3>",
    ),
    "panel": (
        doc({"type": "panel", "attrs": {"panelType": "info"}, "content": [p("Read me")]}),
        "> **Info:** Read me",
    ),
    "panel starting with a list": (
        doc({"type": "panel", "attrs": {"panelType": "error"}, "content": [bullets(item(p("x")))]}),
        "> **Error:**\n>\n> - x",
    ),
    "table with a header row": (
        doc(
            table(row(cell("a", header=True), cell("b", header=True)), row(cell("1"), cell("x|y")))
        ),
        "| a | b |\n| --- | --- |\n| 1 | x\\|y |",
    ),
    "table without one": (
        doc(table(row(cell("1"), cell("2")), row(cell("3")))),
        "|   |   |\n| --- | --- |\n| 1 | 2 |\n| 3 |   |",
    ),
    "media single": (
        doc(
            {"type": "mediaSingle", "content": [inline("media", type="file", id="1", alt="a.png")]}
        ),
        "[attachment: a.png]",
    ),
    "media group": (
        doc(
            {
                "type": "mediaGroup",
                "content": [
                    inline("media", id="1", type="file", collection=""),
                    inline("media", alt="b.log"),
                ],
            }
        ),
        "[attachment] [attachment: b.log]",
    ),
    "status": (
        doc(p("state: ", inline("status", text="IN PROGRESS", color="blue"))),
        "state: IN PROGRESS",
    ),
    "date": (doc(p("due ", inline("date", timestamp="1767225600000"))), "due 2026-01-01"),
    "expand": (
        doc({"type": "expand", "attrs": {"title": "Logs"}, "content": [p("line")]}),
        "**Logs**\n\nline",
    ),
    "nested expand": (
        doc({"type": "nestedExpand", "attrs": {"title": ""}, "content": [p("inside")]}),
        "inside",
    ),
    "task list": (
        doc(
            {
                "type": "taskList",
                "attrs": {"localId": "l"},
                "content": [
                    {
                        "type": "taskItem",
                        "attrs": {"localId": "1", "state": "DONE"},
                        "content": [t("ship")],
                    },
                    {
                        "type": "taskList",
                        "attrs": {"localId": "m"},
                        "content": [
                            {
                                "type": "taskItem",
                                "attrs": {"localId": "2", "state": "TODO"},
                                "content": [t("test")],
                            }
                        ],
                    },
                    {
                        "type": "taskItem",
                        "attrs": {"localId": "3", "state": "TODO"},
                        "content": [t("tell")],
                    },
                ],
            }
        ),
        "- [x] ship\n  - [ ] test\n- [ ] tell",
    ),
    "decision list": (
        doc(
            {
                "type": "decisionList",
                "attrs": {"localId": "d"},
                "content": [
                    {
                        "type": "decisionItem",
                        "attrs": {"localId": "1", "state": "DECIDED"},
                        "content": [t("use Postgres")],
                    }
                ],
            }
        ),
        "- Decision: use Postgres",
    ),
    "extension: its text": (
        doc(
            {
                "type": "bodiedExtension",
                "attrs": {"extensionKey": "k", "extensionType": "t"},
                "content": [p("body")],
            }
        ),
        "body",
    ),
    "unknown block: its content": (
        doc(
            {"type": "layoutSection", "content": [{"type": "layoutColumn", "content": [p("left")]}]}
        ),
        "left",
    ),
    "unknown inline: its text": (
        doc(p("a ", {"type": "sparkle", "attrs": {"text": "b"}}, " c")),
        "a b c",
    ),
    "text directly in the document": (doc(t("loose"), p("kept")), "loose\n\nkept"),
}


@pytest.mark.parametrize(("adf", "markdown"), ADF_TO_MD.values(), ids=ADF_TO_MD.keys())
def test_adf_to_markdown(adf: dict[str, Any], markdown: str) -> None:
    assert adf_to_markdown(adf) == markdown


ESCAPED = {
    "emphasis characters": ("2*3 and [x](y) and `z`", "2\\*3 and \\[x\\](y) and \\`z\\`"),
    "underscores inside a word stay": ("snake_case and _private", "snake_case and \\_private"),
    "a backslash before nothing special stays": ("C:\\path\\to", "C:\\path\\to"),
    "a backslash that would escape": ("a\\*b", "a\\\\\\*b"),
    "a heading's mark at the start": ("# not a heading", "\\# not a heading"),
    "a list's number at the start": ("1. not a list", "1\\. not a list"),
    "a quote at the start": ("> not a quote", "\\> not a quote"),
    "html and entities": ("<b>x</b> &amp; a < b", "\\<b>x\\</b> \\&amp; a < b"),
    "tildes": ("~/.config and ~~x~~", "\\~/.config and \\~\\~x\\~\\~"),
}


@pytest.mark.parametrize(("text", "markdown"), ESCAPED.values(), ids=ESCAPED.keys())
def test_text_is_escaped_just_enough_to_read_back_the_same(text: str, markdown: str) -> None:
    assert adf_to_markdown(doc(p(text))) == markdown
    assert content(markdown) == [p(text)]


# -- a description as Jira writes it ---------------------------------------------------------
EXPECTED = """\
## Context

The export job fails for accounts with more than **10,000** rows since the change in \
<https://acme.atlassian.net/browse/OPS-12>. @Ada Lovelace saw it first in `export_worker.py` ⚠️

> **Warning:** Do not rerun it on *production* before the fix.

### Steps to reproduce

1. Open [the admin page](https://admin.example.com/export)
2. Run the export with:
   - format `csv`
   - all columns DEFAULT

```python
for row in rows:
    writer.writerow(row)  # MemoryError here
```

| **Rows** | **Result** |
| --- | --- |
| 9,999 | ok |
| 10,001 | fails after 2026-01-01 |

[attachment: stacktrace.png]

---

Done when the export of ***every*** account works.
No ~~data loss~~ allowed."""


def test_a_description_as_jiras_editor_writes_it() -> None:
    assert check_adf(DESCRIPTION) == []  # the sample itself is valid ADF
    assert adf_to_markdown(DESCRIPTION) == EXPECTED
    # and its Markdown, sent back, is a document Jira takes, with the same words
    back = to_adf(EXPECTED)
    assert adf_to_markdown(back) == EXPECTED.replace(
        "[attachment: stacktrace.png]", "\\[attachment: stacktrace.png\\]"
    )


# -- input that is not ADF -------------------------------------------------------------------
ODD = {
    "None": None,
    "a number": 42,
    "true": True,
    "an empty dict": {},
    "an empty list": [],
    "a doc of a string": {"type": "doc", "content": "x"},
    "nodes of wrong types": doc(
        5, None, "s", [], {"type": 3}, {"type": "paragraph", "content": {}}
    ),  # type: ignore[arg-type]
    "attrs of wrong types": doc(
        {"type": "heading", "attrs": {"level": "x"}, "content": [t("h")]},
        {"type": "orderedList", "attrs": {"order": 1e300}, "content": [item(p("a"))]},
        {"type": "orderedList", "attrs": {"order": -5}, "content": [item(p("b"))]},
        {"type": "codeBlock", "attrs": {"language": ["py"]}, "content": [{"text": 1}]},
        p(inline("date", timestamp="soon"), inline("date", timestamp="99999999999999999999")),
        p(
            inline("mention"),
            inline("emoji"),
            inline("status", text=7),
            inline("inlineCard", data=[]),
        ),
        p(
            {"type": "text", "text": "m", "marks": "strong"},
            {"type": "text", "text": "n", "marks": [{"type": "link"}]},
        ),
        {"type": "table", "content": [{"type": "tableRow", "content": "cells"}, 3]},
        {"type": "panel", "attrs": None, "content": None},
    ),
    "keys that are not strings": {1: 2, (3,): "x", "type": "doc", "content": [{None: 1}]},
}


@pytest.mark.parametrize("value", ODD.values(), ids=ODD.keys())
def test_anything_that_is_not_adf_never_raises(value: object) -> None:
    text = adf_to_markdown(value)
    assert isinstance(text, str) and len(text) <= DEFAULT_MAX_CHARS


def test_odd_values_read_as_what_can_be_read() -> None:
    assert adf_to_markdown(None) == ""
    assert adf_to_markdown("plain *text* from Jira's v2 API") == "plain *text* from Jira's v2 API"
    assert adf_to_markdown([p("a list"), p("of blocks")]) == "a list\n\nof blocks"
    assert adf_to_markdown({"content": [p("no type")], "type": "doc"}) == "no type"
    odd = adf_to_markdown(ODD["attrs of wrong types"])
    assert odd.startswith("# h\n\n") and "999999998. a" in odd and "0) b" in odd
    assert "soon" in odd and "@someone" in odd and "mn" in odd


def test_control_characters_never_reach_the_prompt() -> None:
    text = adf_to_markdown(doc(p("a\x00b\x1b[2Jc\x07\td\x85e\ud800"), code("x\x00\ty\r\nz")))
    assert text == "ab\\[2Jc\tde\n\n```\nx\ty\nz\n```"


@pytest.mark.parametrize("kind", ["blockquote", "bulletList", "listItem", "sparkle", "paragraph"])
def test_ten_thousand_levels_deep_is_read_without_recursion(kind: str) -> None:
    node: dict[str, Any] = t("the bottom")
    for _ in range(10_000):
        node = {"type": kind, "content": [node]}
    started = time.monotonic()
    text = adf_to_markdown(doc(node))
    assert text.endswith("the bottom") and len(text) < 2_000
    assert time.monotonic() - started < 5


def test_a_document_that_contains_itself_ends() -> None:
    loop: dict[str, Any] = {"type": "paragraph", "content": []}
    loop["content"].append(loop)
    started = time.monotonic()
    assert adf_to_markdown(doc(p("before"), loop, p("after"))) == "before\n\nafter"
    assert time.monotonic() - started < 5


def test_the_markdown_is_cut_at_max_chars_and_says_so() -> None:
    huge = doc(*[p(f"paragraph {i} " + "x" * 90) for i in range(5_000)])
    started = time.monotonic()
    text = adf_to_markdown(huge)
    assert len(text) == DEFAULT_MAX_CHARS and text.endswith(TRUNCATED)
    assert text.startswith("paragraph 0 x")
    assert time.monotonic() - started < 5
    short = adf_to_markdown(huge, max_chars=100)
    assert len(short) <= 100 and short.endswith(TRUNCATED)
    assert adf_to_markdown(huge, max_chars=5) == "parag"
    assert adf_to_markdown(doc(p("fits")), max_chars=4) == "fits"
