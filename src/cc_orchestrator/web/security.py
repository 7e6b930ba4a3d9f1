"""The API's front door, one ASGI middleware in front of every route and WebSocket:

1. Host: only the names this server is meant to be reached by (421 otherwise), so a page
   that rebinds its own DNS name to 127.0.0.1 gets nothing.
2. Origin: a browser's request or WebSocket from any other origin (another port of the same
   host included: cookies are not isolated by port) is refused (403; a WebSocket handshake is
   refused). Non-browser clients send no Origin and need the token like everyone.
3. The token, always (web.token, or the data directory's generated one): `Authorization:
   Bearer`, the HttpOnly cookie set by the login link or the dashboard's token dialog, or
   `?token=` on a WebSocket. Failed attempts are throttled per client address (429).
4. State-changing requests (POST/PUT/PATCH/DELETE) must be JSON or carry `X-CCO-Request` or
   `Authorization`, none of which a form or a no-cors fetch can send (`require_json`, a
   dependency of every route, so an unknown method is still a 405 with Allow).

The MCP endpoint (MCP_PATH) takes the token too, and an agent's own credential
(agent_tokens.py) instead, which opens nothing else; only as `Authorization: Bearer` (no cookie,
no query: a browser page must not drive agents). The Guard says who called in the scope
(CALLER_KEY: the person; AGENT_KEY: the instance an agent token names, which web/mcp_server.py
checks is still running).

A webhook (POST to one of WEBHOOK_PATHS) brings its own proof, the signature its route checks
(services/webhooks.py): it passes 2-4 without a token, since its sender is neither a browser
nor a holder of the token. The Host check (1) and the body limit (web.max_body_bytes, 413) apply
to it as to every request.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from cc_orchestrator import agent_tokens
from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.services.coordination import Caller
from cc_orchestrator.web.auth import COOKIE, LoginCodes, Throttle, same_secret

PROTECTED_PREFIXES = ("/api/", "/docs", "/redoc", "/openapi.json", "/metrics")
OPEN_PATHS = frozenset({"/api/login"})
#: exactly these paths (POST only) are proven by their signature instead of the token
WEBHOOK_PATHS = frozenset({"/api/webhooks/github", "/api/webhooks/jira"})
MCP_PATH = "/mcp"
CALLER_KEY = "cco_caller"  # in the scope's state: the Caller (the person's, here)
AGENT_KEY = "cco.mcp_agent"  # in the scope: the instance id an agent token names
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})
COOKIE_MAX_AGE_S = 365 * 24 * 3600
CUSTOM_HEADER = "x-cco-request"


class UnsupportedMediaType(CcoError):
    """A state-changing request that is not JSON (what a form or a no-cors fetch sends)."""

    http_status = 415


def require_json(conn: HTTPConnection) -> None:
    """Every state-changing route: JSON, or X-CCO-Request, or Authorization (none of them
    can be sent cross-origin without a CORS preflight, which this server never answers)."""
    if conn.scope["type"] != "http" or conn.scope.get("method") not in UNSAFE:
        return
    if is_webhook(conn.scope):
        return  # its route reads the raw body, signed; 415 there if it is not JSON
    media = conn.headers.get("content-type", "").split(";")[0].strip().lower()
    # Authorization is no less a custom header: a form or a no-cors fetch cannot send it
    if media == "application/json" or conn.headers.get(CUSTOM_HEADER):
        return
    if conn.headers.get("authorization"):
        return
    raise UnsupportedMediaType(
        "a state-changing request must be JSON",
        hint="send Content-Type: application/json (or X-CCO-Request: 1 without a body)",
    )


def is_webhook(scope: Scope) -> bool:
    """A webhook delivery: a POST to exactly one of WEBHOOK_PATHS."""
    return (
        scope["type"] == "http"
        and scope.get("method") == "POST"
        and scope.get("path", "") in WEBHOOK_PATHS
    )


def split_host(value: str) -> tuple[str, int | None] | None:
    """'[::1]:8080' -> ('::1', 8080); 'Example:80' -> ('example', 80); None if malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        host, rest = value[1:end], value[end + 1 :]
    elif value.count(":") == 1:
        host, _, port = value.partition(":")
        rest = f":{port}"
    else:
        host, rest = value, ""
    if rest and not (rest.startswith(":") and rest[1:].isdigit() and len(rest) <= 6):
        return None
    if not host or any(c in host for c in "/@?#\\ "):
        return None
    return host, int(rest[1:]) if rest else None


