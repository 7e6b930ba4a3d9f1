"""Fixtures for the web layer: the ASGI app in-process, and a real server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.web.app import create_app
from cc_orchestrator.web.auth import effective_token
from tests.web.browser import DESKTOP, Server, Shots, chromium, new_page, running_server


@pytest.fixture
def services(fake_claude: Path) -> Iterator[App]:
    app = build_app(log_to_file=False)
    yield app
    app.close()


def api_token(services: App) -> str:
    """The token the API asks for: web.token, or the data directory's generated one."""
    web = services.config.settings.web
    return effective_token(web.token.get_secret_value() if web.token else None, services.data_dir)


def auth_headers(services: App) -> dict[str, str]:
    return {"authorization": f"Bearer {api_token(services)}"}


def api_client(services: App, **kwargs: object) -> TestClient:
    """The in-process ASGI client as a non-browser client: the token, no Origin."""
    return TestClient(
        create_app(services),  # type: ignore[arg-type]
        base_url="http://127.0.0.1:8080",
        headers=auth_headers(services),
        **kwargs,
    )


@pytest.fixture
def client(services: App) -> Iterator[httpx.Client]:
    """The in-process ASGI client (an httpx client; lifespan not run: REST only)."""
    yield api_client(services)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, services: App, *, poll_interval_s: float = 0.01) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = api_token(services)
        self.headers = {"authorization": f"Bearer {self.token}"}
        config = uvicorn.Config(
            create_app(services, poll_interval_s=poll_interval_s),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def live(services: App) -> Iterator[LiveServer]:
    with LiveServer(services) as server:
        yield server


# ---- the dashboard's browser tests (tests/web/test_dashboard*.py)
@pytest.fixture
def server(
    fake_claude: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Server]:
    """`cco up` with fake agents; parametrize `indirect` with {"token": ...} to require one."""
    token = getattr(request, "param", {}).get("token")
    if token:
        monkeypatch.setenv("CC_ORCH_WEB__TOKEN", token)
    monkeypatch.setenv("CC_ORCH_INSTANCES__MONITOR_INTERVAL_S", "0.2")
    with running_server(request.node.name, token) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Desktop size, or parametrize `indirect` with PHONE."""
    with new_page(browser, getattr(request, "param", DESKTOP)) as opened:
        yield opened


@pytest.fixture
def shots(page: Any, request: pytest.FixtureRequest) -> Shots:
    return Shots(page, request.node.name.replace("[", "-").replace("]", ""))


from tests.support.github_flow import github  # noqa: E402,F401 (a fixture: the fake GitHub)
