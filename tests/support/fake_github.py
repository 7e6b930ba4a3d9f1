"""A fake GitHub on 127.0.0.1 that speaks the REST API, checked against GitHub's own description.

    with FakeGitHub(bare_repo) as gh:          # bare_repo: a `git init --bare` path
        n = gh.add_issue("Fix the widget", labels=["cco"])
        ...  # a client with base_url=gh.url (or gh.ghes_url) and token gh.token

* A real threaded HTTP/1.1 server (port 0), serving the API under ``/`` and under ``/api/v3``
  (GHES). EVERY request is checked with ``github_spec.check_request`` and EVERY answer with
  ``github_spec.check_response``; what disagrees is collected in :attr:`FakeGitHub.violations`
  (the ``fake_github`` fixture fails the test on any; a test that provokes one takes it with
  :meth:`FakeGitHub.take_violations`). Webhook payloads are checked against ``x-webhooks``.
* As GitHub: ``Authorization: token T`` or ``Bearer T``, else 401 "Bad credentials"; the
  rate-limit headers on every answer; an ETag on every GET and ``If-None-Match`` -> 304, which
  does not count against the limit, and GitHub's ``Cache-Control: private, max-age=60`` (so a
  caching client, as githubkit by default, rereads within 60 s from its cache, as against
  GitHub: ``cache_max_age = 0`` makes it revalidate); Link pagination (``per_page``,
  ``page``); the REST API version a request asks for (X-GitHub-Api-Version: 2022-11-28 by
  default, or 2026-03-10, whose answers lack what it removed).
* The remote is real git: pull requests' branches and head SHAs are read from the bare
  repository on every request (a post-receive hook tells the fake of a push at once, so a
  ``git push`` moves the PR's head and sends ``synchronize``); a merge is a real merge, pushed.
* Test-side control, faults and webhooks out: fake_github_control.py, fake_github_hooks.py;
  the endpoints: fake_github_api.py and fake_github_api_pulls.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import math
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support import fake_github_api, fake_github_api_pulls, github_spec
from tests.support.fake_github_calls import ROUTES, Call, answer_json
from tests.support.fake_github_control import Control
from tests.support.fake_github_hooks import Webhooks
from tests.support.fake_github_objects import Site, error
from tests.support.fake_github_state import OWN_PUSH_ENV, Git, State
from tests.support.receivers_http import Answer, Request

HOOK_MARK = "# fake-github post-receive"
ENDPOINTS = (fake_github_api, fake_github_api_pulls)  # imported for their routes
_INTERNAL = "/_fake"


@dataclass
class Recorded:
    """One API request as the fake received it."""

    method: str
    path: str  # as sent (with /api/v3 for GHES)
    query: dict[str, list[str]]
    body: Any  # the parsed JSON, or None
    headers: dict[str, str]  # lower-case names
    route: str | None  # the operation's template, None when GitHub has no such operation
    at: float = field(default_factory=time.time)
    status: int | None = None  # what the fake answered


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeGitHub) -> None:
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
        except Exception as problem:  # a bug of the fake's: said, and answered as GitHub fails
            self.server.fake.violations.append(f"{request.method} {request.path}: {problem!r}")
            answer = answer_json(500, error("Server Error"))
        try:
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            if answer.status not in (204, 304):
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if answer.status not in (204, 304):
                self.wfile.write(answer.body)
        except OSError:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class FakeGitHub(Control):
    """GitHub's REST API for one repository whose remote is the bare repository given."""

    def __init__(
        self,
        bare_repo: Path,
        owner: str = "acme",
        repo: str = "widgets",
        token: str = "ghp_test",
        *,
        login: str = "cco-bot",
        default_branch: str = "main",
    ) -> None:
        self.bare = Path(bare_repo)
        self.owner, self.repo, self.token, self.login = owner, repo, token, login
        self.default_branch = default_branch
        self.repo_id = 424242
        self.git = Git(self.bare)
        self.state = State()
        self.lock = threading.RLock()
        self.violations: list[str] = []
        self.requests: list[Recorded] = []
        self.log_fetches: list[dict[str, str]] = []  # the headers of each job log's fetch
        self.hooks = Webhooks(self)
        self.port = 0
        #: GitHub lets a client cache a GET's answer for 60 s (githubkit's http_cache does)
        self.cache_max_age = 60
        self.rate_limit_total = 5000
        self.rate_remaining = self.rate_limit_total
        self.rate_reset = int(time.time()) + 3600
        self.fail_queue: list[int] = []
        self.limited_until = 0.0
        self.limited_status = 403
        self.app_tokens: dict[str, float] = {}  # installation token -> expiry
        self.app_key: bytes | None = None
        self.app_id = 0
        self.installation_id = 0
        self.log_secret = hashlib.sha256(token.encode()).hexdigest()[:16]
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._life = threading.Lock()

    # -- life ------------------------------------------------------------------------------
    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The API's base URL (as https://api.github.com)."""
        return self.origin

    @property
    def ghes_url(self) -> str:
        """The same API as GitHub Enterprise Server has it (``/api/v3``)."""
        return self.origin + github_spec.GHES_PREFIX

    def start(self) -> FakeGitHub:
        self.up()
        self._install_hook()
        with self.lock:
            self.sync()
        return self

    def stop(self) -> None:
        self.down()
        self.hooks.close()

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def is_up(self) -> bool:
        return self._server is not None

    def up(self) -> None:
        """Listen (again) on the same port."""
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

    def down(self) -> None:
        """Close the listening socket and every open connection: connection refused."""
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

    def _install_hook(self) -> None:
        """A post-receive hook that tells the fake of a push (not of its own pushes)."""
        hook = self.bare / "hooks" / "post-receive"
        if hook.exists() and HOOK_MARK not in hook.read_text(errors="replace"):
            return  # someone else's hook: the fake still reads the refs on every request
        hook.parent.mkdir(parents=True, exist_ok=True)
        hook.write_text(  # -I -S: no site-packages to start, a bare socket to be quick
            f"#!{sys.executable} -IS\n{HOOK_MARK}\n"
            "import os, socket, sys\n"
            "sys.stdin.read()\n"
            f"if not os.environ.get('{OWN_PUSH_ENV}'):\n"
            "    try:\n"
            f"        with socket.create_connection(('127.0.0.1', {self.port}), timeout=10) as s:\n"
            f"            s.sendall(b'POST {_INTERNAL}/pushed HTTP/1.1\\r\\nHost: fake\\r\\n'\n"
            "                      b'Content-Length: 0\\r\\nConnection: close\\r\\n\\r\\n')\n"
            "            while s.recv(4096):\n"
            "                pass\n"
            "    except OSError:\n"
            "        pass\n"
        )
        hook.chmod(0o755)

    def site(self, api: str | None = None, version: str = github_spec.DEFAULT_VERSION) -> Site:
        return Site(
            api=api or self.url,
            web=self.origin,
            owner=self.owner,
            repo=self.repo,
            repo_id=self.repo_id,
            bare=self.bare,
            default_branch=self.default_branch,
            login=self.login,
            version=version,
        )

    # -- answering -------------------------------------------------------------------------
    def serve(self, request: Request) -> Answer:
        if request.path.startswith(_INTERNAL + "/"):
            return self._internal(request)
        path = github_spec.strip_prefix(request.path)
        api = self.ghes_url if path != request.path else self.url
        version = github_spec.version_of(request.headers)
        known = version in github_spec.VERSIONS
        op = github_spec.find_operation(
            request.method, path, version if known else github_spec.DEFAULT_VERSION
        )
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
            for problem in github_spec.check_request(
                request.method, path, request.query, request.headers, request.raw
            ):
                self.violations.append(f"request {problem}")
            if known:
                answer = self._answer(request, op, self.site(api, version), body)
            else:
                message = f"API version {version} is not supported by GitHub (X-GitHub-Api-Version)"
                answer = answer_json(400, error(message, status="400"))
            answer, counted = self._conditional(request, answer)
            if counted:
                self.rate_remaining = max(0, self.rate_remaining - 1)
            answer = self._with_headers(answer, version if known else None)
            recorded.status = answer.status
            if op is not None:
                sent = answer.body if answer.status not in (204, 304) else b""
                for problem in github_spec.check_response(
                    request.method, path, answer.status, sent, op.version
                ):
                    self.violations.append(f"answer {problem}")
            return answer

    def _answer(
        self, request: Request, op: github_spec.Operation | None, site: Site, body: Any
    ) -> Answer:
        if self.fail_queue:
            status = self.fail_queue.pop(0)
            return answer_json(status, error("Server Error" if status >= 500 else "Failed"))
        if op is None:
            return answer_json(404, error("Not Found", status="404"))
        call = Call(self, request, op, site, body)
        if op.template == "/app" or op.template.startswith("/app/"):
            return self._route(call)  # a GitHub App's own JWT (fake_github_api_pulls.py)
        if self._user_of(request) is None:
            return answer_json(401, error("Bad credentials", status="401"))
        limited = self._rate_limited()
        if limited is not None:
            return limited
        self.sync()
        return self._route(call)

    def _route(self, call: Call) -> Answer:
        op = call.op
        route = ROUTES.get((op.method, op.template))
        if route is None:
            self.violations.append(f"{op.method} {op.template}: not implemented by the fake")
            return answer_json(404, error("Not Found", status="404"))
        handler, implemented = route
        for name in sorted(set(call.request.query) - implemented):
            self.violations.append(f"{op.method} {op.template}: the fake ignores ?{name}=")
        if op.template.startswith("/repos/") and (
            op.path_params.get("owner", "").lower() != self.owner.lower()
            or op.path_params.get("repo", "").lower() != self.repo.lower()
        ):
            return answer_json(404, error("Not Found", status="404"))
        return handler(call)

    def _user_of(self, request: Request) -> str | None:
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("token", "bearer") or not credential:
            return None
        if hmac.compare_digest(credential.strip(), self.token):
            return self.login
        expiry = self.app_tokens.get(credential.strip())
        if expiry is not None and expiry > time.time():
            return "fake-app[bot]"
        return None

    def _rate_limited(self) -> Answer | None:
        left = self.limited_until - time.time()
        if left > 0 and self.limited_status == 429:
            message = "You have exceeded a secondary rate limit. Please wait a few minutes."
            headers = (("Retry-After", str(max(1, math.ceil(left)))),)
            return answer_json(429, error(message, status="429"), headers)
        if left > 0 or self.rate_remaining <= 0:
            uid = self.state.user_id(self.login)
            return answer_json(403, error(f"API rate limit exceeded for user ID {uid}."))
        return None

    def _conditional(self, request: Request, answer: Answer) -> tuple[Answer, bool]:
        """The ETag of a GET's answer, and a 304 when the client has it: (answer, counted)."""
        path = github_spec.strip_prefix(request.path)
        counted = path != "/rate_limit" and answer.status != 401
        if request.method != "GET" or answer.status != 200:
            return answer, counted
        tag = f'W/"{hashlib.sha256(answer.body).hexdigest()[:40]}"'
        age = self.cache_max_age
        headers = (
            *answer.headers,
            ("ETag", tag),
            ("Cache-Control", f"private, max-age={age}, s-maxage={age}"),
            ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP"),
        )
        asked = request.headers.get("if-none-match", "")
        held = {t.strip().removeprefix("W/") for t in asked.split(",") if t.strip()}
        if tag.removeprefix("W/") in held or "*" in held:
            return Answer(304, b"", answer.content_type, headers), False
        return Answer(answer.status, answer.body, answer.content_type, headers), counted

    def _with_headers(self, answer: Answer, version: str | None) -> Answer:
        if time.time() >= self.rate_reset:
            self.rate_reset = int(time.time()) + 3600
            self.rate_remaining = self.rate_limit_total
        remaining = self.rate_remaining
        reset = self.rate_reset
        if self.limited_until > time.time():
            remaining, reset = 0, int(self.limited_until) + 1
            if self.limited_status == 429:
                remaining = self.rate_remaining
        headers = (
            ("X-RateLimit-Limit", str(self.rate_limit_total)),
            ("X-RateLimit-Remaining", str(remaining)),
            ("X-RateLimit-Reset", str(reset)),
            ("X-RateLimit-Used", str(self.rate_limit_total - remaining)),
            ("X-RateLimit-Resource", "core"),
            ("X-GitHub-Media-Type", "github.v3; format=json"),
            ("X-GitHub-Request-Id", f"FAKE:{len(self.requests):06d}"),
            *((("X-GitHub-Api-Version-Selected", version),) if version else ()),
            *answer.headers,
        )
        return Answer(answer.status, answer.body, answer.content_type, headers)

    def _internal(self, request: Request) -> Answer:
        """The fake's own endpoints: the job log a redirect points at, the push hook."""
        parts = request.path[len(_INTERNAL) + 1 :].split("/")
        if parts == ["pushed"] and request.method == "POST":
            with self.lock:
                self.sync()
            return Answer(204)
        if len(parts) == 2 and parts[0] == "logs" and parts[1].isdigit():
            job = int(parts[1])
            with self.lock:
                self.log_fetches.append(dict(request.headers))
            signature = request.query.get("sig", [""])[0]
            with self.lock:
                run = self.state.checks.get(job)
            if run is not None and hmac.compare_digest(signature, self.log_signature(job)):
                return Answer(200, run.log.encode())
            return Answer(403, b"AuthenticationFailed: the signature is not valid")
        return Answer(404, b"not found")

    def log_signature(self, job: int) -> str:
        return hmac.new(self.log_secret.encode(), str(job).encode(), "sha256").hexdigest()
