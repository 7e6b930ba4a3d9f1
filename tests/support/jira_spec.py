"""Atlassian's description of the Jira Cloud platform REST API (v3), to check every request a
Jira client sends and every answer the fake Jira gives (tests/support/fake_jira.py).

Loading, where the description comes from, the schema conversion and the errata:
jira_spec_load.py.

* :func:`find_operation` -- the documented operation a method and path name;
* :func:`check_request` / :func:`check_response` -- what disagrees with the description;
* :func:`check_issue_fields` -- an issue's ``fields`` (free-form in IssueBean) against the
  schemas the description gives those fields elsewhere (status, priority, links...).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from tests.support.jira_spec_load import (
    ERRATA,
    SPEC_ENV,
    VENDORED,
    deref,
    errors_at,
    escape,
    missing,
    read_bytes,
    shared_path,
    spec,
    spec_path,
    spec_version,
)

__all__ = [
    "ERRATA",
    "SPEC_ENV",
    "VENDORED",
    "errors_at",
    "missing",
    "read_bytes",
    "shared_path",
    "spec",
    "spec_path",
    "spec_version",
]

#: Answers Jira may give to any operation, documented for it or not: its rate limits (429,
#: with Retry-After) and a 503 when a resource limit is reached ("Rate limiting",
#: developer.atlassian.com/cloud/jira/platform/rate-limiting).
ANY_OPERATION_STATUSES = frozenset({429, 503})
#: Operations Atlassian removed (CHANGE-2046): they answer 410 with this message, and a
#: client that calls one is wrong.
REMOVED = {
    ("GET", "/rest/api/3/search"): "/rest/api/3/search/jql",
    ("POST", "/rest/api/3/search"): "/rest/api/3/search/jql",
}
REMOVED_MESSAGE = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/"
    "#CHANGE-2046"
)
_METHODS = ("get", "put", "post", "delete", "patch")
#: the schemas of an issue's system fields (IssueBean's ``fields`` is free-form)
FIELD_SCHEMAS = {
    "status": "/components/schemas/StatusDetails",
    "priority": "/components/schemas/Priority",
    "issuetype": "/components/schemas/IssueTypeDetails",
    "assignee": "/components/schemas/UserDetails",
    "reporter": "/components/schemas/UserDetails",
    "creator": "/components/schemas/UserDetails",
    "comment": "/components/schemas/PageOfComments",
}
_FIELD_TYPES: dict[str, dict[str, Any]] = {
    "summary": {"type": "string"},
    "labels": {"type": "array", "items": {"type": "string"}},
    "created": {"type": "string", "format": "date-time"},
    "updated": {"type": "string", "format": "date-time"},
    "description": {"type": ["object", "null"]},
}


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    template: str  # "/rest/api/3/issue/{issueIdOrKey}"
    operation_id: str
    pointer: str  # JSON pointer to the operation object in spec()
    path_params: dict[str, str]

    @property
    def definition(self) -> dict[str, Any]:
        return spec()["paths"][self.template][self.method.lower()]  # type: ignore[no-any-return]

    @property
    def deprecated(self) -> bool:
        return bool(self.definition.get("deprecated"))

    def parameters(self) -> list[tuple[dict[str, Any], str]]:
        """Every parameter (the path item's and the operation's) with its pointer."""
        item = spec()["paths"][self.template]
        base = f"/paths/{escape(self.template)}"
        found: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        for owner, where in ((item, base), (self.definition, self.pointer)):
            for i, raw in enumerate(owner.get("parameters") or ()):
                param, pointer = deref(raw, f"{where}/parameters/{i}")
                found[(param["in"], param["name"])] = (param, pointer)
        return list(found.values())


@functools.cache
def _routes() -> dict[str, list[tuple[re.Pattern[str], str]]]:
    rows: dict[str, list[tuple[int, int, str, re.Pattern[str]]]] = {}
    for template, item in spec()["paths"].items():
        pattern = "".join(
            "([^/]+)" if piece.startswith("{") else re.escape(piece)
            for piece in re.split(r"(\{[^}]+\})", template)
        )
        literal = len(re.sub(r"\{[^}]+\}", "", template))
        for method in _METHODS:
            if method in item:
                rows.setdefault(method.upper(), []).append(
                    (-literal, template.count("{"), template, re.compile(pattern + "$"))
                )
    return {m: [(rx, t) for *_, t, rx in sorted(found)] for m, found in rows.items()}


@functools.lru_cache(maxsize=4096)
def find_operation(method: str, path: str) -> Operation | None:
    """The documented operation a request names, with its path parameters; None if none. The
    template with the most literal text wins (``/issue/picker`` before ``/issue/{key}``)."""
    path = path.split("?", 1)[0]
    for regex, template in _routes().get(method.upper(), ()):
        match = regex.match(path)
        if match:
            definition = spec()["paths"][template][method.lower()]
            return Operation(
                method.upper(),
                template,
                str(definition.get("operationId", "")),
                f"/paths/{escape(template)}/{method.lower()}",
                dict(
                    zip(
                        re.findall(r"\{([^}]+)\}", template),
                        map(unquote, match.groups()),
                        strict=True,
                    )
                ),
            )
    return None


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    """A parameter's text as the type its schema names (left as text when it is not one)."""
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "integer" in kinds and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if "number" in kinds and re.fullmatch(r"-?\d+(\.\d+)?", raw):
        return float(raw)
    if "boolean" in kinds and raw in ("true", "false"):
        return raw == "true"
    return raw


