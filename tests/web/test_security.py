"""The API's front door (web/security.py, web/auth.py): Host, Origin, JSON-only changes, the
token always, login links, throttling, and credentials that used to be a 500."""

from __future__ import annotations

import asyncio
import io
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets
from fastapi.testclient import TestClient

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.logs import get_logger, setup_logging
from cc_orchestrator.web.app import create_app
from cc_orchestrator.web.auth import LoginCodes, Throttle, mint_login_code, token_file
from tests.web.conftest import LiveServer, api_client, api_token, free_port


def test_a_token_is_required_even_on_loopback_without_web_token(services: App) -> None:
    bare = TestClient(create_app(services), base_url="http://127.0.0.1:8080")
    for path in ("/api/config", "/api/tasks", "/api/health"):
        assert bare.get(path).status_code == 401, path
    path = token_file(services.data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = api_token(services)
    assert bare.get("/api/config", headers={"authorization": f"Bearer {token}"}).status_code == 200
    # the same token on every start (a second app, a second process's view)
    assert api_token(services) == token == path.read_text().strip()


def test_a_token_file_others_can_read_is_refused(services: App) -> None:
    path = token_file(services.data_dir)
    api_token(services)
    path.chmod(0o644)
    with pytest.raises(Exception, match="can be read by other users"):
        create_app(services)


def test_a_host_that_is_not_ours_is_refused(services: App, repo: Path) -> None:
    """DNS rebinding: the attacker's name, resolved to 127.0.0.1, reaches the server."""
    client = api_client(services)
    evil = {"host": "rebind.attacker.example:8080"}
    assert client.get("/api/config", headers=evil).status_code == 421
    created = client.post("/api/tasks", json={"title": "x", "repo": str(repo)}, headers=evil)
    assert created.status_code == 421
    assert created.json()["error"]["type"] == "MisdirectedRequest"
    assert services.tasks.all() == []
    for host in ("127.0.0.1:8080", "localhost:8080", "[::1]:8080", "localhost"):
        assert client.get("/api/health", headers={"host": host}).status_code == 200, host


def test_public_url_host_is_accepted(fake_claude: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC_ORCH_WEB__PUBLIC_URL", "https://cco.example.org")
    services = build_app(log_to_file=False)
    try:
        client = api_client(services)
        ok = {"host": "cco.example.org", "origin": "https://cco.example.org"}
        assert client.get("/api/health", headers=ok).status_code == 200
        assert client.get("/api/health", headers={"host": "other.example.org"}).status_code == 421
    finally:
        services.close()


def test_requests_from_another_origin_change_nothing(services: App, repo: Path) -> None:
    """Even with the cookie (not isolated by port), a sibling port's page is refused."""
    task = services.tasks.add(title="Keep me", prompt="x", repo=repo)
    client = api_client(services)
    login = client.post("/api/login", json={"token": api_token(services)})
    assert login.status_code == 204
    client.headers.pop("authorization")  # the browser's cookie only, from here on
    for origin in ("http://127.0.0.1:9999", "http://evil.example", "null", "http://127.0.0.1"):
        refused = client.post(
            f"/api/tasks/{task.id}/cancel",
            headers={"origin": origin, "content-type": "application/json"},
        )
        assert refused.status_code == 403, (origin, refused.text)
    assert services.tasks.get(task.id).status.value == "ready"
    same = client.post(
        f"/api/tasks/{task.id}/cancel",
        headers={"origin": "http://127.0.0.1:8080", "x-cco-request": "1"},
    )
    assert same.status_code == 200 and same.json()["status"] == "cancelled"


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_a_form_or_no_cors_post_reaches_no_action(
    services: App, repo: Path, content_type: str | None
) -> None:
    """What a form or fetch(mode: 'no-cors') can send: a simple content type, the cookie."""
    task = services.tasks.add(title="Keep me", prompt="x", repo=repo)
    client = api_client(services)
    client.post("/api/login", json={"token": api_token(services)})
    client.headers.pop("authorization")
    headers = {"content-type": content_type} if content_type else {}
    for action in ("cancel", "start", "approve", "retry"):
        response = client.post(f"/api/tasks/{task.id}/{action}", content=b"", headers=headers)
        assert response.status_code == 415, (action, response.text)
        assert response.json()["error"]["type"] == "UnsupportedMediaType"
    assert services.tasks.get(task.id).status.value == "ready"


def test_the_login_link_is_single_use_and_sets_an_httponly_cookie(services: App) -> None:
    client = TestClient(create_app(services), base_url="http://127.0.0.1:8080")
    code = mint_login_code(api_token(services))
    first = client.get(f"/?login={code}&x=1", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/?x=1"
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert api_token(services) not in cookie  # the cookie is derived, not the token
    assert client.get("/api/health").status_code == 200  # the cookie works
    client.cookies.clear()
    fresh = mint_login_code(api_token(services))
    elsewhere = client.get(
        f"http://127.0.0.1:8080//evil.example/?login={fresh}", follow_redirects=False
    )
    assert elsewhere.headers.get("location") == "/evil.example/", elsewhere.text  # not away
    again = client.get(f"/?login={mint_login_code(api_token(services))}", follow_redirects=False)
    assert again.status_code == 303  # already logged in: just the redirect
    client.cookies.clear()
    again = client.get(f"/?login={code}", follow_redirects=False)
    assert again.status_code == 401 and "cco web --link" in again.text
    assert client.get("/api/health").status_code == 401


def test_login_codes_expire_and_are_checked() -> None:
    codes = LoginCodes("t" * 32, ttl_s=60)
    old = mint_login_code("t" * 32, ttl_s=60, now=time.time() - 120)
    assert not codes.take(old)
    assert not codes.take(mint_login_code("another-token-000000"))
    assert not codes.take("garbage") and not codes.take("a.b.c") and not codes.take("é.é.é")
    fresh = mint_login_code("t" * 32, ttl_s=60)
    assert codes.take(fresh) and not codes.take(fresh)


def test_the_token_dialog_login(services: App) -> None:
    client = TestClient(create_app(services), base_url="http://127.0.0.1:8080")
    wrong = client.post("/api/login", json={"token": "nope"})
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
    assert client.post("/api/login", json={"token": "é"}).status_code == 401
    assert client.post("/api/login", json={"token": api_token(services)}).status_code == 204
    assert client.get("/api/tasks").status_code == 200


def test_docs_and_schema_need_the_token(services: App) -> None:
    bare = TestClient(create_app(services), base_url="http://127.0.0.1:8080")
    authed = api_client(services)
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert bare.get(path).status_code == 401, path
        assert authed.get(path).status_code == 200, path
    schema = authed.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "429" in schema["paths"]["/api/tasks"]["post"]["responses"]


def test_non_ascii_credentials_are_401_and_never_logged(
    fake_claude: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """secrets.compare_digest raised TypeError on non-ASCII str: a 500 showing the token."""
    monkeypatch.setenv("CC_ORCH_WEB__TOKEN", "s3cret-token-value")
    stream = io.StringIO()
    setup_logging(stream=stream)
    services = build_app(log_to_file=False)
    try:
        client = TestClient(
            create_app(services), base_url="http://127.0.0.1:8080", raise_server_exceptions=False
        )
        bearer = client.get(
            "/api/health", headers={"authorization": "Bearer \xe9".encode("latin-1")}
        )
        assert bearer.status_code == 401, bearer.text
        cookie = {"cookie": "cco_token=\xe9".encode("latin-1")}
        assert client.get("/api/health", headers=cookie).status_code == 401
        utf8 = {"cookie": "cco_token=\xe9".encode()}
        assert client.get("/api/health", headers=utf8).status_code == 401

        async def ws(url: str) -> int | None:
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                async with websockets.connect(f"{url}/api/ws?token=%C3%A9") as sock:
                    await sock.recv()
            return closed.value.rcvd.code if closed.value.rcvd else None

        with LiveServer(services) as live:
            assert asyncio.run(ws(live.url.replace("http", "ws"))) == 4401
    finally:
        services.close()
    assert "s3cret-token-value" not in stream.getvalue()
    assert "Traceback" not in stream.getvalue()


def test_tracebacks_on_the_terminal_never_show_locals() -> None:
    stream = io.StringIO()
    setup_logging(stream=stream)

    def fails(token: str) -> None:
        raise TypeError("boom")

    secret = "-".join(["tok", "ABCDEF", "should", "not", "appear"])  # not in any source line
    try:
        fails(secret)
    except TypeError:
        get_logger("cco.web").exception("web.internal_error")
    out = stream.getvalue()
    assert "web.internal_error" in out and "TypeError" in out
    assert secret not in out


def test_failed_tokens_are_throttled_per_address(services: App) -> None:
    client = TestClient(create_app(services), base_url="http://127.0.0.1:8080")
    statuses = [
        client.get("/api/health", headers={"authorization": f"Bearer wrong-{i}"}).status_code
        for i in range(30)
    ]
    assert statuses[:10] == [401] * 10 and set(statuses[10:]) == {429}, statuses
    limited = client.get("/api/health", headers={"authorization": "Bearer wrong"})
    wait = int(limited.headers["retry-after"])
    assert 1 <= wait <= 2 and limited.json()["error"]["type"] == "TooManyRequests"
    # no credential at all is no guess: still a plain 401
    assert client.get("/api/health").status_code == 401
    right = {"authorization": f"Bearer {api_token(services)}"}
    deadline = time.monotonic() + 10
    while client.get("/api/health", headers=right).status_code == 429:
        assert time.monotonic() < deadline, "the throttle never let the right token in"
        time.sleep(0.1)


def test_throttle_refills() -> None:
    throttle = Throttle(burst=2, rate_per_s=1.0)
    for _ in range(2):
        assert throttle.retry_after("a", now=0) is None
        throttle.failed("a", now=0)
    assert throttle.retry_after("a", now=0) == 1 and throttle.retry_after("b", now=0) is None
    assert throttle.retry_after("a", now=1.0) is None


def test_unknown_method_is_405_with_allow_and_binary_bodies_are_422(
    client: httpx.Client,
) -> None:
    put = client.put("/api/tasks", json={})
    assert put.status_code == 405 and put.headers["allow"], put.headers
    for body in (b"\xe9", b"\xff\xfe\x00\x81", b'{"title": "\xe9"}'):
        for path in ("/api/tasks", "/api/tasks/x/reject", "/api/instances/x/send"):
            binary = client.post(path, content=body, headers={"content-type": "application/json"})
            assert binary.status_code == 422, (path, body, binary.text)
            assert binary.json()["error"]["type"] == "InvalidInput"


def test_websockets_from_another_origin_are_refused(services: App, repo: Path) -> None:
    inst = services.instances.spawn(repo=repo, prompt="write t.txt x")

    async def scenario(live: LiveServer) -> None:
        base = live.url.replace("http", "ws")
        for path in ("/api/ws", f"/api/instances/{inst.id}/terminal"):
            for origin in ("http://127.0.0.1:1", "http://rebind.attacker.example"):
                with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
                    async with websockets.connect(
                        f"{base}{path}?token={live.token}",
                        origin=origin,  # type: ignore[arg-type]
                    ):
                        pass
                assert refused.value.response.status_code == 403
            async with websockets.connect(
                f"{base}{path}",
                origin=live.url,
                additional_headers=live.headers,  # type: ignore[arg-type]
            ) as ws:
                assert await asyncio.wait_for(ws.recv(), 10)

    with LiveServer(services) as live:
        asyncio.run(scenario(live))


def _cco_web(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cc_orchestrator", "web", *args],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_cco_web_prints_a_bracketed_ipv6_url_and_a_working_login_link(fake_claude: Path) -> None:
    port = free_port()
    proc = _cco_web("--host", "::1", "--port", str(port))
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        assert lines[0].strip() == f"dashboard: http://[::1]:{port}/", lines
        link = re.search(r"(http://\S+\?login=\S+)", lines[1])
        assert link and link.group(1).startswith(f"http://[::1]:{port}/?login="), lines
        deadline = time.monotonic() + 20
        while True:
            try:
                first = httpx.get(link.group(1), follow_redirects=False, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "cco web did not answer"
                time.sleep(0.1)
        assert first.status_code == 303 and "cco_token=" in first.headers["set-cookie"]
        assert httpx.get(link.group(1), follow_redirects=False, timeout=5).status_code == 401
        # the throttle counts the socket's address: a forged X-Forwarded-For changes nothing
        statuses = {
            httpx.get(
                f"http://[::1]:{port}/api/health",
                headers={"authorization": f"Bearer wrong-{i}", "x-forwarded-for": f"10.0.0.{i}"},
                timeout=5,
            ).status_code
            for i in range(15)
        }
        assert 429 in statuses, statuses
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
    # a fresh link from another process works on the same server's token
    printed = subprocess.run(
        [sys.executable, "-m", "cc_orchestrator", "web", "--link", "--port", str(port)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed.startswith(f"http://127.0.0.1:{port}/?login=")
    assert api_token_from_file() not in printed


def api_token_from_file() -> str:
    return (Path(os.environ["CC_ORCH_DATA_DIR"]) / "web-token").read_text().strip()
