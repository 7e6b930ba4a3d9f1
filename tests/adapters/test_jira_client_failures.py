"""JiraClient's failures, each as ports_jira.JiraApi promises: against the fake Jira (an expired
token, a JQL syntax error, a rate limit with Retry-After, a site down or under maintenance),
against a scripted server on 127.0.0.1 for what the fake does not say (403 and 410 with
Jira's errors, a Retry-After HTTP date, a proxy's HTML, an answer that is not JSON, a page
token that comes back), and a server that never answers. Never an httpx exception, never
retried here, and the token (from the environment) never in a message, a repr or a log line."""

from __future__ import annotations

import base64
import io
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import SecretStr

from cc_orchestrator.adapters.jira.client import JiraClient
from cc_orchestrator.config_jira import JiraConfig
from cc_orchestrator.domain.jira import JiraError, JiraUnavailable
from cc_orchestrator.logs import redact_text, setup_logging
from tests.support.fake_jira import FakeJira
from tests.support.fake_jira_fixture import require_spec

TOKEN_HINT = "https://id.atlassian.com/manage-profile/security/api-tokens"


@pytest.fixture(autouse=True)
def no_jira_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_OAUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def client(fake: FakeJira, **settings: object) -> JiraClient:
    values: dict[str, object] = {
        "site_url": fake.url,
        "email": fake.email,
        "api_token": SecretStr(fake.token),
        "timeout_s": 5,
        **settings,
    }
    return JiraClient(JiraConfig(**values))  # type: ignore[arg-type]


@pytest.fixture
def api(jira: FakeJira) -> Iterator[JiraClient]:
    made = client(jira)
    yield made
    made.close()


# ------------------------------------------------------------------------- the fake Jira
def test_an_expired_token_is_refused_credentials(api: JiraClient, jira: FakeJira) -> None:
    assert api.myself() == "cco bot"
    jira.expire_token()
    with pytest.raises(JiraError) as refused:
        api.search("project = WEB")
    error = refused.value
    assert error.status == 401 and not isinstance(error, JiraUnavailable)
    assert error.message == (
        "Jira refused the credentials from jira.email + jira.api_token (401): Client must be "
        "authenticated to access this resource.; the token may have expired or been revoked"
    )
    assert error.hint is not None and TOKEN_HINT in error.hint
    assert error.hint.startswith("they came from jira.email + jira.api_token")


def test_a_jql_syntax_error_is_jiras_own_message(api: JiraClient, jira: FakeJira) -> None:
    jira.add_issue("WEB", "Something")
    with pytest.raises(JiraError) as bad:
        api.search("project = WEB AND AND labels = cco")
    assert bad.value.status == 400 and not isinstance(bad.value, JiraUnavailable)
    assert bad.value.message.startswith(
        "Jira refused POST /rest/api/3/search/jql (400): Error in the JQL Query"
    )


def test_a_rate_limit_is_unavailable_with_its_retry_after(api: JiraClient, jira: FakeJira) -> None:
    jira.rate_limit(1, retry_after=30)
    before = len(jira.requests)
    start = time.monotonic()
    with pytest.raises(JiraUnavailable) as limited:
        api.myself()
    assert time.monotonic() - start < 2  # told at once, never slept on
    assert len(jira.requests) == before + 1  # and not retried here
    assert limited.value.status == 429 and limited.value.retry_after_s == 30
    assert limited.value.message == (
        "Jira's rate limit (429) on GET /rest/api/3/myself: Rate limit exceeded. (retry in 30 s)"
    )
    assert api.myself() == "cco bot"


def test_down_and_under_maintenance_are_unavailable(api: JiraClient, jira: FakeJira) -> None:
    assert api.myself() == "cco bot"  # a connection is open
    jira.down()
    start = time.monotonic()
    with pytest.raises(JiraUnavailable) as down:
        api.myself()
    assert time.monotonic() - start < 2
    assert "connection refused" in down.value.message or "closed the connection" in (
        down.value.message
    )
    with pytest.raises(JiraUnavailable) as refused:
        api.issue("WEB-1")
    assert re.fullmatch(r"connection refused by 127\.0\.0\.1:\d+", refused.value.message)
    jira.up()
    assert api.myself() == "cco bot"  # the same client connects again
    jira.down(refuse=False)
    with pytest.raises(JiraUnavailable) as maintenance:
        api.transitions("WEB-1")
    assert maintenance.value.status == 503 and maintenance.value.retry_after_s == 1
    assert maintenance.value.message.startswith(
        "Jira answered 503 to GET /rest/api/3/issue/WEB-1/transitions"
    )
    jira.up()
    assert api.myself() == "cco bot"


def test_no_answer_within_the_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        api = JiraClient(
            JiraConfig(
                site_url=f"http://127.0.0.1:{port}",
                oauth_token=SecretStr("an-oauth-token-1"),
                timeout_s=0.5,
            )
        )
        start = time.monotonic()
        with pytest.raises(JiraUnavailable, match=r"no answer from 127\.0\.0\.1:\d+ within 0\.5 s"):
            api.myself()
        assert time.monotonic() - start < 3
        api.close()