def _parse_body(body: Any) -> tuple[bool, Any, str | None]:
    """(present, value, error) of a body given raw (bytes) or parsed (None: no body)."""
    if body is None or body == b"":
        return False, None, None
    if isinstance(body, bytes):
        try:
            return True, json.loads(body.decode("utf-8")), None
        except (ValueError, UnicodeDecodeError) as error:
            return True, None, f"the body is not JSON: {error}"
    return True, body, None


def _media(content: Mapping[str, Any]) -> str | None:
    return next((str(k) for k in content if k == "application/json" or k.endswith("+json")), None)


def check_request(
    method: str,
    path: str,
    query: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
) -> list[str]:
    """What in a request disagrees with Jira's description; [] when nothing does.

    ``query`` maps a name to its value or values (an array parameter may be given several
    times, or comma-separated once); ``body`` is the raw bytes, the parsed JSON, or None.
    """
    op = find_operation(method, path)
    if op is None:
        return [f"{method.upper()} {path}: no such operation in Jira's API"]
    label = f"{op.method} {op.template}"
    problems: list[str] = []
    if (op.method, op.template) in REMOVED:
        new = REMOVED[(op.method, op.template)]
        problems.append(f"{label}: removed by Atlassian (CHANGE-2046), use {new}")
    given = {
        k: [str(x) for x in v] if isinstance(v, list | tuple) else [str(v)]
        for k, v in (query or {}).items()
    }
    known: set[str] = set()
    for param, pointer in op.parameters():
        name, where, schema = param["name"], param["in"], param.get("schema") or {}
        if where == "path":
            value = _coerce(op.path_params.get(name, ""), schema)
            problems += errors_at(f"{pointer}/schema", value, f"{label} path {name}:")
        elif where == "query":
            known.add(name)
            values = given.get(name)
            if values is None:
                if param.get("required"):
                    problems.append(f"{label}: query parameter {name} is required")
                continue
            if schema.get("type") == "array":
                items = schema.get("items") or {}
                value = [_coerce(v, items) for raw in values for v in raw.split(",")]
            else:
                if len(values) > 1:
                    problems.append(f"{label}: query parameter {name} given {len(values)} times")
                value = _coerce(values[0], schema)
            problems += errors_at(f"{pointer}/schema", value, f"{label} query {name}:")
    problems += [f"{label}: unknown query parameter {n!r}" for n in sorted(set(given) - known)]
    return problems + _check_body(op, label, headers or {}, body)


def _check_body(op: Operation, label: str, headers: Mapping[str, str], body: Any) -> list[str]:
    present, value, error = _parse_body(body)
    declared = op.definition.get("requestBody")
    if declared is None:
        return [f"{label}: takes no request body"] if present else []
    declared, pointer = deref(declared, f"{op.pointer}/requestBody")
    if not present:
        return [f"{label}: the request body is required"] if declared.get("required") else []
    if error:
        return [f"{label}: {error}"]
    ctype = {k.lower(): v for k, v in headers.items()}.get("content-type")
    if ctype is not None and "json" not in ctype:
        return [f"{label}: a JSON body sent as {ctype!r}"]
    media = _media(declared.get("content") or {})
    if media is None:
        return []
    return errors_at(f"{pointer}/content/{escape(media)}/schema", value, f"{label} body")


