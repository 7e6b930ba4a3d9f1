"""What the fake Jira holds: projects and their workflows, issues (ADF descriptions), comments
(ADF bodies, kept as given), remote links and "Blocks" links, and Jira's time format."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]
#: Jira's status categories (their ids, keys, names and colours are Jira's own)
CATEGORIES: dict[str, tuple[int, str, str]] = {
    "new": (2, "To Do", "blue-gray"),
    "indeterminate": (4, "In Progress", "yellow"),
    "done": (3, "Done", "green"),
}
PRIORITIES = ("Highest", "High", "Medium", "Low", "Lowest")  # ids "1".."5", as Jira's
DEFAULT_STATUSES = (
    ("To Do", "new"),
    ("In Progress", "indeterminate"),
    ("In Review", "indeterminate"),
    ("Done", "done"),
)
#: (name, from-statuses or None for a global transition, to); ids 11, 21, 31... as Jira's
DEFAULT_TRANSITIONS: tuple[tuple[str, tuple[str, ...] | None, str], ...] = (
    ("Start Progress", ("To Do",), "In Progress"),
    ("Request Review", ("In Progress",), "In Review"),
    ("Approve", ("In Review",), "Done"),
    ("Back to In Progress", ("In Review",), "In Progress"),
    ("Reopen", ("Done",), "To Do"),
    ("Done", None, "Done"),
)


def now() -> datetime:
    return datetime.now(UTC)


def jira_time(at: datetime) -> str:
    """Jira's timestamps: ``2026-12-01T10:00:00.000+0000``."""
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000"


# -- ADF ---------------------------------------------------------------------------------------
def _text_nodes(line: str) -> list[JSON]:
    """A line's text with `code` and **strong** marks."""
    nodes: list[JSON] = []
    for piece in re.split(r"(`[^`]+`|\*\*[^*]+\*\*)", line):
        if not piece:
            continue
        if piece.startswith("`") and piece.endswith("`") and len(piece) > 2:
            nodes.append({"type": "text", "text": piece[1:-1], "marks": [{"type": "code"}]})
        elif piece.startswith("**") and piece.endswith("**") and len(piece) > 4:
            nodes.append({"type": "text", "text": piece[2:-2], "marks": [{"type": "strong"}]})
        else:
            nodes.append({"type": "text", "text": piece})
    return nodes


def adf(text: str) -> JSON:
    """Markdown-ish text as a minimal ADF document: paragraphs (a blank line between), ``#``
    headings, ``-``/``*`` bullet lists, fenced code blocks, `code` and **strong**."""
    content: list[JSON] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            language, code = line[3:].strip(), []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                code.append(lines[i])
                i += 1
            block: JSON = {
                "type": "codeBlock",
                "content": [{"type": "text", "text": "\n".join(code)}],
            }
            if language:
                block["attrs"] = {"language": language}
            content.append(block)
            i += 1
        elif m := re.match(r"(#{1,6}) (.*)", line):
            level = len(m.group(1))
            content.append(
                {"type": "heading", "attrs": {"level": level}, "content": _text_nodes(m.group(2))}
            )
            i += 1
        elif re.match(r"[-*] ", line):
            items: list[JSON] = []
            while i < len(lines) and re.match(r"[-*] ", lines[i]):
                item = {"type": "paragraph", "content": _text_nodes(lines[i][2:])}
                items.append({"type": "listItem", "content": [item]})
                i += 1
            content.append({"type": "bulletList", "content": items})
        elif not line.strip():
            i += 1
        else:
            para: list[str] = []
            while (
                i < len(lines)
                and lines[i].strip()
                and not re.match(r"(```|#{1,6} |[-*] )", lines[i])
            ):
                para.append(lines[i])
                i += 1
            nodes: list[JSON] = []
            for n, part in enumerate(para):
                if n:
                    nodes.append({"type": "hardBreak"})
                nodes += _text_nodes(part)
            content.append({"type": "paragraph", "content": nodes})
    return {"type": "doc", "version": 1, "content": content}


