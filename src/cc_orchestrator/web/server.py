"""Running the API and dashboard with uvicorn (alone, or beside the daemon)."""

from __future__ import annotations

import uvicorn

from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.errors import ConfigError
from cc_orchestrator.web.app import create_app, is_loopback


def check_exposure(services: App, host: str) -> None:
    """Binding anything but loopback requires a token: refuse before anything starts."""
    if not is_loopback(host) and services.config.settings.web.token is None:
        raise ConfigError(
            f"web.host {host!r} is reachable from other machines, but no web.token is set",
            hint="set one: cco config set web.token <secret> (or CC_ORCH_WEB__TOKEN)",
        )


def make_server(services: App, host: str, port: int) -> uvicorn.Server:
    check_exposure(services, host)
    config = uvicorn.Config(
        create_app(services),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        ws_max_size=1024 * 1024,
        timeout_graceful_shutdown=3,  # a stuck connection never holds up Ctrl-C
    )
    return uvicorn.Server(config)
