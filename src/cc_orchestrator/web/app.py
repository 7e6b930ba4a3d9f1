"""The FastAPI application: thin routers over the same services the CLI uses (web/routes/),
assembled here with the security middleware, the error handlers and the dashboard."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.routing import Route

from cc_orchestrator import __version__
from cc_orchestrator.bootstrap import App
from cc_orchestrator.web.apidoc import add_security_schemes, security_responses
from cc_orchestrator.web.auth import effective_token
from cc_orchestrator.web.errors import BodyLimit, add_error_handlers
from cc_orchestrator.web.events import EventHub
from cc_orchestrator.web.login import add_login_route
from cc_orchestrator.web.mcp_server import McpEndpoint, build_mcp
from cc_orchestrator.web.routes import (
    backups,
    github,
    instances,
    jira,
    live,
    messages,
    notifications,
    overview,
    stats,
    tasks,
    tracker_sync,
    webhooks,
    worktrees,
)
from cc_orchestrator.web.schemas import ErrorOut
from cc_orchestrator.web.security import MCP_PATH, Guard, Policy, require_json

STATIC = Path(__file__).parent / "static"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def create_app(
    services: App,
    *,
    poll_interval_s: float = 0.25,
    bind_host: str | None = None,
    token: str | None = None,
) -> FastAPI:
    """The app; `token` overrides the configured or generated one (the schema printer's)."""
    settings = services.config.settings.web
    configured = settings.token.get_secret_value() if settings.token else None
    policy = Policy(
        token=token or effective_token(configured, services.data_dir),
        bind_host=settings.host if bind_host is None else bind_host,
        public_url=settings.public_url,
    )
    hub = EventHub(
        lambda after, limit: services.instances.events(
            after_id=after,
            limit=limit,
            entity_types=("task", "instance", "worktree", "repository", "delivery", "backup"),
        ),
        services.instances.last_event_id,
        interval_s=poll_interval_s,
    )

    mcp = build_mcp(services)
    mcp.streamable_http_app()  # makes its session manager, run below for the app's life

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        # commits in this process (the daemon's, under `cco up`, and the API's) wake the hub
        unlisten = services.store.on_events(hub.wake)
        async with mcp.session_manager.run():
            yield
        unlisten()
        await hub.stop()

    app = FastAPI(
        title="cc-orchestrator",
        version=__version__,
        description="Control tower for many Claude Code instances.",
        lifespan=lifespan,
        responses={
            400: {"model": ErrorOut},
            404: {"model": ErrorOut},
            409: {"model": ErrorOut},
            422: {"model": ErrorOut},
            **security_responses(ErrorOut),
        },
        dependencies=[Depends(require_json)],
    )
    app.state.services = services
    app.state.hub = hub
    app.state.policy = policy
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(Guard, policy=policy)  # the outermost: before any body is read
    add_security_schemes(app)
    add_error_handlers(app, add_login_route(app, policy))
    routers = (
        overview,
        tasks,
        messages,
        instances,
        worktrees,
        notifications,
        github,
        tracker_sync,
        jira,
        backups,
        stats,
    )
    for module in (*routers, webhooks, live):
        app.include_router(module.router)
    # the fleet's MCP server (web/mcp_server.py): exactly /mcp, no redirect to /mcp/
    endpoint = McpEndpoint(services, mcp.session_manager)
    app.router.routes.append(Route(MCP_PATH, endpoint, methods=["GET", "POST", "DELETE"]))
    if (STATIC / "index.html").exists():
        app.mount("/", StaticFiles(directory=STATIC, html=True), name="dashboard")
    return app
