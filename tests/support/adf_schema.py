"""Atlassian's published ADF JSON schema (``@atlaskit/adf-schema``'s
``dist/json-schema/v1/full.json``, JSON Schema draft-04), pinned in
``tests/support/jira/package.json`` and installed by ``scripts/install-jira-specs`` (run by
``scripts/check``) into ``.cache/jira-specs``.

``check_adf(doc)`` is every way ``doc`` breaks the schema, as one line each (empty: valid). When
the schema is not installed the calling test is skipped, or fails under
``CCO_REQUIRE_JIRA_SPECS=1``.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from jsonschema import Draft4Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError, best_match  # type: ignore[import-untyped]

_REPO_ROOT = Path(__file__).resolve().parents[2]
PREFIX_ENV = "CCO_TEST_JIRA_SPECS_PREFIX"
#: set it to make a missing schema fail the tests that need it instead of skipping them
REQUIRE_ENV = "CCO_REQUIRE_JIRA_SPECS"


def schema_path() -> Path:
    prefix = os.environ.get(PREFIX_ENV) or str(_REPO_ROOT / ".cache" / "jira-specs")
    return (
        (Path(prefix) / "node_modules" / "@atlaskit" / "adf-schema" / "dist" / "json-schema")
        / "v1"
        / "full.json"
    )


def missing() -> str | None:
    """Why the schema cannot be used (not installed), or None."""
    path = schema_path()
    return None if path.is_file() else f"not installed (bash scripts/install-jira-specs): {path}"


def required() -> bool:
    return os.environ.get(REQUIRE_ENV) == "1"


@functools.cache
def _schema() -> Any:
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return schema


@functools.cache
def _validator() -> Any:
    return Draft4Validator(_schema())


@functools.cache
def _fast() -> Any:
    """jsonschema-rs (schemathesis's own dependency) says whether a document is valid: the
    pure-Python jsonschema tries every branch of ADF's nested anyOfs, so a list three deep in
    a quote took it 13 s (70 s four deep); it only explains the documents found invalid."""
    return jsonschema_rs.Draft4Validator(_schema())


def _where(error: ValidationError) -> str:
    return "/" + "/".join(str(part) for part in error.absolute_path)


def _rank(error: ValidationError) -> tuple[int, bool]:
    path = error.absolute_path
    wrong_kind = error.validator == "enum" and bool(path) and path[-1] == "type"
    return len(path), not wrong_kind


def _deepest(error: ValidationError) -> ValidationError:
    """An anyOf (most of ADF) fails as a whole: the branch for this kind of node that got
    furthest into the document says why (best_match alone names the outermost node, whose
    ``content`` every other branch refuses; a branch for another kind only says its ``type``)."""
    found, rank = error, _rank(error)
    stack = list(error.context or ())
    while stack:
        sub = stack.pop()
        if _rank(sub) > rank:
            found, rank = sub, _rank(sub)
        stack.extend(sub.context or ())
    if found is error and error.context:
        return best_match(error.context) or error
    return found


def _line(error: ValidationError) -> str:
    reason = _deepest(error)
    return f"{_where(reason)}: {reason.message}"


def check_adf(doc: object) -> list[str]:
    """Every way ``doc`` disagrees with Atlassian's ADF schema (empty when it is valid)."""
    reason = missing()
    if reason is not None:
        if required():
            pytest.fail(f"Atlassian's ADF schema is {reason}")
        pytest.skip(f"Atlassian's ADF schema is {reason}")
    if _fast().is_valid(doc):
        return []
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    return [_line(error) for error in errors]
