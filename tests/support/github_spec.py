"""GitHub's own REST API description, to check every request a GitHub client sends and every
answer the fake GitHub gives (tests/support/fake_github.py).

The description is ``@octokit/openapi`` (GitHub's ``rest-api-description`` with Octokit's
extension), and the webhook payloads ``@octokit/webhooks-examples``, both pinned in
``tests/support/github/package.json`` and installed by ``scripts/install-github-specs`` (run by
``scripts/check``) into ``.cache/github-specs``, or ``$CCO_TEST_GITHUB_SPECS_PREFIX``.

The package also ships a dereferenced copy (``api.github.com.deref.json``); it is not used: it
is 73 MB, takes 1.5 s and ~420 MB to load against 0.25 s and ~90 MB for the 13 MB document
with its ``$ref``s, which ``referencing`` resolves lazily (measured on this machine). The
description is OpenAPI 3.0, so its schemas are made JSON Schema 2020-12 once, on load:
``nullable: true`` becomes a type union (or an ``anyOf`` with null), ``x-*`` keys and
``discriminator`` go. Formats are annotations, except ``date-time``, which is checked.

* :func:`find_operation` -- the operation a method and path name (``/api/v3`` of GHES stripped);
* :func:`check_request` / :func:`check_response` -- what disagrees with the description;
* :func:`check_webhook` -- a webhook payload against the description's ``x-webhooks``;
* :func:`webhook_examples` -- example payloads per event, the fake's webhook templates.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_REPO_ROOT = Path(__file__).resolve().parents[2]
PREFIX_ENV = "CCO_TEST_GITHUB_SPECS_PREFIX"
#: CI sets it: missing descriptions then fail the GitHub tests instead of skipping them.
REQUIRE_ENV = "CCO_REQUIRE_GITHUB_SPECS"
SPEC_URI = "urn:github-openapi"
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
#: Answers GitHub may give to any request, documented or not for the operation: the
#: conditional GET's 304, bad credentials, the rate limits, and its own failures.
ANY_OPERATION_STATUSES = frozenset({401, 403, 429, 500, 502, 503})
_METHODS = ("get", "put", "post", "patch", "delete")


def packages_dir() -> Path:
    prefix = os.environ.get(PREFIX_ENV) or str(_REPO_ROOT / ".cache" / "github-specs")
    return Path(prefix) / "node_modules" / "@octokit"


def missing() -> str | None:
    """Why the descriptions cannot be used (not installed), or None."""
    need = [
        packages_dir() / "openapi" / "generated" / "api.github.com.json",
        packages_dir() / "webhooks-examples" / "api.github.com" / "index.json",
    ]
    absent = [str(p) for p in need if not p.is_file()]
    return f"not installed (bash scripts/install-github-specs): {absent}" if absent else None


def required() -> bool:
    return os.environ.get(REQUIRE_ENV) == "1"


# -- loading ---------------------------------------------------------------------------------
def _schema_to_2020(schema: Any) -> None:
    """Make one OpenAPI 3.0 schema JSON Schema 2020-12, in place (and its subschemas)."""
    if not isinstance(schema, dict):
        return
    for key in [k for k in schema if k.startswith("x-") or k == "discriminator"]:
        del schema[key]
    for key in ("properties", "patternProperties"):
        for sub in (schema.get(key) or {}).values():
            _schema_to_2020(sub)
    for key in ("items", "additionalProperties", "not", "contains", "propertyNames"):
        _schema_to_2020(schema.get(key))
    for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
        for sub in schema.get(key) or ():
            _schema_to_2020(sub)
    if schema.pop("nullable", False) is not True:
        return
    if any(k in schema for k in ("$ref", "allOf", "anyOf", "oneOf")):
        inner = {k: schema.pop(k) for k in list(schema) if k not in ("description", "title")}
        schema["anyOf"] = [inner, {"type": "null"}]
        return
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        kind.append("null")
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        schema["enum"].append(None)


def _convert(node: Any) -> None:
    """Every schema of the description (parameters, bodies, answers, components) to 2020-12."""
    if isinstance(node, list):
        for item in node:
            _convert(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "schema":
                _schema_to_2020(value)
            elif key == "schemas" and isinstance(value, dict):
                for sub in value.values():
                    _schema_to_2020(sub)
            elif key not in ("example", "examples"):
                _convert(value)


@functools.cache
def spec() -> dict[str, Any]:
    """The api.github.com description, its schemas in JSON Schema 2020-12 (once a process)."""
    path = packages_dir() / "openapi" / "generated" / "api.github.com.json"
    loaded: dict[str, Any] = json.loads(path.read_bytes())
    _convert(loaded["paths"])
    _convert(loaded["components"])
    _convert(loaded["x-webhooks"])
    return loaded


def spec_version() -> str:
    return str(spec()["info"]["version"])


@functools.cache
def _registry() -> Registry[Any]:
    resource = Resource.from_contents(spec(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


_FORMATS = FormatChecker(formats=())
_FORMATS.checks("date-time")(_is_datetime)


@functools.cache
def _validator(pointer: str) -> Any:
    """A validator for the schema at this JSON pointer into the description."""
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{pointer}"}, registry=_registry(), format_checker=_FORMATS
    )


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def errors_at(pointer: str, value: Any, label: str) -> list[str]:
    """What in value disagrees with the schema at pointer, one line each."""
    found = []
    for error in _validator(pointer).iter_errors(value):
        deepest = best_match([error])  # the branch of an anyOf that got furthest
        where = "/".join(str(p) for p in deepest.absolute_path) or "(root)"
        found.append(f"{label} {where}: {deepest.message[:300]}")
    return found


def _deref(node: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
    """A parameter, request body or response that may be a `$ref` to components, and its
    pointer."""
    while "$ref" in node:
        ref = str(node["$ref"])
        pointer = ref[1:]
        target: Any = spec()
        for part in pointer.strip("/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node, pointer


# -- operations ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    template: str  # "/repos/{owner}/{repo}/issues/{issue_number}"
    operation_id: str
    pointer: str  # JSON pointer to the operation object in spec()
    path_params: dict[str, str]  # decoded values from the path asked for

    @property
    def definition(self) -> dict[str, Any]:
        return spec()["paths"][self.template][self.method.lower()]  # type: ignore[no-any-return]

    def parameters(self) -> list[tuple[dict[str, Any], str]]:
        """Every parameter (the path item's and the operation's), dereferenced, with its
        pointer."""
        item = spec()["paths"][self.template]
        base = f"/paths/{_escape(self.template)}"
        found: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        for owner, where in ((item, base), (self.definition, self.pointer)):
            for i, raw in enumerate(owner.get("parameters") or ()):
                param, pointer = _deref(raw, f"{where}/parameters/{i}")
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
def find_operation(method: str, path: str) -> Operation | None:
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
                f"/paths/{_escape(template)}/{method.lower()}",
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
) -> list[str]:
    """What in a request disagrees with GitHub's description; [] when nothing does.

    ``query`` maps a name to its value or values; ``body`` is the raw bytes, or the parsed
    JSON, or None for no body.
    """
    op = find_operation(method, path)
    if op is None:
        return [f"{method.upper()} {strip_prefix(path)}: no such operation in GitHub's API"]
    label = f"{op.method} {op.template}"
    problems: list[str] = []
    given = _query_lists(query)
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
            if len(values) > 1 and schema.get("type") != "array":
                problems.append(f"{label}: query parameter {name} given {len(values)} times")
            raw = values if schema.get("type") == "array" and len(values) > 1 else values[0]
            value = (
                [_coerce(v, schema.get("items") or {}) for v in raw]
                if isinstance(raw, list)
                else _coerce(raw, schema)
            )
            problems += errors_at(f"{pointer}/schema", value, f"{label} query {name}:")
    problems += [f"{label}: unknown query parameter {n!r}" for n in sorted(set(given) - known)]
    problems += _check_body(op, label, headers or {}, body)
    return problems


def _check_body(op: Operation, label: str, headers: Mapping[str, str], body: Any) -> list[str]:
    present, value, error = _parse_body(body)
    declared = op.definition.get("requestBody")
    if declared is None:
        return [f"{label}: takes no request body"] if present else []
    declared, pointer = _deref(declared, f"{op.pointer}/requestBody")
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
    schema_pointer = f"{pointer}/content/{_escape(media)}/schema"
    problems = errors_at(schema_pointer, value, f"{label} body")
    schema = declared["content"][media].get("schema") or {}
    if isinstance(value, dict) and "properties" in schema:
        # GitHub ignores a field it does not know; a client that sends one is wrong all the same
        problems += [
            f"{label} body: unknown field {k!r}" for k in value if k not in schema["properties"]
        ]
    return problems


def check_response(method: str, path: str, status: int, body: Any = None) -> list[str]:
    """What in an answer (its status, its body: raw bytes, parsed JSON or None) disagrees with
    the operation's documented answers; the statuses of ANY_OPERATION_STATUSES (and a 304 to a
    GET) may answer any operation, with GitHub's basic error body."""
    op = find_operation(method, path)
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
        return errors_at("/components/schemas/basic-error", value, label) if present else []
    declared, pointer = _deref(responses[key], f"{op.pointer}/responses/{key}")
    media = _media(declared.get("content") or {})
    if media is None:
        return [f"{label}: documented without a body, but one was sent"] if present else []
    if not present:
        return [f"{label}: documented with a {media} body, none was sent"]
    if error:
        return [f"{label}: {error}"]
    return errors_at(f"{pointer}/content/{_escape(media)}/schema", value, label)


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
    pointer = f"/x-webhooks/{_escape(key)}/post/requestBody/content/{_escape(media)}/schema"
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
