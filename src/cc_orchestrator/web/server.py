"""Running the API and dashboard with uvicorn (alone, or beside the daemon)."""

from __future__ import annotations

import uvicorn

from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.errors import ConfigError
from cc_orchestrator.web.app import create_app, is_loopback
from cc_orchestrator.web.auth import effective_token
from cc_orchestrator.web.login import login_host, login_url
from cc_orchestrator.web.security import url_host


def check_exposure(services: App, host: str) -> None:
    """Binding anything but loopback requires a configured token: refuse before anything
    starts (the generated one is for this machine's browser, not for a network)."""
    if not is_loopback(host) and services.config.settings.web.token is None:
        raise ConfigError(
            f"web.host {host!r} is reachable from other machines, but no web.token is set",
            hint="set one: cco config set web.token <secret> (or CC_ORCH_WEB__TOKEN)",
        )


def dashboard_url(host: str, port: int) -> str:
    """http://127.0.0.1:8080/, http://[::1]:8080/ (an IPv6 address needs its brackets)."""
    return f"http://{url_host(login_host(host))}:{port}/"


def login_link(services: App, host: str, port: int) -> str:
    """A one-time link that logs the browser that opens it in (15 minutes, single use)."""
    web = services.config.settings.web
    configured = web.token.get_secret_value() if web.token else None
    token = effective_token(configured, services.data_dir)
    return login_url(token, host, port, web.public_url)


def make_server(services: App, host: str, port: int) -> uvicorn.Server:
    check_exposure(services, host)
    config = uvicorn.Config(
        create_app(services, bind_host=host),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        # the client address is the socket's: X-Forwarded-For from any local process would
        # otherwise pick the address the failed-login throttle counts against
        proxy_headers=False,
        lifespan="on",
        ws_max_size=1024 * 1024,
        timeout_graceful_shutdown=3,  # a stuck connection never holds up Ctrl-C
    )
    return uvicorn.Server(config)
