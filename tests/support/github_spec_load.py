"""Loading GitHub's description for tests/support/github_spec.py: where it is installed, one
API version of it, its schemas made JSON Schema 2020-12, and the validators of its schemas.

The package also ships a dereferenced copy (``api.github.com.deref.json``); it is not used: it
is 73 MB, takes 1.5 s and ~420 MB to load against ~0.4 s and ~100 MB for the 13 MB document
with its ``$ref``s, which ``referencing`` resolves lazily (measured on this machine).

The document is REST API version 2022-11-28; its ``x-github-breaking-changes`` say what
2026-03-10 changed (fields removed, statuses changed), as JSON merge patches or JSON patches on
the operations and schemas they sit in: :func:`spec` applies them for the later version. OpenAPI
3.0's ``nullable: true`` becomes a type union (or an ``anyOf`` with null); ``x-*`` keys and
``discriminator`` go from the schemas. Formats are annotations, except ``date-time``: checked.
"""

from __future__ import annotations

import functools
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_REPO_ROOT = Path(__file__).resolve().parents[2]
PREFIX_ENV = "CCO_TEST_GITHUB_SPECS_PREFIX"
#: CI sets it: missing descriptions then fail the GitHub tests instead of skipping them.
REQUIRE_ENV = "CCO_REQUIRE_GITHUB_SPECS"
SPEC_URI = "urn:github-openapi"
#: the REST API versions GitHub serves (X-GitHub-Api-Version); the first is the default
VERSIONS = ("2022-11-28", "2026-03-10")
DEFAULT_VERSION = VERSIONS[0]
_BREAKING = "x-github-breaking-changes"


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


# -- API versions ----------------------------------------------------------------------------
def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: null deletes, an object merges, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result


def _json_patch(target: dict[str, Any], ops: list[dict[str, Any]]) -> None:
    """RFC 6902's remove, replace and add, in order."""
    for op in ops:
        *parents, last = [
            p.replace("~1", "/").replace("~0", "~") for p in op["path"].lstrip("/").split("/")
        ]
        node: Any = target
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        key: Any = int(last) if isinstance(node, list) and last != "-" else last
        if op["op"] == "remove":
            del node[key]
        elif isinstance(node, list) and op["op"] == "add":
            node.insert(len(node) if key == "-" else key, op["value"])
        else:
            node[key] = op["value"]


def _apply_breaking_changes(owner: dict[str, Any], version: str) -> None:
    for change in owner.pop(_BREAKING, None) or ():
        if change["version"] > version:
            continue
        if isinstance(change["patch"], list):
            _json_patch(owner, change["patch"])
        else:
            _merge_patch(owner, change["patch"])


def removed_fields(version: str, schema: str) -> frozenset[str]:
    """The top-level properties a component schema lost by this API version."""
    return frozenset(_removed(version).get(schema, ()))


@functools.cache
def _removed(version: str) -> dict[str, set[str]]:
    base = spec(DEFAULT_VERSION)["components"]["schemas"]
    later = spec(version)["components"]["schemas"]
    return {
        name: set(base[name].get("properties", {})) - set(later[name].get("properties", {}))
        for name in base
        if name in later
    }


# -- OpenAPI 3.0 to JSON Schema 2020-12 ------------------------------------------------------
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


def spec(version: str = DEFAULT_VERSION) -> dict[str, Any]:
    """The api.github.com description of this REST API version, its schemas in JSON Schema
    2020-12 (loaded once a process and version)."""
    return _spec(version)  # spec() and spec(DEFAULT_VERSION): one cache entry


@functools.cache
def _spec(version: str) -> dict[str, Any]:
    assert version in VERSIONS, version
    path = packages_dir() / "openapi" / "generated" / "api.github.com.json"
    loaded: dict[str, Any] = json.loads(path.read_bytes())
    for item in loaded["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                _apply_breaking_changes(operation, version)
    for schema in loaded["components"]["schemas"].values():
        _apply_breaking_changes(schema, version)
    _convert(loaded["paths"])
    _convert(loaded["components"])
    _convert(loaded["x-webhooks"])
    return loaded


def spec_version() -> str:
    return str(spec()["info"]["version"])


# -- validation ------------------------------------------------------------------------------
@functools.cache
def _registry(version: str) -> Registry[Any]:
    resource = Resource.from_contents(spec(version), default_specification=DRAFT202012)
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
def _validator(pointer: str, version: str) -> Any:
    """A validator for the schema at this JSON pointer into the description."""
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{pointer}"}, registry=_registry(version), format_checker=_FORMATS
    )


def escape(segment: str) -> str:
    """One JSON pointer segment."""
    return segment.replace("~", "~0").replace("/", "~1")


def errors_at(pointer: str, value: Any, label: str, version: str = DEFAULT_VERSION) -> list[str]:
    """What in value disagrees with the schema at pointer, one line each."""
    found = []
    for error in _validator(pointer, version).iter_errors(value):
        deepest = best_match([error])  # the branch of an anyOf that got furthest
        where = "/".join(str(p) for p in deepest.absolute_path) or "(root)"
        found.append(f"{label} {where}: {deepest.message[:300]}")
    return found


def deref(
    node: dict[str, Any], pointer: str, version: str = DEFAULT_VERSION
) -> tuple[dict[str, Any], str]:
    """A parameter, request body or response that may be a ``$ref`` into components, and the
    pointer to what it is."""
    while "$ref" in node:
        pointer = str(node["$ref"])[1:]
        target: Any = spec(version)
        for part in pointer.strip("/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node, pointer
