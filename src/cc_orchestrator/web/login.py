"""Logging a browser in: POST /api/login with the token (the dashboard's token dialog) sets the
HttpOnly cookie; the one-time link `cco up` prints does the same without typing (security.py).
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from cc_orchestrator.web.auth import mint_login_code
from cc_orchestrator.web.security import Policy, url_host


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=1000)


class _LoginRefused(Exception):
    def __init__(self, retry_after: int | None) -> None:
        self.retry_after = retry_after


def add_login_route(app: FastAPI, policy: Policy) -> type[Exception]:
    """The route; returns the exception it raises on refusal (the app maps it to 401/429)."""

    @app.post(
        "/api/login",
        status_code=204,
        response_class=Response,
        summary="Exchange the token for the dashboard's cookie",
    )
    def login(body: Login, request: Request) -> Response:
        address = request.client.host if request.client else "?"
        wait = policy.throttle.retry_after(address)
        if wait is not None:
            raise _LoginRefused(wait)
        if not policy.credential_ok(body.token, None, None):
            policy.throttle.failed(address)
            raise _LoginRefused(None)
        response = Response(status_code=204)
        response.headers["set-cookie"] = policy.set_cookie(request.url.scheme == "https")
        response.headers["cache-control"] = "no-store"
        return response

    return _LoginRefused


def login_url(token: str, host: str, port: int, public_url: str | None = None) -> str:
    """The one-time link printed by `cco up`/`cco web` (and `cco web --link`)."""
    base = public_url.rstrip("/") if public_url else f"http://{url_host(login_host(host))}:{port}"
    return f"{base}/?login={mint_login_code(token)}"


def login_host(host: str) -> str:
    """The address a local browser should open: a wildcard bind is reached on loopback."""
    return {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
