"""Webhooks: GitHub's and Jira's deliveries in (proven by their signature, not the token: see
web/security.py), and the inbox they are stored in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cc_orchestrator.domain.links import InboxStatus
from cc_orchestrator.web.deps import Services
from cc_orchestrator.web.schemas import ErrorOut
from cc_orchestrator.web.schemas_webhooks import InboxItemOut, ReceiptOut

router = APIRouter(prefix="/api/webhooks")


def _header(name: str, what: str, required: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": what,
        "schema": {"type": "string"},
    }


# what GitHub sends; documented only: the route reads the raw body and the headers itself,
# so the signature is checked before anything else is looked at
GITHUB_REQUEST: dict[str, Any] = {
    "parameters": [
        _header("X-Hub-Signature-256", "sha256=<HMAC-SHA256 of the raw body, hex>"),
        _header("X-GitHub-Event", "The event: issues, pull_request, check_run, ping..."),
        _header("X-GitHub-Delivery", "The delivery's id (a redelivery has the same)"),
    ],
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
}


@router.post(
    "/github",
    status_code=202,
    response_model=ReceiptOut,
    responses={
        200: {"model": ReceiptOut, "description": "A redelivery: nothing stored again"},
        202: {"model": ReceiptOut, "description": "Stored: queued for the daemon, or ignored"},
        401: {
            "model": ErrorOut,
            "description": "No github.webhook_secret, or a missing, malformed or wrong signature",
        },
        413: {"model": ErrorOut, "description": "A body over web.max_body_bytes"},
        415: {"model": ErrorOut, "description": "Not JSON (the webhook's content type)"},
    },
    openapi_extra=GITHUB_REQUEST,
)
async def github(request: Request, services: Services) -> JSONResponse:
    """A GitHub webhook delivery, signed with github.webhook_secret: stored in the inbox and
    answered at once (the daemon applies it). 400: not a delivery (headers, JSON object)."""
    body = await request.body()
    configured = services.config.settings.github.webhook_secret
    secret = configured.get_secret_value() if configured is not None else None
    receipt = await run_in_threadpool(
        services.webhooks.receive, "github", request.headers, body, secret
    )
    return JSONResponse(
        ReceiptOut.from_domain(receipt).model_dump(),
        status_code=200 if receipt.status == "duplicate" else 202,
    )


# what Jira sends; documented only, like GitHub's
JIRA_REQUEST: dict[str, Any] = {
    "parameters": [
        _header("X-Hub-Signature", "sha256=<HMAC-SHA256 of the raw body, hex>"),
        _header(
            "X-Atlassian-Webhook-Identifier",
            "The delivery's id (a retry has the same; without it the body's digest is)",
            required=False,
        ),
    ],
    "requestBody": GITHUB_REQUEST["requestBody"],
}


@router.post(
    "/jira",
    status_code=202,
    response_model=ReceiptOut,
    responses={
        200: {"model": ReceiptOut, "description": "A redelivery: nothing stored again"},
        202: {"model": ReceiptOut, "description": "Stored: queued for the daemon, or ignored"},
        401: {
            "model": ErrorOut,
            "description": "No jira.webhook_secret, or a missing, malformed or wrong signature",
        },
        413: {"model": ErrorOut, "description": "A body over web.max_body_bytes"},
        415: {"model": ErrorOut, "description": "Not JSON"},
    },
    openapi_extra=JIRA_REQUEST,
)
async def jira(request: Request, services: Services) -> JSONResponse:
    """A Jira Cloud admin webhook's delivery, signed with jira.webhook_secret: stored in the
    inbox and answered at once (the daemon applies it). 400: not a delivery (a JSON object
    with a webhookEvent)."""
    body = await request.body()
    configured = services.config.settings.jira.webhook_secret
    secret = configured.get_secret_value() if configured is not None else None
    receipt = await run_in_threadpool(
        services.webhooks.receive, "jira", request.headers, body, secret
    )
    return JSONResponse(
        ReceiptOut.from_domain(receipt).model_dump(),
        status_code=200 if receipt.status == "duplicate" else 202,
    )


@router.get("", response_model=list[InboxItemOut])
def list_inbox(
    services: Services,
    status: InboxStatus | None = None,
    source: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[InboxItemOut]:
    """The webhook inbox, newest first (never the payloads)."""
    found = services.webhooks.list(status=status, source=source, limit=limit)
    return [InboxItemOut.from_domain(i) for i in found]