def adf_text(doc: Any) -> str:
    """The plain text of an ADF document (blocks on lines of their own)."""
    if not isinstance(doc, dict):
        return ""
    kind = doc.get("type")
    if kind == "text":
        return str(doc.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    inner = "".join(adf_text(c) for c in doc.get("content") or ())
    if kind in ("paragraph", "heading", "codeBlock"):
        return inner + "\n"
    return inner


def is_adf(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("type") == "doc"
        and value.get("version") == 1
        and isinstance(value.get("content"), list)
    )


# -- records -----------------------------------------------------------------------------------
@dataclass
class Status:
    id: str
    name: str
    category: str  # new | indeterminate | done


@dataclass
class Transition:
    id: str
    name: str
    to: str  # a status name
    sources: tuple[str, ...] | None  # None: global (from any status)

    def available_from(self, status: str) -> bool:
        return self.sources is None or status in self.sources


@dataclass
class Workflow:
    statuses: dict[str, Status]  # by name
    transitions: list[Transition]
    initial: str


@dataclass
class Comment:
    id: str
    body: Any  # ADF, as given
    author: str  # account id
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)


@dataclass
class RemoteLink:
    id: int
    object: JSON
    global_id: str | None = None
    application: JSON | None = None
    relationship: str | None = None


@dataclass
class Issue:
    id: str
    key: str
    project: str
    summary: str
    description: Any  # ADF or None
    labels: list[str]
    priority: str
    status: str
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)
    resolution: str | None = None
    comments: list[Comment] = field(default_factory=list)
    removed_comments: list[Comment] = field(default_factory=list)  # for comment_deleted
    remote_links: list[RemoteLink] = field(default_factory=list)
    deleted: bool = False
    #: the last change's items, as a changelog has them (the webhook's ``changelog``)
    last_change: list[JSON] = field(default_factory=list)

    @property
    def number(self) -> int:
        return int(self.key.rsplit("-", 1)[1])


@dataclass
class Link:
    id: str
    blocker: str  # key: "blocks" the other (its outward side)
    blocked: str  # key: "is blocked by" the blocker (its inward side)


@dataclass
class State:
    projects: dict[str, str] = field(default_factory=dict)  # key -> id
    workflows: dict[str, Workflow] = field(default_factory=dict)  # by project key
    statuses: dict[str, Status] = field(default_factory=dict)  # every status by name
    issues: dict[str, Issue] = field(default_factory=dict)  # by key
    links: list[Link] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)

    def next(self, name: str, start: int = 10000) -> int:
        self.counters[name] = self.counters.get(name, start - 1) + 1
        return self.counters[name]

    def status(self, name: str, category: str) -> Status:
        if category not in CATEGORIES:
            raise ValueError(f"status category {category!r}: one of {sorted(CATEGORIES)}")
        known = self.statuses.get(name)
        if known is None:
            known = self.statuses[name] = Status(str(self.next("status")), name, category)
        return known

    def workflow(
        self,
        statuses: Iterable[tuple[str, str]] | Mapping[str, str],
        transitions: Sequence[Any],
    ) -> Workflow:
        """A workflow of (name, category) statuses (the first is where issues start) and
        transitions, each (name, from-statuses or None, to) or a dict with those keys (and
        an ``id`` of its own, else 11, 21, 31...)."""
        pairs = list(statuses.items()) if isinstance(statuses, Mapping) else list(statuses)
        if not pairs:
            raise ValueError("a workflow needs at least one status")
        by_name = {name: self.status(name, category) for name, category in pairs}
        made = []
        for n, raw in enumerate(transitions):
            spec = (
                raw
                if isinstance(raw, Mapping)
                else dict(zip(("name", "from", "to"), raw, strict=True))
            )
            sources = spec.get("from")
            sources = (
                None
                if sources in (None, "*")
                else tuple([sources] if isinstance(sources, str) else sources)
            )
            for name in (*(sources or ()), spec["to"]):
                if name not in by_name:
                    raise ValueError(f"transition {spec['name']!r}: no status {name!r}")
            made.append(
                Transition(str(spec.get("id", 10 * n + 11)), spec["name"], spec["to"], sources)
            )
        return Workflow(by_name, made, pairs[0][0])

    def live(self, key: str) -> Issue | None:
        issue = self.issues.get(key.upper())
        return None if issue is None or issue.deleted else issue

    def by_id_or_key(self, ref: str) -> Issue | None:
        if ref.isdigit():
            return next((i for i in self.issues.values() if i.id == ref and not i.deleted), None)
        return self.live(ref)
