"""What the OpenAPI schema says about security: the token (bearer or cookie), and the statuses
the front door (security.py) answers on every operation."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from cc_orchestrator.web.auth import COOKIE
from cc_orchestrator.web.security import WEBHOOK_PATHS

# the login takes the token; a webhook is proven by its signature
OPEN_OPERATIONS = frozenset({("post", "/api/login"), *(("post", p) for p in WEBHOOK_PATHS)})


def security_responses(model: type) -> dict[int | str, dict[str, Any]]:
    return {
        401: {"model": model, "description": "A missing or wrong token"},
        403: {"model": model, "description": "A browser request from another origin"},
        415: {"model": model, "description": "A state-changing request that is not JSON"},
        421: {"model": model, "description": "A Host this server does not answer for"},
        429: {
            "model": model,
            "description": "Too many failed authentications from this address",
            "headers": {
                "Retry-After": {
                    "description": "Seconds to wait",
                    "schema": {"type": "integer"},
                }
            },
        },
    }


def add_security_schemes(app: FastAPI) -> None:
    """Declare the token on every operation but the login itself."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"},
            "cookie": {"type": "apiKey", "in": "cookie", "name": COOKIE},
        }
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                if (method, path) not in OPEN_OPERATIONS:
                    operation["security"] = [{"bearer": []}, {"cookie": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
