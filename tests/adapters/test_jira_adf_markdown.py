"""Markdown -> ADF (adapters/jira/adf.py): each construct, what ADF lets a list item or a
quote hold, input past the parser's limits, and Markdown that reads back as itself. Every
document is checked against Atlassian's published ADF schema (to_adf)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cc_orchestrator.adapters.jira.adf import adf_to_markdown
from tests.adapters.jira_adf_build import (
    HARD_BREAK,
    RULE,
    bullets,
    cell,
    code,
    content,
    heading,
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

MD_TO_ADF = {
    "paragraph": ("Hello", [p("Hello")]),
    "heading 3": ("### Steps", [heading(3, "Steps")]),
    "setext heading": ("Title\n=====", [heading(1, "Title")]),
    "soft break kept as a line break": ("one\ntwo", [p("one", HARD_BREAK, "two")]),
    "hard breaks": ("one  \ntwo\\\nthree", [p("one", HARD_BREAK, "two", HARD_BREAK, "three")]),
    "strong, em, code, strike": (
        "**b** *i* `c` ~~s~~",
        [p(t("b", "strong"), " ", t("i", "em"), " ", t("c", "code"), " ", t("s", "strike"))],
    ),
    "nested marks": (
        "**a *b* c**",
        [p(t("a ", "strong"), t("b", "strong", "em"), t(" c", "strong"))],
    ),
    "a mark twice is once": ("*a *b* c*", [p(t("a b c", "em"))]),
    "link with a title": (
        '[docs](https://x.org/d "The docs")',
        [p(t("docs", {"type": "link", "attrs": {"href": "https://x.org/d", "title": "The docs"}}))],
    ),
    "link of code": ("[`x`](https://x.org)", [p(t("x", mark("link", "https://x.org"), "code"))]),
    "code in strong is code alone": ("**`x`**", [p(t("x", "code"))]),
    "empty link text": (
        "[](https://x.org)",
        [p(t("https://x.org", mark("link", "https://x.org")))],
    ),
    "autolink": ("<https://x.org/a>", [p(t("https://x.org/a", mark("link", "https://x.org/a")))]),
    "bare URLs": (
        "see https://x.org/a_b, (https://y.org/p(1)) and http://z.org.",
        [
            p(
                "see ",
                t("https://x.org/a_b", mark("link", "https://x.org/a_b")),
                ", (",
                t("https://y.org/p(1)", mark("link", "https://y.org/p(1)")),
                ") and ",
                t("http://z.org", mark("link", "http://z.org")),
                ".",
            )
        ],
    ),
    "a URL in code stays code": ("`https://x.org`", [p(t("https://x.org", "code"))]),
    "bullet list, nested": (
        "- a\n  - b\n- c",
        [bullets(item(p("a"), bullets(item(p("b")))), item(p("c")))],
    ),
    "ordered list from 7": ("7. a\n8. b", [ordered(item(p("a")), item(p("b")), order=7)]),
    "ordered list in a bullet": (
        "- a\n  1. b",
        [bullets(item(p("a"), ordered(item(p("b")), order=1)))],
    ),
    "empty list item": ("- \n- b", [bullets(item(p()), item(p("b")))]),
    "fenced code": ("```sh\nmake test\n```", [code("make test", "sh")]),
    "fenced code, info with more words": (
        "``` python title=x\npass\n```",
        [code("pass", "python")],
    ),
    "indented code": ("    x = 1\n    y = 2", [code("x = 1\ny = 2")]),
    "empty fence": ("```\n```", [code("")]),
    "blockquote": ("> a\n>\n> b", [quote(p("a"), p("b"))]),
    "thematic break": ("a\n\n***\n\nb", [p("a"), RULE, p("b")]),
    "table": (
        "| a | b |\n|---|:-:|\n| 1 | **2** |",
        [
            table(
                row(cell("a", header=True), cell("b", header=True)),
                row(cell("1"), cell(t("2", "strong"))),
            )
        ],
    ),
    "table without a header": ("|  |  |\n|--|--|\n| 1 | 2 |", [table(row(cell("1"), cell("2")))]),
    "html as text": ("<div>x</div>\n\na <b>b</b>", [p("<div>x</div>"), p("a <b>b</b>")]),
    "image as text": (
        "![a chart](https://x.org/c.png)",
        [p("a chart (", t("https://x.org/c.png", mark("link", "https://x.org/c.png")), ")")],
    ),
    "escapes": ("\\*not em\\*", [p("*not em*")]),
}


@pytest.mark.parametrize(("markdown", "blocks"), MD_TO_ADF.values(), ids=MD_TO_ADF.keys())
def test_markdown_to_adf(markdown: str, blocks: list[Any]) -> None:
    assert content(markdown) == blocks


ADF_RULES = {
    # ADF's list items and quotes hold only paragraphs, lists and code
    "heading in a list item: a bold paragraph": ("- # Big", [bullets(item(p(t("Big", "strong"))))]),
    "heading in a quote: a bold paragraph": (
        "> ## Big `x`",
        [quote(p(t("Big ", "strong"), t("x", "code")))],
    ),
    "quote in a quote: its content": ("> a\n>\n> > b", [quote(p("a"), p("b"))]),
    "quote in a list item: its content": ("- > a", [bullets(item(p("a")))]),
    "rule in a quote: gone": ("> a\n>\n> ---\n>\n> b", [quote(p("a"), p("b"))]),
    "table in a list item: its rows": (
        "- | a | b |\n  |---|---|\n  | 1 | 2 |",
        [bullets(item(p("a | b"), p("1 | 2")))],
    ),
    "list item starting with a list: an empty paragraph first": (
        "- - a",
        [bullets(item(p(), bullets(item(p("a")))))],
    ),
    "list item starting with code": ("- ```\n  x\n  ```", [bullets(item(code("x")))]),
    "empty quote": (">", [quote(p())]),
}


@pytest.mark.parametrize(("markdown", "blocks"), ADF_RULES.values(), ids=ADF_RULES.keys())
def test_markdown_to_adf_keeps_to_what_adf_allows(markdown: str, blocks: list[Any]) -> None:
    assert content(markdown) == blocks


@pytest.mark.parametrize("text", ["", "   ", "\n\n\n", "[ref]: https://x.org"])
def test_nothing_to_say_is_one_empty_paragraph(text: str) -> None:
    assert to_adf(text) == {"type": "doc", "version": 1, "content": [p()]}


def test_control_characters_never_reach_jira() -> None:
    result = to_adf("a\x00b\x1b[31mred\x7f\r\nnext\ud800")
    assert result["content"] == [p("ab[31mred", HARD_BREAK, "next")]
    json.dumps(result).encode("utf-8")


def test_nesting_past_the_parsers_limit_is_plain_text_not_lost() -> None:
    deep = "> " * 150 + "the deep end"
    assert content(deep) == [p(deep)]
    lists = "".join(" " * (2 * i) + "- x\n" for i in range(120))
    text = json.dumps(to_adf(lists))
    assert text.count('"x"') + text.count("- x") >= 1 and "hardBreak" in text


# -- round trips -----------------------------------------------------------------------------
ROUND_TRIPS = [
    "Just text.",
    "# One\n\n## Two\n\n###### Six",
    "**strong** *em* `code` ~~strike~~ [link](https://x.org/a)",
    "***both*** and **a*b*c**",
    "- a\n- b\n  - c\n    1. d\n    2. e\n- f",
    "3. three\n4. four",
    "```python\ndef f():\n    return 1\n```",
    "> quoted\n>\n> - with a list",
    "a\n\n---\n\nb",
    "line one\nline two",
    "| h1 | h2 |\n| --- | --- |\n| `a` | **b** |",
    "see <https://x.org/path?q=1>",
    "snake_case, C:\\dir, 2\\*3 and \\[x\\]",
    "1\\. not a list\n\\- nor this",
]


@pytest.mark.parametrize("markdown", ROUND_TRIPS)
def test_markdown_round_trips(markdown: str) -> None:
    assert adf_to_markdown(to_adf(markdown)) == markdown