def check_response(
    method: str, path: str, status: int, body: Any = None, content_type: str | None = None
) -> list[str]:
    """What in an answer (its status; its body: raw bytes, parsed JSON or None) disagrees with
    the operation's documented answers. An undocumented status is one, except those of
    ANY_OPERATION_STATUSES and a removed operation's 410; a 204 has no body. A status
    documented without a body (most of Jira's errors) may carry Jira's error body: an
    ErrorCollection as JSON, or a line of text (``content_type`` says which)."""
    op = find_operation(method, path)
    if op is None:
        return [f"{method.upper()} {path}: no such operation in Jira's API"]
    label = f"{op.method} {op.template} -> {status}"
    if content_type is not None and "json" not in content_type:
        if body and status < 400:
            return [f"{label}: a {content_type!r} body, Jira answers JSON"]
        body = None  # an error's text (Jira's 401 is text/plain): nothing to parse
    present, value, error = _parse_body(body)
    responses = op.definition.get("responses") or {}
    key = next((k for k in (str(status), f"{status // 100}XX", "default") if k in responses), None)
    if status == 204 or (key is None and status == 304):
        return [f"{label}: a {status} has no body"] if present else []
    if key is None:
        removed = status == 410 and (op.method, op.template) in REMOVED
        if not removed and status not in ANY_OPERATION_STATUSES:
            return [f"{label}: status {status} is not documented for {op.operation_id}"]
        return _error_body(label, present, value, error)
    declared, pointer = deref(responses[key], f"{op.pointer}/responses/{key}")
    content = declared.get("content") or {}
    media = _media(content)
    schema = content.get(media, {}).get("schema") if media else None
    if not schema:
        if status >= 400:
            return _error_body(label, present, value, error)
        return [f"{label}: documented without a body, but one was sent"] if present else []
    if not present:
        return [f"{label}: documented with a {media} body, none was sent"]
    if error:
        return [f"{label}: {error}"]
    problems = errors_at(f"{pointer}/content/{escape(str(media))}/schema", value, label)
    return problems + _issue_fields_in(value, label)


def _error_body(label: str, present: bool, value: Any, error: str | None) -> list[str]:
    if error:
        return [f"{label}: {error}"]
    if not present:
        return []
    return errors_at("/components/schemas/ErrorCollection", value, f"{label} error body")


def _issue_fields_in(value: Any, label: str) -> list[str]:
    """The fields of an issue answer, or of each issue of a search's page."""
    if not isinstance(value, dict):
        return []
    issues = value.get("issues") if isinstance(value.get("issues"), list) else [value]
    problems: list[str] = []
    for i, item in enumerate(issues or ()):
        if isinstance(item, dict) and isinstance(item.get("fields"), dict):
            problems += check_issue_fields(item["fields"], f"{label} issue {i}")
    return problems


def check_issue_fields(fields: Mapping[str, Any], label: str = "fields") -> list[str]:
    """An issue's fields against the schemas the description gives each system field."""
    problems: list[str] = []
    for name, value in fields.items():
        if name in FIELD_SCHEMAS:
            problems += errors_at(FIELD_SCHEMAS[name], value, f"{label} {name}")
        elif name == "issuelinks":
            if not isinstance(value, list):
                problems.append(f"{label} issuelinks: not a list")
                continue
            for n, link in enumerate(value):
                where = "/components/schemas/IssueLinkInFields"
                problems += errors_at(where, link, f"{label} issuelinks/{n}")
        elif name in _FIELD_TYPES:
            problems += _plain(name, value, label)
    return problems


def _plain(name: str, value: Any, label: str) -> list[str]:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

    from tests.support.jira_spec_load import _FORMATS

    validator = Draft202012Validator(_FIELD_TYPES[name], format_checker=_FORMATS)
    return [f"{label} {name}: {e.message[:300]}" for e in validator.iter_errors(value)]