# ------------------------------------------------------------------------- a scripted server
class Scripted:
    """Answers each request with the next (status, headers, body) of its script."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str], bytes]] = []
        self.seen: list[tuple[str, str, Any]] = []
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(size) if size else b""
                scripted.seen.append((self.command, self.path, json.loads(raw) if raw else None))
                status, headers, body = scripted.script.pop(0)
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def then(self, status: int, body: Any, **headers: str) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        kind = "text/html" if raw.startswith(b"<") else "application/json"
        self.script.append((status, {"Content-Type": kind, **headers}, raw))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted() -> Iterator[tuple[Scripted, JiraClient]]:
    server = Scripted()
    api = JiraClient(
        JiraConfig(
            site_url=server.url, email="bot@example.com", api_token=SecretStr("scripted-token-1")
        )
    )
    yield server, api
    api.close()
    server.close()


def test_403_and_410_carry_jiras_errors_joined(scripted: tuple[Scripted, JiraClient]) -> None:
    server, api = scripted
    server.then(
        403,
        {
            "errorMessages": ["You do not have permission to edit this comment."],
            "errors": {"comment": "Comment body can not be empty!", "ignored": ""},
        },
    )
    with pytest.raises(JiraError) as forbidden:
        api.edit_comment("WEB-1", "10001", {"type": "doc", "version": 1, "content": []})
    assert forbidden.value.status == 403
    assert forbidden.value.message == (
        "Jira refused PUT /rest/api/3/issue/WEB-1/comment/10001 (403): You do not have "
        "permission to edit this comment.; comment: Comment body can not be empty!"
    )
    server.then(410, {"errorMessages": ["The requested API has been removed."], "errors": {}})
    with pytest.raises(JiraError, match=r"\(410\): The requested API has been removed\.$"):
        api.transitions("WEB-1")


def test_a_retry_after_date_and_a_proxys_html(scripted: tuple[Scripted, JiraClient]) -> None:
    server, api = scripted
    server.then(
        429, {"message": "slow down"}, **{"Retry-After": formatdate(time.time() + 120, usegmt=True)}
    )
    with pytest.raises(JiraUnavailable) as limited:
        api.myself()
    assert limited.value.retry_after_s is not None and 100 <= limited.value.retry_after_s <= 121
    assert "slow down" in limited.value.message
    server.then(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>")
    with pytest.raises(JiraUnavailable) as gateway:
        api.myself()
    assert gateway.value.message == "Jira answered 502 to GET /rest/api/3/myself: Bad Gateway"


def test_an_answer_that_is_not_what_jira_sends(scripted: tuple[Scripted, JiraClient]) -> None:
    server, api = scripted
    server.then(200, b"{not json", **{"Content-Type": "application/json"})
    with pytest.raises(JiraUnavailable, match="with something that is not JSON"):
        api.myself()
    server.then(200, {"issues": [{"fields": {"summary": "no key"}}], "isLast": True})
    with pytest.raises(JiraError, match="is not what cco expects: an issue has no key"):
        api.search("project = WEB")


def test_a_page_token_that_comes_back_is_refused(scripted: tuple[Scripted, JiraClient]) -> None:
    server, api = scripted
    page = {"id": "10001", "key": "WEB-1", "fields": {"summary": "One"}}
    for token in ("tok-a", "tok-b", "tok-a"):
        server.then(200, {"issues": [page], "nextPageToken": token, "isLast": False})
    with pytest.raises(JiraUnavailable, match="the same nextPageToken twice after 3 issues"):
        api.search("project = WEB")
    assert [body.get("nextPageToken") for _m, _p, body in server.seen] == [None, "tok-a", "tok-b"]
    server.then(200, {"issues": [page], "nextPageToken": "tok-z"})  # no isLast: a next page
    server.then(200, {"issues": [], "isLast": True})
    assert [i.key for i in api.search("project = WEB")] == ["WEB-1"]


# ------------------------------------------------------------------------- the token
def test_tokens_from_the_environment_never_show(monkeypatch: pytest.MonkeyPatch) -> None:
    """In no error, hint, repr or log line (debug included), whatever happens."""
    require_spec()
    token = "atl-" + "Q7w" * 12  # no known shape, so only its registration can mask it
    stream = io.StringIO()
    setup_logging(verbosity=3, stream=stream)
    texts: list[str] = []
    with FakeJira(token=token) as fake:
        monkeypatch.setenv("JIRA_EMAIL", fake.email)
        monkeypatch.setenv("JIRA_API_TOKEN", token)
        api = JiraClient(JiraConfig(site_url=fake.url, timeout_s=5))
        assert api.myself() == "cco bot"
        key = fake.add_issue("WEB", "Secretive")
        faults = (
            lambda: fake.down(refuse=False),
            lambda: fake.rate_limit(1, retry_after=5),
            fake.down,
            fake.expire_token,
        )
        for fault in faults:
            fault()
            try:
                api.add_comment(key, {"type": "doc", "version": 1, "content": []})
            except JiraError as exc:
                texts.append(f"{exc} {exc.hint} {exc!r}")
            fake.up()
        texts += [repr(api), repr(api.credentials()), api.credential_source()]
        api.close()
        assert fake.take_violations() == []
    assert len(texts) == 7 and texts[-1] == "JIRA_EMAIL + JIRA_API_TOKEN"
    logged = stream.getvalue()
    assert "jira.request" in logged  # the requests were logged, at debug
    encoded = base64.b64encode(f"cco-bot@example.com:{token}".encode()).decode()
    for text in [*texts, logged]:
        assert token not in text and "Q7wQ7wQ7w" not in text and encoded not in text
    assert redact_text(f"sent {token} and {encoded}") == "sent *** and ***"