def url_host(host: str) -> str:
    """A host as it goes in a URL: IPv6 addresses in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def session_value(token: str) -> str:
    """What the cookie holds: derived from the token, never the token itself."""
    return hmac.new(
        token.encode("utf-8", "surrogatepass"), b"cco-cookie-v1", hashlib.sha256
    ).hexdigest()


@dataclass
class Policy:
    token: str
    bind_host: str
    public_url: str | None = None
    throttle: Throttle = field(default_factory=Throttle)
    codes: LoginCodes = field(init=False)
    hosts: frozenset[str] = field(init=False)
    public_origin: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.codes = LoginCodes(self.token)
        bind = self.bind_host.strip("[]").lower()
        names = set(LOOPBACK_NAMES)
        if bind in WILDCARDS:
            names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
        else:
            names.add(bind)
        if self.public_url:
            parts = urlsplit(self.public_url)
            if parts.hostname:
                names.add(parts.hostname.lower())
                self.public_origin = f"{parts.scheme}://{parts.netloc}".lower()
        self.hosts = frozenset(names)
        self._any_ip = bind in WILDCARDS
        self._cookie = session_value(self.token)

    def host_allowed(self, hostname: str) -> bool:
        # an IP literal cannot be rebound; a name must be one of ours
        return hostname in self.hosts or (self._any_ip and _is_ip(hostname))

    def origin_allowed(self, origin: str, scheme: str, host_header: str) -> bool:
        origin = origin.strip().lower()
        if origin == self.public_origin:
            return True
        parts = urlsplit(origin)
        own = split_host(host_header)
        if own is None or parts.scheme not in ("http", "https") or parts.hostname is None:
            return False
        default = 443 if scheme == "https" else 80
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return False
        return (
            parts.scheme == scheme
            and parts.hostname.strip("[]") == own[0]
            and port == (own[1] or default)
            and origin == f"{parts.scheme}://{parts.netloc}"  # nothing after the origin
        )

    def credential_ok(self, bearer: str | None, cookie: str | None, query: str | None) -> bool:
        return (
            same_secret(bearer, self.token)
            or same_secret(query, self.token)
            or same_secret(cookie, self._cookie)
        )

    def set_cookie(self, secure: bool) -> str:
        secure = secure or (self.public_origin or "").startswith("https:")
        flags = "; Secure" if secure else ""
        return (
            f"{COOKIE}={self._cookie}; Path=/; Max-Age={COOKIE_MAX_AGE_S}; HttpOnly; "
            f"SameSite=Strict{flags}"
        )


def _json(status: int, kind: str, message: str, hint: str, headers: dict[str, str]) -> Any:
    body = json.dumps({"error": {"type": kind, "message": message, "hint": hint}}).encode()
    return status, {"content-type": "application/json", **headers}, body


class Guard:
    """The middleware: see the module's docstring."""

    def __init__(self, app: ASGIApp, policy: Policy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self.check(scope)
        if refusal is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._refuse_ws(refusal, receive, send)
        else:
            await _respond(send, *refusal)

    def check(self, scope: Scope) -> Any:
        policy = self.policy
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        path: str = scope.get("path", "")
        method = scope.get("method", "GET") if scope["type"] == "http" else "GET"
        ws = scope["type"] == "websocket"
        host_header = headers.get("host", "")
        parsed = split_host(host_header)
        if parsed is None or not policy.host_allowed(parsed[0]):
            return _json(
                421,
                "MisdirectedRequest",
                f"this server does not answer for the host {host_header[:100]!r}",
                "open it by the address cco printed (or set web.public_url)",
                {},
            )
        if is_webhook(scope):
            return None  # proven by its signature, not the token (see the module's docstring)
        raw_scheme = str(scope.get("scheme") or "http")
        scheme = {"ws": "http", "wss": "https"}.get(raw_scheme, raw_scheme)
        origin = headers.get("origin")
        if origin is not None and not policy.origin_allowed(origin, scheme, host_header):
            return _json(
                403,
                "Forbidden",
                "requests from another origin are refused",
                "use the dashboard served by this server",
                {},
            )
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        mcp = path == MCP_PATH
        api = path.startswith(PROTECTED_PREFIXES) or mcp
        if scope["type"] == "http" and method == "GET" and "login" in query and not api:
            return self._login(scope, headers, query, scheme)
        if not (ws or api) or path in OPEN_PATHS:
            return None
        address = (scope.get("client") or ("?", 0))[0]
        header = headers.get("authorization", "")
        bearer = header[7:].strip() if header[:7].lower() == "bearer " else None
        cookie = None if mcp else _cookie(headers.get("cookie", ""))
        token_query = query.get("token") if ws and not mcp else None
        presented = bool(bearer or cookie or token_query)
        wait = policy.throttle.retry_after(address) if presented else None
        if wait is not None:
            return _json(
                429,
                "TooManyRequests",
                "too many failed authentications from this address",
                f"retry after {wait} s",
                {"retry-after": str(wait)},
            )
        if mcp and bearer:
            if same_secret(bearer, policy.token):
                scope.setdefault("state", {})[CALLER_KEY] = Caller.user()
                return None
            instance_id = agent_tokens.verify(policy.token, bearer)
            if instance_id is not None:
                scope[AGENT_KEY] = instance_id
                return None
        elif not mcp and policy.credential_ok(bearer, cookie, token_query):
            return None
        if presented:
            policy.throttle.failed(address)
        hint = (
            "send Authorization: Bearer <the web token, or the agent's own credential>"
            if mcp
            else "open the login link `cco up`/`cco web` printed (`cco web --link` makes a "
            "new one), or send Authorization: Bearer <token>"
        )
        return _json(401, "Unauthorized", "a valid token is required", hint, {})

    def _login(
        self, scope: Scope, headers: dict[str, str], query: dict[str, str], scheme: str
    ) -> Any:
        """GET <any page>?login=<code>: the cookie, then the same URL without the code."""
        policy = self.policy
        address = (scope.get("client") or ("?", 0))[0]
        rest = urlencode([(k, v) for k, v in query.items() if k != "login"])
        # one leading slash: "//elsewhere.example" would send the browser away
        location = "/" + str(scope.get("path", "/")).lstrip("/\\") + (f"?{rest}" if rest else "")
        already = same_secret(_cookie(headers.get("cookie", "")), policy._cookie)
        wait = policy.throttle.retry_after(address)
        if not already and wait is not None:
            return _json(
                429,
                "TooManyRequests",
                "too many failed logins from this address",
                f"retry after {wait} s",
                {"retry-after": str(wait)},
            )
        if already or policy.codes.take(query["login"]):
            cookie = {} if already else {"set-cookie": policy.set_cookie(scheme == "https")}
            return 303, {"location": location, "cache-control": "no-store", **cookie}, b""
        policy.throttle.failed(address)
        page = (
            b"<!doctype html><title>cco: login link refused</title>"
            b"<p>This login link has expired or was already used.</p>"
            b"<p>Run <code>cco web --link</code> for a new one.</p>"
        )
        return 401, {"content-type": "text/html; charset=utf-8", "cache-control": "no-store"}, page

    async def _refuse_ws(self, refusal: Any, receive: Receive, send: Send) -> None:
        status = refusal[0]
        message = await receive()  # websocket.connect
        if message["type"] != "websocket.connect":
            return
        if status == 401:  # accepted then closed: the page can read why (4401)
            await send({"type": "websocket.accept"})
            await send(
                {"type": "websocket.close", "code": 4401, "reason": "a valid token is required"}
            )
            return
        if status == 429:
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": 4429, "reason": "too many failures"})
            return
        await send({"type": "websocket.close", "code": 1008})  # refused handshake (403)


def _cookie(header: str) -> str | None:
    if COOKIE not in header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed Cookie header is a missing cookie
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


async def _respond(send: Send, status: int, headers: dict[str, str], body: bytes) -> None:
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
