"""Loading Atlassian's description of the Jira Cloud platform REST API (v3) for
tests/support/jira_spec.py: where it is, its schemas made JSON Schema 2020-12, the few places
where Jira answers otherwise than its description says (ERRATA, each with its evidence), and the
validators of its schemas.

Where the description is read from, first found wins:

1. ``$CCO_TEST_JIRA_SPEC`` (a path to the JSON file, or to a ``.gz`` of it);
2. ``<repo>/../shared/specs/jira-platform-v3.json`` (the team's shared copy);
3. ``/work/shared/specs/jira-platform-v3.json``;
4. ``tests/support/jira/jira-platform-v3.json.gz``, the copy vendored in the repository, so a
   clean clone (CI) has it too; tests/test_jira_spec.py checks it equals the shared file when
   that file is there.

No package registry carries the description (Atlassian publishes it at
``https://developer.atlassian.com/cloud/jira/platform/swagger-v3.v3.json``), hence the copy.
OpenAPI 3.0's ``nullable: true`` becomes a type union, ``x-*`` keys and ``discriminator`` go
from the schemas (the conversion is the one of github_spec_load.py). Formats are annotations,
except ``date-time``, checked: Jira writes ``2026-12-01T10:00:00.000+0000``, which Python's
ISO 8601 parser takes (a time zone is required).
"""

from __future__ import annotations

import copy
import functools
import gzip
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.support.github_spec_load import _convert

_REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_ENV = "CCO_TEST_JIRA_SPEC"
FILE_NAME = "jira-platform-v3.json"
SHARED = (
    _REPO_ROOT.parent / "shared" / "specs" / FILE_NAME,
    Path("/work/shared/specs") / FILE_NAME,
)
VENDORED = _REPO_ROOT / "tests" / "support" / "jira" / f"{FILE_NAME}.gz"
SPEC_URI = "urn:jira-openapi"

#: Where Jira's answers differ from its description, as (JSON pointer, replacement, evidence).
#: Applied after the conversion to 2020-12; the evidence is what a reviewer checks.
ERRATA: tuple[tuple[str, Any, str], ...] = (
    (
        "/paths/~1rest~1api~13~1issue~1{issueIdOrKey}~1remotelink/get/responses/200/content"
        "/application~1json/schema",
        {
            "anyOf": [
                {"type": "array", "items": {"$ref": "#/components/schemas/RemoteIssueLink"}},
                {"$ref": "#/components/schemas/RemoteIssueLink"},
            ]
        },
        "the description's own example answer is a list of links (without ?globalId=, Jira "
        "answers every link of the issue, as the operation's text says); one link with it",
    ),
    (
        "/components/schemas/IssueLinkInFields",
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "type"],
            "properties": {
                "id": {"type": "string"},
                "self": {"type": "string", "format": "uri"},
                "type": {"$ref": "#/components/schemas/IssueLinkType"},
                "inwardIssue": {"$ref": "#/components/schemas/LinkedIssue"},
                "outwardIssue": {"$ref": "#/components/schemas/LinkedIssue"},
            },
            "oneOf": [{"required": ["inwardIssue"]}, {"required": ["outwardIssue"]}],
        },
        "an issue's fields.issuelinks entries are IssueLink with the other side only (the "
        "description's own IssueBean example: one of inwardIssue / outwardIssue), whereas "
        "IssueLink requires both (it is also the body that creates a link)",
    ),
)


def spec_path() -> Path | None:
    """The description's file as found (see the module's text), or None."""
    chosen = os.environ.get(SPEC_ENV)
    if chosen:
        return Path(chosen)
    for candidate in (*SHARED, VENDORED):
        if candidate.is_file():
            return candidate
    return None


def shared_path() -> Path | None:
    """The team's shared copy, when this machine has one (not the vendored one)."""
    return next((p for p in SHARED if p.is_file()), None)


def missing() -> str | None:
    """Why the description cannot be used, or None."""
    path = spec_path()
    if path is None:
        return f"Jira's description is not found: set {SPEC_ENV} or restore {VENDORED}"
    if not path.is_file():
        return f"{SPEC_ENV} names {path}, which is not a file"
    return None


def read_bytes(path: Path) -> bytes:
    """The description's JSON text (a ``.gz`` unpacked)."""
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.suffix == ".gz" else raw


def _put(document: dict[str, Any], pointer: str, value: Any) -> None:
    *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]
    node: Any = document
    for part in parents:
        node = node[part]
    node[last] = copy.deepcopy(value)


@functools.cache
def spec() -> dict[str, Any]:
    """The description, its schemas in JSON Schema 2020-12 and ERRATA applied (loaded once a
    process)."""
    path, reason = spec_path(), missing()
    if path is None or reason is not None:
        raise FileNotFoundError(reason)
    loaded: dict[str, Any] = json.loads(read_bytes(path))
    _convert(loaded["paths"])
    _convert(loaded["components"])
    for pointer, value, _why in ERRATA:
        _put(loaded, pointer, value)
    return loaded


def spec_version() -> str:
    return str(spec()["info"]["version"])


# -- validation ------------------------------------------------------------------------------
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
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{pointer}"}, registry=_registry(), format_checker=_FORMATS
    )


def escape(segment: str) -> str:
    """One JSON pointer segment."""
    return segment.replace("~", "~0").replace("/", "~1")


def errors_at(pointer: str, value: Any, label: str) -> list[str]:
    """What in value disagrees with the schema at pointer, one line each."""
    found = []
    for error in _validator(pointer).iter_errors(value):
        deepest = best_match([error])
        where = "/".join(str(p) for p in deepest.absolute_path) or "(root)"
        found.append(f"{label} {where}: {deepest.message[:300]}")
    return found


def deref(node: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
    """A parameter, request body or response that may be a ``$ref``, and the pointer to it."""
    while "$ref" in node:
        pointer = str(node["$ref"])[1:]
        target: Any = spec()
        for part in pointer.strip("/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node, pointer
