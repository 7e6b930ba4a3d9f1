"""GitHub's own REST API description, to check every request a GitHub client sends and every
answer the fake GitHub gives (tests/support/fake_github.py).

The description is ``@octokit/openapi`` (GitHub's ``rest-api-description`` with Octokit's
extension), and the webhook payloads ``@octokit/webhooks-examples``, both pinned in
``tests/support/github/package.json`` and installed by ``scripts/install-github-specs`` (run by
``scripts/check``) into ``.cache/github-specs``, or ``$CCO_TEST_GITHUB_SPECS_PREFIX``.

Loading, API versions and the schema conversion: github_spec_load.py.

* :func:`find_operation` -- the operation a method and path name (``/api/v3`` of GHES stripped);
* :func:`check_request` / :func:`check_response` -- what disagrees with the description;
* :func:`check_webhook` -- a webhook payload against the description's ``x-webhooks``;
* :func:`webhook_examples` -- example payloads per event, the fake's webhook templates.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from tests.support.github_spec_load import (
    DEFAULT_VERSION,
    REQUIRE_ENV,
    VERSIONS,
    deref,
    errors_at,
    escape,
    missing,
    packages_dir,
    removed_fields,
    required,
    spec,
    spec_version,
)

__all__ = [
    "DEFAULT_VERSION",
    "REQUIRE_ENV",
    "VERSIONS",
    "errors_at",
    "missing",
    "removed_fields",
    "required",
    "spec",
    "spec_version",
]

GHES_PREFIX = "/api/v3"
EVENTS = (
    "issues",
    "issue_comment",
    "pull_request",
    "pull_request_review",
    "check_run",
    "check_suite",
    "workflow_run",
)
#: Answers GitHub may give to any request, documented or not for the operation (besides a
#: GET's 304): a body it cannot parse, bad credentials, the rate limits, a thing that is not
#: there (or not to be seen with this token), and its own failures.
ANY_OPERATION_STATUSES = frozenset({400, 401, 403, 404, 429, 500, 502, 503})
_METHODS = ("get", "put", "post", "patch", "delete")
VERSION_HEADER = "x-github-api-version"


def version_of(headers: Mapping[str, str] | None) -> str:
    """The REST API version a request asks for (X-GitHub-Api-Version), else the default."""
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    return lower.get(VERSION_HEADER) or DEFAULT_VERSION


# -- operations ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    template: str  # "/repos/{owner}/{repo}/issues/{issue_number}"
    operation_id: str
    pointer: str  # JSON pointer to the operation object in spec()
    path_params: dict[str, str]  # decoded values from the path asked for
    version: str = DEFAULT_VERSION

    @property
    def definition(self) -> dict[str, Any]:
        item = spec(self.version)["paths"][self.template]
        return item[self.method.lower()]  # type: ignore[no-any-return]

    def parameters(self) -> list[tuple[dict[str, Any], str]]:
        """Every parameter (the path item's and the operation's), dereferenced, with its
        pointer."""
        item = spec(self.version)["paths"][self.template]
        base = f"/paths/{escape(self.template)}"
        found: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        for owner, where in ((item, base), (self.definition, self.pointer)):
            for i, raw in enumerate(owner.get("parameters") or ()):
                param, pointer = deref(raw, f"{where}/parameters/{i}", self.version)
                found[(param["in"], param["name"])] = (param, pointer)
        return list(found.values())


@functools.cache
def _routes() -> dict[str, list[tuple[re.Pattern[str], str]]]:
    routes: dict[str, list[tuple[int, int, str, re.Pattern[str]]]] = {}
    for template, item in spec()["paths"].items():
        for method in _METHODS:
            if method not in item:
                continue
            multi = {
                p["name"]
                for p, _ in Operation(method.upper(), template, "", "", {}).parameters()
                if p.get("x-multi-segment") and p["in"] == "path"
            }
            pattern = "".join(
                (
                    f"({'.+' if piece[1:-1] in multi else '[^/]+'})"
                    if piece.startswith("{")
                    else re.escape(piece)
                )
                for piece in re.split(r"(\{[^}]+\})", template)
            )
            literal = len(re.sub(r"\{[^}]+\}", "", template))
            routes.setdefault(method.upper(), []).append(
                (-literal, template.count("{"), template, re.compile(pattern + "$"))
            )
    return {m: [(rx, t) for *_, t, rx in sorted(rows)] for m, rows in routes.items()}


def strip_prefix(path: str) -> str:
    """A GHES path (``/api/v3/...``) as api.github.com has it."""
    if path == GHES_PREFIX or path.startswith(GHES_PREFIX + "/"):
        return path[len(GHES_PREFIX) :] or "/"
    return path


@functools.lru_cache(maxsize=4096)
def find_operation(method: str, path: str, version: str = DEFAULT_VERSION) -> Operation | None:
    """The documented operation a request names, with its path parameters; None if none."""
    path = strip_prefix(path.split("?", 1)[0])
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
                version,
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
    if "array" in kinds:
        return [_coerce(part, schema.get("items") or {}) for part in raw.split(",")]
    return raw


def _query_lists(query: Mapping[str, Any] | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in (query or {}).items():
        out[key] = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    return out


def _media(content: Mapping[str, Any]) -> str | None:
    for kind in content:
        if kind == "application/json" or kind.endswith("+json"):
            return str(kind)
    return None


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


def check_request(
    method: str,
    path: str,
    query: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
    version: str | None = None,
) -> list[str]:
    """What in a request disagrees with GitHub's description; [] when nothing does.

    ``query`` maps a name to its value or values; ``body`` is the raw bytes, or the parsed
    JSON, or None for no body; ``version`` is the REST API version (by default the one the
    X-GitHub-Api-Version header asks for, else 2022-11-28).
    """
    problems: list[str] = []
    version = version or version_of(headers)
    if version not in VERSIONS:
        problems.append(f"X-GitHub-Api-Version {version!r} is not one of GitHub's {VERSIONS}")
        version = DEFAULT_VERSION
    op = find_operation(method, path, version)
    if op is None:
        return [f"{method.upper()} {strip_prefix(path)}: no such operation in GitHub's API"]
    label = f"{op.method} {op.template}"
    given = _query_lists(query)
    known: set[str] = set()
    for param, pointer in op.parameters():
        name, where, schema = param["name"], param["in"], param.get("schema") or {}
        if where == "path":
            value = _coerce(op.path_params.get(name, ""), schema)
            problems += errors_at(f"{pointer}/schema", value, f"{label} path {name}:", version)
        elif where == "query":
            known.add(name)
            values = given.get(name)
            if values is None:
                if param.get("required"):
                    problems.append(f"{label}: query parameter {name} is required")
                continue
            if len(values) > 1 and schema.get("type") != "array":
                problems.append(f"{label}: query parameter {name} given {len(values)} times")
            raw = values if schema.get("type") == "array" and len(values) > 1 else values[0]
            value = (
                [_coerce(v, schema.get("items") or {}) for v in raw]
                if isinstance(raw, list)
                else _coerce(raw, schema)
            )
            problems += errors_at(f"{pointer}/schema", value, f"{label} query {name}:", version)
    problems += [f"{label}: unknown query parameter {n!r}" for n in sorted(set(given) - known)]
    problems += _check_body(op, label, headers or {}, body)
    return problems


def _check_body(op: Operation, label: str, headers: Mapping[str, str], body: Any) -> list[str]:
    present, value, error = _parse_body(body)
    declared = op.definition.get("requestBody")
    if declared is None:
        return [f"{label}: takes no request body"] if present else []
    declared, pointer = deref(declared, f"{op.pointer}/requestBody", op.version)
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
    schema_pointer = f"{pointer}/content/{escape(media)}/schema"
    problems = errors_at(schema_pointer, value, f"{label} body", op.version)
    schema = declared["content"][media].get("schema") or {}
    if isinstance(value, dict) and "properties" in schema:
        # GitHub ignores a field it does not know; a client that sends one is wrong all the same
        problems += [
            f"{label} body: unknown field {k!r}" for k in value if k not in schema["properties"]
        ]
    return problems


def check_response(
    method: str, path: str, status: int, body: Any = None, version: str = DEFAULT_VERSION
) -> list[str]:
    """What in an answer (its status, its body: raw bytes, parsed JSON or None) disagrees with
    the operation's documented answers in this REST API version; the statuses of
    ANY_OPERATION_STATUSES (and a 304 to a GET) may answer any operation, with GitHub's basic
    error body."""
    op = find_operation(method, path, version if version in VERSIONS else DEFAULT_VERSION)
    if op is None:
        return [f"{method.upper()} {strip_prefix(path)}: no such operation in GitHub's API"]
    label = f"{op.method} {op.template} -> {status}"
    present, value, error = _parse_body(body)
    responses = op.definition.get("responses") or {}
    key = next((k for k in (str(status), f"{status // 100}XX", "default") if k in responses), None)
    if key is None:
        if status == 304 and op.method == "GET":
            return [f"{label}: a 304 has no body"] if present else []
        if status not in ANY_OPERATION_STATUSES:
            return [f"{label}: status {status} is not documented for {op.operation_id}"]
        if error:
            return [f"{label}: {error}"]
        if not present:
            return []
        return errors_at("/components/schemas/basic-error", value, label, op.version)
    declared, pointer = deref(responses[key], f"{op.pointer}/responses/{key}", op.version)
    media = _media(declared.get("content") or {})
    if media is None:
        return [f"{label}: documented without a body, but one was sent"] if present else []
    if not present:
        return [f"{label}: documented with a {media} body, none was sent"]
    if error:
        return [f"{label}: {error}"]
    return errors_at(f"{pointer}/content/{escape(media)}/schema", value, label, op.version)


# -- webhooks --------------------------------------------------------------------------------
def webhook_key(event: str, action: str | None) -> str:
    return f"{event}-{action}".replace("_", "-") if action else event.replace("_", "-")


def check_webhook(event: str, payload: Any) -> list[str]:
    """What in a webhook payload disagrees with the description's x-webhooks entry."""
    action = payload.get("action") if isinstance(payload, dict) else None
    key = webhook_key(event, action)
    hook = spec()["x-webhooks"].get(key)
    if hook is None:
        return [f"webhook {key}: no such event and action in GitHub's description"]
    media = _media(hook["post"]["requestBody"]["content"]) or "application/json"
    pointer = f"/x-webhooks/{escape(key)}/post/requestBody/content/{escape(media)}/schema"
    return errors_at(pointer, payload, f"webhook {key}")


@functools.cache
def _examples() -> list[dict[str, Any]]:
    path = packages_dir() / "webhooks-examples" / "api.github.com" / "index.json"
    loaded: list[dict[str, Any]] = json.loads(path.read_bytes())
    return loaded


def webhook_examples(events: Iterable[str] = EVENTS) -> list[tuple[str, str, dict[str, Any]]]:
    """(event, action, payload) of every example of these events (fresh copies)."""
    wanted = set(events)
    found = []
    for entry in _examples():
        if entry["name"] in wanted:
            for payload in entry["examples"]:
                copy = json.loads(json.dumps(payload))
                found.append((str(entry["name"]), str(copy.get("action", "")), copy))
    return found
