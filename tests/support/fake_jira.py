"""A fake Jira Cloud on 127.0.0.1 that speaks the platform REST API v3, checked against
Atlassian's own description.

    with FakeJira() as jira:                        # or the ``jira`` fixture
        key = jira.add_issue("WEB", "Fix the widget", labels=["cco"])
        ...  # a client with base URL jira.api_url, user jira.email, API token jira.token

* A real threaded HTTP/1.1 server (port 0). EVERY request is checked with
  ``jira_spec.check_request`` and EVERY answer with ``jira_spec.check_response``; what
  disagrees is collected in :attr:`FakeJira.violations` (the ``jira`` fixture fails the test on
  any; a test that provokes one takes it with :meth:`FakeJira.take_violations`), and so is a
  documented operation or parameter the fake does not implement.
* Auth as configured: ``auth="basic"`` (the email and API token, as a site's REST API takes
  them) or ``auth="bearer"`` (an OAuth 2.0 access token; then :attr:`api_url` is the
  ``/ex/jira/<cloud id>`` base of api.atlassian.com's shape, the only one it works at).
  Anything else: 401 with Jira's text. Every request is kept in :attr:`requests` (method,
  path, query, json, status).
* Faults: :meth:`expire_token`, :meth:`rate_limit`, :meth:`down` / :meth:`up`.
* Test-side control (issues, workflows, links, webhooks out): fake_jira_control.py; the
  endpoints: fake_jira_api.py; JQL: fake_jira_jql.py.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from tests.support import fake_jira_api, jira_spec
from tests.support.fake_jira_calls import ROUTES, Call, answer_json
from tests.support.fake_jira_control import Control
from tests.support.fake_jira_objects import Site, errors
from tests.support.fake_jira_state import State
from tests.support.receivers_http import Answer, Request

ENDPOINTS = (fake_jira_api,)  # imported for their routes
UNAUTHORIZED = "Client must be authenticated to access this resource."
CLOUD_PREFIX = "/ex/jira/"


@dataclass
class Recorded:
    """One request as the fake received it."""

    method: str
    path: str  # as sent
    query: dict[str, list[str]]
    json: Any  # the parsed body, or None
    headers: dict[str, str]  # lower-case names
    route: str | None  # the operation's template, None when Jira has no such operation
    at: float = field(default_factory=time.time)
    status: int | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeJira) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)

    def drop_connections(self) -> None:
        with self.connections_lock:
            conns, self.connections = list(self.connections), set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _handle(self) -> None:
        url = urlsplit(self.path)
        size = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            raw=self.rfile.read(size) if size else b"",
        )
        try:
            answer = self.server.fake.serve(request)
        except Exception as problem:  # a bug of the fake's: said, and answered as Jira fails
            self.server.fake.violations.append(f"{request.method} {request.path}: {problem!r}")
            answer = answer_json(500, errors("Internal server error"))
        try:
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            if answer.status != 204:
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if answer.status != 204:
                self.wfile.write(answer.body)
        except OSError:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle


class FakeJira(Control):
    """One Jira Cloud site with its projects, for one user."""

    def __init__(
        self,
        *,
        auth: Literal["basic", "bearer"] = "basic",
        email: str = "cco-bot@example.com",
        token: str = "jira-api-token-test",
        display_name: str = "cco bot",
        account_id: str = "5b10ac8d82e05b22cc7d4ef5",
        cloud_id: str = "11223344-a1b2-3b33-c444-def123456789",
    ) -> None:
        self.auth, self.email, self.token = auth, email, token
        self.display_name, self.account_id, self.cloud_id = display_name, account_id, cloud_id
        self.state = State()
        self.lock = threading.RLock()
        self.violations: list[str] = []
        self.requests: list[Recorded] = []
        self.webhooks_sent: list[tuple[str, dict[str, str], bytes]] = []
        self.port = 0
        self.expired = False
        self.limited: list[int] = []  # Retry-After of each of the next requests to refuse
        self.unavailable = False  # down(refuse=False): every request answers 503
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._life = threading.Lock()

    # -- life ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The site (``https://your-domain.atlassian.net``): browse URLs are ``url/browse/KEY``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """Where a client sends ``/rest/api/3/...``: the site with an API token, the cloud
        id's base with an OAuth token."""
        return f"{self.url}{CLOUD_PREFIX}{self.cloud_id}" if self.auth == "bearer" else self.url

    def start(self) -> FakeJira:
        self.up()
        return self

    def stop(self) -> None:
        self.down()

    def __enter__(self) -> FakeJira:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:  # never the token
        return f"FakeJira(url={self.url!r}, auth={self.auth!r}, email={self.email!r})"

    def up(self) -> None:
        """Listen (again) on the same port, and answer again."""
        self.unavailable = False
        with self._life:
            if self._server is not None:
                return
            server = _Server(("127.0.0.1", self.port), self)
            self.port = server.server_address[1]
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            thread.start()
            self._server, self._thread = server, thread

    def down(self, *, refuse: bool = True) -> None:
        """Connection refused (the socket closed, open connections cut), or with
        ``refuse=False`` a 503 to every request, as Jira under maintenance."""
        if not refuse:
            self.unavailable = True
            return
        with self._life:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.drop_connections()
        if thread is not None:
            thread.join(timeout=5)

    # -- faults ----------------------------------------------------------------------------
    def expire_token(self) -> None:
        """The credentials stop working: 401 from now on."""
        self.expired = True

    def rate_limit(self, n: int = 1, retry_after: int = 1) -> None:
        """The next n requests answer 429 with ``Retry-After: retry_after``."""
        with self.lock:
            self.limited += [retry_after] * n

    def take_violations(self) -> list[str]:
        with self.lock:
            taken, self.violations = self.violations, []
        return taken

    # -- answering -------------------------------------------------------------------------
    def site(self, api: str) -> Site:
        return Site(self.url, api, self.account_id, self.email, self.display_name)

    def _split(self, path: str) -> tuple[str, str]:
        """(the API's base as this request used it, the path under it)."""
        if path.startswith(CLOUD_PREFIX):
            cloud, _, rest = path[len(CLOUD_PREFIX) :].partition("/")
            if cloud == self.cloud_id:
                return f"{self.url}{CLOUD_PREFIX}{cloud}", "/" + rest
        return self.url, path

    def serve(self, request: Request) -> Answer:
        api, path = self._split(request.path)
        op = jira_spec.find_operation(request.method, path)
        try:
            body = json.loads(request.raw) if request.raw else None
        except ValueError:
            body = None
        with self.lock:
            recorded = Recorded(
                request.method,
                request.path,
                request.query,
                body,
                request.headers,
                op.template if op else None,
            )
            self.requests.append(recorded)
            for problem in jira_spec.check_request(
                request.method, path, request.query, request.headers, request.raw
            ):
                self.violations.append(f"request {problem}")
            answer = self._answer(request, op, self.site(api), body, api != self.url)
            recorded.status = answer.status
            if op is not None:
                for problem in jira_spec.check_response(
                    request.method, path, answer.status, answer.body, answer.content_type
                ):
                    self.violations.append(f"answer {problem}")
            return answer

    def _answer(
        self,
        request: Request,
        op: jira_spec.Operation | None,
        site: Site,
        body: Any,
        via_cloud: bool,
    ) -> Answer:
        if self.unavailable:
            return Answer(503, b"Service Unavailable", headers=(("Retry-After", "1"),))
        if self.limited:
            wait = self.limited.pop(0)
            reset = (datetime.now(UTC) + timedelta(seconds=wait)).strftime("%Y-%m-%dT%H:%MZ")
            headers = (
                ("Retry-After", str(wait)),
                ("X-RateLimit-Limit", "100"),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", reset),
                ("RateLimit-Reason", "jira-burst-based"),
            )
            return answer_json(429, errors("Rate limit exceeded."), headers)
        if not self._authorized(request, via_cloud):
            realm = ("WWW-Authenticate", f'OAuth realm="{self.url}"')
            return Answer(401, UNAUTHORIZED.encode(), headers=(realm,))
        if op is None:
            return answer_json(404, errors("null for uri: " + request.path))
        route = ROUTES.get((op.method, op.template))
        if route is None:
            self.violations.append(f"{op.method} {op.template}: not implemented by the fake")
            return answer_json(404, errors("not implemented by the fake Jira"))
        handler, implemented = route
        for name in sorted(set(request.query) - implemented):
            self.violations.append(f"{op.method} {op.template}: the fake ignores ?{name}=")
        return handler(Call(self, request, op, site, body))

    def _authorized(self, request: Request, via_cloud: bool) -> bool:
        """An API token with the email (at the site or the cloud id's base); an OAuth token
        only at the cloud id's base, as api.atlassian.com takes it."""
        if self.expired:
            return False
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        credential = credential.strip()
        if self.auth == "bearer":
            bearer = scheme.lower() == "bearer" and via_cloud
            return bearer and hmac.compare_digest(credential, self.token)
        if scheme.lower() != "basic":
            return False
        try:
            user, _, secret = base64.b64decode(credential, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return user.lower() == self.email.lower() and hmac.compare_digest(secret, self.token)
