"""How the API fails: one JSON shape for every error (CcoError, invalid input, HTTP errors, a
crash), and the body limit that answers 413 before any route reads an oversized body."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.logs import get_logger

log = get_logger("cco.web")


class BodyLimit:
    """413 with a JSON message for bodies over the limit, counted as they stream in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(self.max_bytes, send)
            return
        # Read the body first (at most the limit), so an oversized streamed body gets its 413
        # before any route sees it; then replay it to the app.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                await _too_large(self.max_bytes, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(limit: int, send: Send) -> None:
    response = JSONResponse(
        {
            "error": {
                "type": "PayloadTooLarge",
                "message": f"the request body is larger than {limit} bytes",
            }
        },
        status_code=413,
    )
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def error_response(status: int, kind: str, message: str, hint: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": kind, "message": message}
    if hint:
        body["hint"] = hint
    return JSONResponse({"error": body}, status_code=status)


def add_error_handlers(app: FastAPI, login_refused: type[Exception]) -> None:
    @app.exception_handler(login_refused)
    async def _refused(_request: Request, exc: Exception) -> JSONResponse:
        wait = getattr(exc, "retry_after", None)
        if wait is None:
            return error_response(401, "Unauthorized", "that is not this server's token")
        response = error_response(
            429, "TooManyRequests", "too many failed logins", f"retry after {wait} s"
        )
        response.headers["retry-after"] = str(wait)
        return response

    @app.exception_handler(CcoError)
    async def _cco_error(_request: Request, exc: CcoError) -> JSONResponse:
        return error_response(exc.http_status, type(exc).__name__, exc.message, exc.hint)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return error_response(
            422, "InvalidInput", f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # FastAPI's answer to a body that is not UTF-8: invalid input like any bad JSON
            return error_response(
                422, "InvalidInput", "the body is not JSON (it is not UTF-8 text)"
            )
        response = error_response(exc.status_code, "HTTPError", str(exc.detail))
        response.headers.update(exc.headers or {})  # Allow on a 405
        return response

    @app.exception_handler(Exception)
    async def _crash(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("web.internal_error")
        return error_response(
            500, "InternalError", f"{type(exc).__name__}: the server failed", "see the log file"
        )
