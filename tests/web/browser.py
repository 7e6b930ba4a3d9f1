"""Helpers for the dashboard's browser tests (their fixtures are in test_dashboard.py): the real
`cco up` (daemon + web) in its own process, and Debian's Chromium driven by Playwright (never a
downloaded browser)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from cc_orchestrator.web.auth import load_or_create_token, mint_login_code

CHROMIUM = Path(os.environ.get("CCO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
START_S = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`cco up` on a free port; `api()` calls its REST API (the tests' own eyes)."""

    def __init__(self, proc: subprocess.Popen[str], url: str, token: str | None) -> None:
        self.proc = proc
        self.url = url
        self.token = token

    def api_token(self) -> str:
        """web.token, or the one `cco up` generated in the data directory (always one)."""
        return self.token or load_or_create_token(Path(os.environ["CC_ORCH_DATA_DIR"]))

    def login_url(self, where: str = "/") -> str:
        """A one-time login link, like the one `cco up` prints, landing on `where`."""
        path, _, fragment = where.partition("#")
        link = f"{self.url}{path or '/'}?login={mint_login_code(self.api_token())}"
        return f"{link}#{fragment}" if fragment else link

    def api(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"content-type": "application/json"} if data else {}
        headers["authorization"] = f"Bearer {self.api_token()}"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def task(self, task_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.api("GET", f"/api/tasks/{task_id}")
        return result


@contextmanager
def running_server(
    name: str, token: str | None = None, port: int | None = None
) -> Iterator[Server]:
    """`cco up` with os.environ (the fixtures' isolated home, data dir, tmux socket, fake
    claude); its output goes to test-artifacts/web/logs/<name>.cco-up.log."""
    port = port or _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cc_orchestrator", "up", "--host", "127.0.0.1", "--port", str(port)],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Server(proc, f"http://127.0.0.1:{port}", token)
    out = ""
    try:
        # a deadline, not a wait: on a loaded machine (load 21 on two cores) start-up took > 20 s
        deadline = time.monotonic() + START_S
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"cco up exited {proc.returncode}")
            try:
                if server.api("GET", "/api/health")["daemon"] == "running":
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"cco up did not answer /api/health within {START_S} s")
            time.sleep(0.1)
        yield server
    finally:
        out = stop(proc)
        (ARTIFACTS / "logs").mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "logs" / f"{name}.cco-up.log").write_text(out or "")


def stop(proc: subprocess.Popen[str]) -> str:
    """Ctrl-C, like a person. The WebSocket handlers of web/app.py never read from their
    socket, so they miss a browser's disconnect and uvicorn's graceful shutdown waits for them
    forever; a second Ctrl-C is uvicorn's "force exit" (the daemon still stops cleanly)."""
    for _ in range(2):
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=5)
            return out
        except subprocess.TimeoutExpired:
            continue
    try:
        out, _ = proc.communicate(timeout=25)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless; a clear skip without it (a failure with
    CCO_REQUIRE_BROWSER=1, as in CI)."""
    if not CHROMIUM.exists():
        if os.environ.get("CCO_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CCO_REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; never downloaded)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def new_page(browser: Any, viewport: dict[str, int]) -> Iterator[Any]:
    """A page in a fresh context; fails the test if the app threw an uncaught error."""
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


class Shots:
    """Screenshots into test-artifacts/web/<test>-NN-<step>.png."""

    def __init__(self, page: Any, name: str) -> None:
        self.page = page
        self.name = name
        self.n = 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, step: str, *, full_page: bool = True) -> Path:
        self.n += 1
        path = ARTIFACTS / f"{self.name}-{self.n:02d}-{step}.png"
        if full_page:  # from the top, or the sticky header lands mid-picture
            self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


def open_dashboard(page: Any, server: Server, route: str = "") -> None:
    from playwright.sync_api import expect

    page.goto(server.login_url(f"/#/{route}"))  # the one-time link `cco up` prints
    expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
    # a marker that a reload would wipe out: checked at the end of the tests
    page.evaluate("window.__noReload = true")


def assert_not_reloaded(page: Any) -> None:
    assert page.evaluate("window.__noReload === true"), "the page was reloaded"


def add_task(server: Server, repo: Path, title: str, prompt: str, **extra: Any) -> str:
    body = {"title": title, "prompt": prompt, "repo": str(repo), "base": "main", **extra}
    task_id: str = server.api("POST", "/api/tasks", body)["id"]
    return task_id


def card(page: Any, task_id: str) -> Any:
    return page.locator(f'[data-testid="task-card"][data-id="{task_id}"]')


def no_horizontal_scroll(page: Any) -> None:
    sizes = page.evaluate(
        "({sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth})"
    )
    assert sizes["sw"] <= sizes["cw"], f"horizontal scroll: {sizes}"
