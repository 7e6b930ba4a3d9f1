"""Strict fake HTTP receivers: Slack and Discord webhooks, a signed generic webhook (ntfy:
receivers_ntfy.py).

Each is a real threaded HTTP/1.1 server (keep-alive, like the services) on 127.0.0.1 with a
port of its own, started on construction; `url` is what a channel's `url:` setting holds (its
path carries the secret, as the real URLs do: `secret` is that part, to check it never shows in
a log line or a reason). Each answers as its service does (receivers_rules.py for the rules
and where they come from), records what it accepted and refused (receivers_core.py) and plays
the failure modes switched at run time.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import re
import secrets
import socket
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cc_orchestrator.domain.notices import Message
from tests.support.receivers_core import Received, Records, Rejected
from tests.support.receivers_rules import (
    SlackRefusal,
    check_discord,
    check_slack,
    discord_key,
    discord_may_ping,
    slack_key,
)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    raw: bytes


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


def json_answer(status: int, data: Any, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    return Answer(status, json.dumps(data).encode(), "application/json", headers)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], receiver: HttpReceiver) -> None:
        self.receiver = receiver
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
        """A client that went away mid-request (a killed daemon) is no error of the receiver's."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)

    def drop_connections(self) -> None:
        """Close every open (keep-alive) connection: a down service keeps none."""
        with self.connections_lock:
            conns, self.connections = list(self.connections), set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # answer at once: with Nagle's algorithm, the body written after the headers waits for
    # the client's delayed ACK (~40 ms a request on Linux), which no real service makes us wait
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        url = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            raw=self._read_body(),
        )
        answer = self.server.receiver.serve(request)
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
        except OSError:  # the client gave up (timeout) or the receiver went down
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class HttpReceiver(Records):
    """A fake service on 127.0.0.1: subclasses say how a request is judged (`check`)."""

    kind = "http"
    path = "/"

    def __init__(self) -> None:
        super().__init__()
        self.port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._life = threading.Lock()
        self.up()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.base_url + self.path

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

    close = down

    def __enter__(self) -> HttpReceiver:
        return self

    def __exit__(
        self, exc: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.down()

    # -- answering -------------------------------------------------------------------------
    def serve(self, request: Request) -> Answer:
        decision = self.modes.decide()
        if decision.sleep_s:
            time.sleep(decision.sleep_s)
        if decision.outcome == "rate_limited":
            self._attempt("rate_limited", 429)
            return self.rate_limited_answer(decision.retry_after)
        if decision.outcome == "fail":
            self._attempt("fail", decision.status)
            return self.fail_answer(decision.status)
        return self.check(request)

    def check(self, request: Request) -> Answer:
        raise NotImplementedError

    def fail_answer(self, status: int) -> Answer:
        return Answer(status, b"internal error")

    def rate_limited_answer(self, retry_after: str) -> Answer:
        return Answer(429, b"rate limited", headers=(("Retry-After", retry_after),))

    def accept(self, request: Request, key: str, body: Any, answer: Answer) -> Answer:
        self._accept(
            Received(self.kind, key, body, request.headers, path=request.path, raw=request.raw),
            answer.status,
        )
        return answer

    def refuse(self, request: Request, reason: str, answer: Answer, body: Any = None) -> Answer:
        parsed = body if body is not None else request.raw.decode("utf-8", "replace")
        self._refuse(
            Rejected(self.kind, answer.status, reason, parsed, request.headers, path=request.path)
        )
        return answer


def _json_body(request: Request) -> Any:
    return json.loads(request.raw.decode("utf-8"))


class SlackReceiver(HttpReceiver):
    """A Slack incoming webhook: POST JSON to /services/T…/B…/<secret>; 200 `ok`."""

    kind = "slack"

    def __init__(self) -> None:
        self.secret = secrets.token_hex(12)
        self.path = f"/services/T0CCOTEST/B0CCOTEST/{self.secret}"
        super().__init__()

    def fail_answer(self, status: int) -> Answer:
        return Answer(status, b"rollup_error")

    def rate_limited_answer(self, retry_after: str) -> Answer:
        return Answer(429, b"rate_limited", headers=(("Retry-After", retry_after),))

    def check(self, request: Request) -> Answer:
        if request.path != self.path:
            return self.refuse(
                request, "no_service: unknown webhook path", Answer(404, b"no_service")
            )
        if request.method != "POST":
            return self.refuse(request, "invalid_method", Answer(405, b"invalid_method"))
        ctype = request.headers.get("content-type", "")
        try:
            if ctype.startswith("application/x-www-form-urlencoded"):
                payload = json.loads(parse_qs(request.raw.decode())["payload"][0])
            elif ctype.startswith("application/json"):
                payload = _json_body(request)
            else:
                raise ValueError(f"content type {ctype!r}")
            check_slack(payload)
        except SlackRefusal as refusal:
            return self.refuse(request, str(refusal), Answer(400, refusal.code.encode()))
        except (ValueError, KeyError, UnicodeDecodeError) as error:
            reason = f"invalid_payload: {error}"
            return self.refuse(request, reason, Answer(400, b"invalid_payload"))
        return self.accept(request, slack_key(payload), payload, Answer(200, b"ok"))


class DiscordReceiver(HttpReceiver):
    """A Discord webhook: POST JSON to /api/webhooks/<id>/<token>[?wait=true]."""

    kind = "discord"
    webhook_id = "1234567890123456789"

    def __init__(self) -> None:
        self.secret = secrets.token_urlsafe(48)
        self.path = f"/api/webhooks/{self.webhook_id}/{self.secret}"
        self.pings: list[dict[str, Any]] = []  # accepted payloads that would ping someone
        super().__init__()

    def fail_answer(self, status: int) -> Answer:
        return json_answer(status, {"message": f"{status}: Internal Server Error", "code": 0})

    def rate_limited_answer(self, retry_after: str) -> Answer:
        seconds = float(retry_after) if retry_after.replace(".", "").isdigit() else 1.0
        data = {"message": "You are being rate limited.", "retry_after": seconds, "global": False}
        return json_answer(429, data, (("Retry-After", retry_after),))

    def check(self, request: Request) -> Answer:
        if request.path != self.path:
            if request.path.startswith(f"/api/webhooks/{self.webhook_id}/"):
                data = {"message": "Invalid Webhook Token", "code": 50027}
                return self.refuse(request, "invalid webhook token", json_answer(401, data))
            data = {"message": "Unknown Webhook", "code": 10015}
            return self.refuse(request, "unknown webhook", json_answer(404, data))
        if request.method != "POST":
            data = {"message": "405: Method Not Allowed", "code": 0}
            return self.refuse(request, "method not allowed", json_answer(405, data))
        wait = request.query.get("wait", ["false"])[-1].lower()
        if wait not in ("true", "false", "1", "0"):
            data = {"code": 50035, "message": "Invalid Form Body", "errors": {"wait": {}}}
            return self.refuse(request, f"wait={wait!r} is not a boolean", json_answer(400, data))
        try:
            if not request.headers.get("content-type", "").startswith("application/json"):
                raise ValueError("not application/json")
            payload = _json_body(request)
        except (ValueError, UnicodeDecodeError) as error:
            data = {"code": 50109, "message": "The request body contains invalid JSON."}
            return self.refuse(request, f"invalid JSON: {error}", json_answer(400, data))
        problem = check_discord(payload)
        if problem is not None:
            reason = json.dumps(problem.get("errors") or problem["message"])
            return self.refuse(request, reason, json_answer(400, problem), payload)
        if discord_may_ping(payload):
            self.pings.append(payload)
        if wait in ("true", "1"):
            message = {
                "id": str(int(time.time() * 1000) << 22),
                "type": 0,
                "channel_id": "1",
                "webhook_id": self.webhook_id,
                "content": payload.get("content") or "",
                "embeds": payload.get("embeds") or [],
                "timestamp": datetime.now(UTC).isoformat(),
            }
            answer = json_answer(200, message)
        else:
            answer = Answer(204)
        return self.accept(request, discord_key(payload), payload, answer)


WEBHOOK_HEADERS = (
    "X-CCO-Delivery",
    "X-CCO-Timestamp",
    "X-CCO-Dedupe-Key",
    "X-CCO-Event",
    "X-CCO-Signature-256",
)


def sign(secret: str, raw: bytes) -> str:
    """The X-CCO-Signature-256 value a receiver expects for this raw body."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


class WebhookReceiver(HttpReceiver):
    """A generic receiver that verifies cco's signed webhook (design: webhook.py)."""

    kind = "webhook"

    def __init__(self, secret: str | None = None, *, tolerance_s: float = 300.0) -> None:
        self.key = secret or secrets.token_hex(16)  # the channel's `secret:` (HMAC key)
        self.secret = secrets.token_urlsafe(12)  # the URL's secret path part
        self.path = f"/hooks/cco/{self.secret}"
        self.tolerance_s = tolerance_s
        super().__init__()

    def fail_answer(self, status: int) -> Answer:
        return json_answer(status, {"error": "internal error"})

    def rate_limited_answer(self, retry_after: str) -> Answer:
        return json_answer(429, {"error": "rate limited"}, (("Retry-After", retry_after),))

    def _no(self, request: Request, status: int, reason: str) -> Answer:
        return self.refuse(request, reason, json_answer(status, {"error": reason}))

    def check(self, request: Request) -> Answer:
        if request.path != self.path:
            return self._no(request, 404, "not found")
        if request.method != "POST":
            return self._no(request, 405, "method not allowed")
        h = request.headers
        missing = [name for name in WEBHOOK_HEADERS if name.lower() not in h]
        if missing:
            return self._no(request, 400, f"missing headers {missing}")
        if not h.get("content-type", "").startswith("application/json"):
            return self._no(request, 415, "Content-Type is not application/json")
        signature = h["x-cco-signature-256"]
        if not re.fullmatch(r"sha256=[0-9a-f]{64}", signature):
            return self._no(request, 401, "malformed signature")
        if not hmac.compare_digest(signature, sign(self.key, request.raw)):
            return self._no(request, 401, "signature mismatch")
        try:
            stamp = int(h["x-cco-timestamp"])
        except ValueError:
            return self._no(request, 400, "X-CCO-Timestamp is not unix seconds")
        if abs(time.time() - stamp) > self.tolerance_s:
            return self._no(request, 401, "timestamp outside the tolerance")
        try:
            body = _json_body(request)
            problem = self._body_problem(body, h)
        except (ValueError, UnicodeDecodeError) as error:
            problem = f"body is not JSON: {error}"
        if problem:
            return self._no(request, 400, problem)
        return self.accept(request, h["x-cco-dedupe-key"], body, json_answer(200, {"ok": True}))

    @staticmethod
    def _body_problem(body: Any, h: dict[str, str]) -> str:
        types = {"id": int, "dedupe_key": str, "kind": str, "timestamp": int, "message": dict}
        if not isinstance(body, dict):
            return "body is not a JSON object"
        for name, kind in types.items():
            if not isinstance(body.get(name), kind) or isinstance(body.get(name), bool):
                return f"body.{name} missing or not {kind.__name__}"
        pairs = (
            ("id", "x-cco-delivery"),
            ("dedupe_key", "x-cco-dedupe-key"),
            ("kind", "x-cco-event"),
            ("timestamp", "x-cco-timestamp"),
        )
        for name, header in pairs:
            if str(body[name]) != h[header]:
                return f"body.{name} differs from the {header} header"
        try:
            message = Message.from_json(body["message"])
        except (KeyError, TypeError, ValueError) as error:
            return f"body.message is not a Message: {error!r}"
        if message.kind != body["kind"]:
            return "body.message.kind differs from body.kind"
        return ""
