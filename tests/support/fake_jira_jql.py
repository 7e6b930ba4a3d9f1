"""The subset of JQL the fake Jira understands, evaluated on its issues.

    project = X | project in (A, B) | labels = x | labels in (...) | status = "In Progress"
    | statusCategory = Done (or != ) | key = WEB-1 | key in (...) | updated >= -15m
    (also created; relative m/h/d/w, or "2026-12-01 10:00" / 2026-12-01)
    joined with AND, OR, NOT and parentheses; ORDER BY field [ASC|DESC], ...

Operators: = != in, not in (and > >= < <= for dates). Words are case-insensitive, values may be
quoted ("..." or '...'). Anything else raises :class:`JqlError` with Jira's message, which the
search answers as a 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tests.support.fake_jira_state import CATEGORIES, PRIORITIES, Issue, State


class JqlError(ValueError):
    """A query Jira refuses: its message as Jira words it."""


@dataclass(frozen=True)
class Token:
    kind: str  # word | string | op | ( | ) | , | end
    text: str
    at: int  # 1-based character


_TOKEN = re.compile(
    r"""\s*(?:(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>!=|>=|<=|=|>|<|~)"""
    r"""|(?P<punct>[(),])|(?P<word>[^\s"'(),=!<>~]+))"""
)
_KEYWORDS = {"and", "or", "not", "in", "order", "by", "asc", "desc", "is", "empty", "null"}
FIELDS = {"project", "labels", "status", "statuscategory", "key", "issuekey", "updated", "created"}
_DATES = {"updated", "created"}
#: fields Jira has that this subset does not: a 400 that says so, not Jira's "does not exist"
UNSUPPORTED = {
    "summary",
    "description",
    "text",
    "assignee",
    "reporter",
    "priority",
    "type",
    "issuetype",
    "resolution",
    "sprint",
    "parent",
    "component",
    "fixversion",
    "comment",
    "resolved",
    "due",
}
_ORDERABLE = {"key", "issuekey", "updated", "created", "priority", "status", "summary", "project"}


def tokens(jql: str) -> list[Token]:
    found, pos = [], 0
    while pos < len(jql):
        if not jql[pos:].strip():
            break
        match = _TOKEN.match(jql, pos)
        if match is None or match.end() == pos:
            bad = jql[pos:].lstrip()[:1]
            raise JqlError(
                f"Error in the JQL Query: The character '{bad}' is a reserved JQL character. "
                f"You must enclose it in a string or use the escape '\\u{ord(bad):04x}' instead. "
                f"(line 1, character {len(jql) - len(jql[pos:].lstrip()) + 1})"
            )
        kind = next(k for k in ("string", "op", "punct", "word") if match.group(k) is not None)
        text = match.group(kind)
        start = match.start(kind) + 1
        if kind == "string":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        found.append(Token(text if kind == "punct" else kind, text, start))
        pos = match.end()
    return [*found, Token("end", "", len(jql) + 1)]


Predicate = Callable[[Issue], bool]


@dataclass
class Query:
    where: Predicate | None
    order: list[tuple[str, bool]]  # (field, descending)

    def sort(self, issues: list[Issue], state: State) -> list[Issue]:
        ordered = sorted(issues, key=lambda i: (i.created, int(i.id)), reverse=True)
        for name, descending in reversed(self.order):

            def by(issue: Issue, field: str = name) -> tuple[object, ...]:
                return _sort_key(issue, field, state)

            ordered.sort(key=by, reverse=descending)
        return ordered


def _sort_key(issue: Issue, name: str, state: State) -> tuple[object, ...]:
    if name in ("key", "issuekey"):
        return (issue.project, issue.number)
    if name in _DATES:
        return (getattr(issue, name),)
    if name == "priority":  # Jira orders priorities by their rank: Highest first when DESC
        return (-PRIORITIES.index(issue.priority) if issue.priority in PRIORITIES else 0,)
    if name == "status":
        return (issue.status.lower(),)
    if name == "project":
        return (issue.project,)
    return (issue.summary.lower(),)


class _Parser:
    def __init__(self, jql: str, state: State, at: datetime) -> None:
        self.jql, self.state, self.at = jql, state, at
        self.toks = tokens(jql)
        self.i = 0

    # -- tokens ----------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def is_word(self, *words: str) -> bool:
        return self.tok.kind == "word" and self.tok.text.lower() in words

    def take(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def fail(self, expecting: str) -> JqlError:
        got = "EOF" if self.tok.kind == "end" else self.tok.text
        return JqlError(
            f"Error in the JQL Query: Expecting {expecting} but got '{got}'. "
            f"(line 1, character {self.tok.at})"
        )

    # -- grammar ---------------------------------------------------------------------------
    def query(self) -> Query:
        where = None if self.is_word("order") or self.tok.kind == "end" else self.or_()
        order: list[tuple[str, bool]] = []
        if self.is_word("order"):
            self.take()
            if not self.is_word("by"):
                raise self.fail("'by'")
            self.take()
            while True:
                if self.tok.kind not in ("word", "string"):
                    raise self.fail("a field name")
                name = self.take().text.lower()
                if name not in FIELDS | _ORDERABLE:
                    raise _no_field(name)
                if name not in _ORDERABLE:
                    raise JqlError(f"Field '{name}' does not support sorting.")
                descending = False
                if self.is_word("asc", "desc"):
                    descending = self.take().text.lower() == "desc"
                order.append((name, descending))
                if self.tok.kind != ",":
                    break
                self.take()
        if self.tok.kind != "end":
            raise self.fail("either 'OR' or 'AND'" if where else "a field name")
        return Query(where, order)

    def or_(self) -> Predicate:
        parts = [self.and_()]
        while self.is_word("or"):
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else lambda i: any(p(i) for p in parts)

    def and_(self) -> Predicate:
        parts = [self.not_()]
        while self.is_word("and"):
            self.take()
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else lambda i: all(p(i) for p in parts)

    def not_(self) -> Predicate:
        if self.is_word("not"):
            self.take()
            inner = self.not_()
            return lambda i: not inner(i)
        if self.tok.kind == "(":
            self.take()
            inner = self.or_()
            if self.tok.kind != ")":
                raise self.fail("')'")
            self.take()
            return inner
        return self.clause()

    def clause(self) -> Predicate:
        if self.tok.kind not in ("word", "string") or self.is_word(*_KEYWORDS):
            raise self.fail("a field name")
        name = self.take().text
        field = name.lower()
        negate = False
        if self.is_word("not"):
            self.take()
            if not self.is_word("in"):
                raise self.fail("'IN'")
            negate = True
        if self.is_word("in"):
            self.take()
            values = self.values()
            op = "not in" if negate else "in"
        elif self.tok.kind == "op":
            op = self.take().text
            if self.tok.kind not in ("word", "string") or self.is_word(*_KEYWORDS):
                raise self.fail("either a value, list or function")
            values = [self.take().text]
        else:
            raise self.fail("operator")
        if field not in FIELDS:
            raise _no_field(name)
        return self.predicate(field, name, op, values)

    def values(self) -> list[str]:
        if self.tok.kind != "(":
            raise self.fail("'('")
        self.take()
        found = []
        while True:
            if self.tok.kind not in ("word", "string"):
                raise self.fail("either a value, list or function")
            found.append(self.take().text)
            if self.tok.kind == ")":
                self.take()
                return found
            if self.tok.kind != ",":
                raise self.fail("')'")
            self.take()

    # -- meaning ---------------------------------------------------------------------------
    def predicate(self, field: str, name: str, op: str, values: list[str]) -> Predicate:
        if field in _DATES:
            return self.date_predicate(field, name, op, values)
        if op not in ("=", "!=", "in", "not in"):
            raise JqlError(f"The operator '{op}' is not supported by the '{name}' field.")
        wanted = {self.normal(field, name, v) for v in values}

        def have(issue: Issue) -> set[str]:
            if field == "project":
                return {issue.project.lower()}
            if field == "labels":
                return {label.lower() for label in issue.labels}
            if field == "status":
                return {issue.status.lower()}
            if field == "statuscategory":
                return {self.state.statuses[issue.status].category}
            return {issue.key.lower()}

        if op in ("=", "in"):
            return lambda i: bool(have(i) & wanted)
        return lambda i: not have(i) & wanted

    def normal(self, field: str, name: str, value: str) -> str:
        low = value.lower()
        if field == "project":
            known = {k.lower() for k in self.state.projects} | set(self.state.projects.values())
            if low not in known:
                raise JqlError(f"The value '{value}' does not exist for the field '{name}'.")
            by_id = {v: k.lower() for k, v in self.state.projects.items()}
            return by_id.get(low, low)
        if field == "status":
            if low not in {s.lower() for s in self.state.statuses}:
                raise JqlError(f"The value '{value}' does not exist for the field '{name}'.")
            return low
        if field == "statuscategory":
            for key, (cid, label, _) in CATEGORIES.items():
                if low in (key, label.lower(), str(cid)):
                    return key
            raise JqlError(f"The value '{value}' does not exist for the field '{name}'.")
        if field in ("key", "issuekey") and not re.fullmatch(r"[a-z][a-z0-9_]*-\d+", low):
            raise JqlError(f"The issue key '{value}' for field '{name}' is invalid.")
        return low

    def date_predicate(self, field: str, name: str, op: str, values: list[str]) -> Predicate:
        if op in ("in", "not in", "~"):
            raise JqlError(f"The operator '{op}' is not supported by the '{name}' field.")
        at = self.when(name, values[0])
        compare: dict[str, Callable[[datetime], bool]] = {
            "=": lambda t: t == at,
            "!=": lambda t: t != at,
            ">": lambda t: t > at,
            ">=": lambda t: t >= at,
            "<": lambda t: t < at,
            "<=": lambda t: t <= at,
        }
        test = compare[op]
        return lambda i: test(getattr(i, field))

    def when(self, name: str, value: str) -> datetime:
        relative = re.fullmatch(r"([-+]?)(\d+)([mhdw])", value.strip().lower())
        if relative:
            sign, amount, unit = relative.groups()
            step = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[unit]
            delta = timedelta(**{step: int(amount)})
            return self.at + delta if sign == "+" else self.at - delta
        for shape in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
            try:
                return datetime.strptime(value.strip(), shape).replace(tzinfo=UTC)
            except ValueError:
                continue
        raise JqlError(
            f"Date value '{value}' for field '{name}' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
            "format e.g. '-5d', '4w 2d'."
        )


def _no_field(name: str) -> JqlError:
    if name.lower() in UNSUPPORTED:
        return JqlError(
            f"Error in the JQL Query: the fake Jira does not support '{name}' in a query "
            "(tests/support/fake_jira_jql.py)."
        )
    return JqlError(f"Field '{name}' does not exist or you do not have permission to view it.")


def parse(jql: str, state: State, at: datetime | None = None) -> Query:
    """The query, or JqlError with Jira's message."""
    return _Parser(jql, state, at or datetime.now(UTC)).query()


def search(jql: str, state: State, at: datetime | None = None) -> list[Issue]:
    """The live issues the query selects, in its order."""
    query = parse(jql, state, at)
    if query.where is None:
        raise JqlError(
            "Unbounded JQL queries are not allowed here. Please add a search restriction to "
            "your query."
        )
    where = query.where
    found = [i for i in state.issues.values() if not i.deleted and where(i)]
    return query.sort(found, state)
