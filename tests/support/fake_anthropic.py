"""A scripted fake of the Anthropic Messages API, for running the real Claude Code CLI offline.

Standard library only. The server listens on 127.0.0.1 with a free port::

    with FakeAnthropic() as fake:
        fake.script_write_file("hello.txt", "hi\\n")
        env = isolated_claude_env(tmp_path, fake.url, [repo])
        subprocess.run([claude, "-p", "write it"], env=env, cwd=repo)

How requests are answered:

* A *main* request is one that offers the Write or Bash tool: it is the model's turn in the
  conversation. A main request carrying the tool_result of a scripted tool call gets that call's
  follow-up (by default the text "done" with ``end_turn``); any other main request pops the next
  queued *step* (a tool call, a text, an error); with an empty queue it gets a plain text
  answer (``default_text``) with ``end_turn``. So ``script_write_file`` / ``script_bash`` /
  ``script_tool_use`` each play one whole turn: the tool call, then "done" after its result.
* Any other request (session title, quota probe, summaries...) is a *side* request: it gets a
  short text, or JSON valid for ``output_config.format`` when that asks for a ``json_schema``.
* ``POST /v1/messages/count_tokens`` gets an estimate, ``HEAD``/``GET`` of anything gets 200, and
  every request is recorded in :attr:`FakeAnthropic.calls`.

Responses are SSE streams (``message_start``, ``content_block_start``, ``content_block_delta``,
``content_block_stop``, ``message_delta``, ``message_stop``) with ``usage`` so the CLI prices them.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import PurePosixPath
from types import TracebackType
from typing import Any

JSON = dict[str, Any]

#: Tools whose presence marks a request as the main conversation (not a side request).
MAIN_TOOL_NAMES = frozenset({"Write", "Bash"})
DEFAULT_MODEL = "claude-sonnet-4-5"
_CWD_RE = re.compile(r"Primary working directory:\s*(\S[^\n]*)")


@dataclass(frozen=True)
class RecordedCall:
    """One HTTP request the fake received (any method and path)."""

    method: str
    path: str
    headers: dict[str, str]
    body: JSON | None
    kind: str  # "main", "side", "count_tokens", "probe" or "other"
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class TextStep:
    """The model answers with text and ends its turn."""

    text: str
    delay_s: float = 0.0


@dataclass(frozen=True)
class ToolUseStep:
    """The model calls one tool; ``make_input`` builds its input from the request and its cwd.

    ``then`` answers the request that carries this call's tool_result (it may be another
    ``ToolUseStep`` to chain calls). It is not queued: when the call never gets a result (the
    user denied it with Esc, which ends the turn), the next prompt gets the next queued step.
    """

    name: str
    make_input: Callable[[JSON, str | None], JSON]
    then: TextStep | ToolUseStep | ErrorStep = TextStep("done")
    delay_s: float = 0.0


@dataclass(frozen=True)
class ErrorStep:
    """The API answers with an HTTP error (e.g. 500 ``api_error`` or 529 ``overloaded_error``)."""

    status: int = 500
    error_type: str = "api_error"
    message: str = "scripted failure"


Step = TextStep | ToolUseStep | ErrorStep


def _iter_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _iter_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _iter_strings(item)


def find_working_directory(body: JSON) -> str | None:
    """The "Primary working directory: <path>" the CLI states in its system prompt/messages."""
    for text in _iter_strings({"system": body.get("system"), "messages": body.get("messages")}):
        match = _CWD_RE.search(text)
        if match:
            return match.group(1).strip().rstrip("`").strip()
    return None


def tool_names(body: JSON) -> set[str]:
    tools = body.get("tools") or []
    return {str(t.get("name")) for t in tools if isinstance(t, dict)}


def is_main_request(body: JSON) -> bool:
    return bool(tool_names(body) & MAIN_TOOL_NAMES)


def _last_user_blocks(body: JSON) -> list[JSON]:
    for message in reversed(body.get("messages") or []):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return [{"type": "text", "text": content}]
        return [b for b in content or [] if isinstance(b, dict)]
    return []


def last_tool_results(body: JSON) -> list[JSON]:
    """The tool_result blocks of the last user message (empty when it carries none)."""
    return [b for b in _last_user_blocks(body) if b.get("type") == "tool_result"]


def has_new_prompt(body: JSON) -> bool:
    """Whether the last user message carries text typed by the user (not only tool results).

    After a permission dialog is cancelled (Esc / "No") the CLI sends the rejected call's
    tool_result together with "[Request interrupted by user for tool use]" and the next prompt.
    """
    return any(
        b.get("type") == "text" and not str(b.get("text", "")).startswith("<system-reminder>")
        for b in _last_user_blocks(body)
    )


def sample_for_schema(schema: Any) -> Any:
    """A small value that validates against a (simple) JSON schema."""
    if not isinstance(schema, dict):
        return "fake"
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return sample_for_schema(schema[key][0])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0] if kind else "string")
    if kind == "object" or (kind is None and "properties" in schema):
        props: dict[str, Any] = schema.get("properties") or {}
        return {name: sample_for_schema(sub) for name, sub in props.items()}
    if kind == "array":
        count = int(schema.get("minItems", 0))
        return [sample_for_schema(schema.get("items", {})) for _ in range(count)]
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return "Fake title"


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _sse(event: str, data: JSON) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


class FakeAnthropic:
    """A threaded fake Messages API on 127.0.0.1 that plays scripted model turns."""

    def __init__(self, *, default_text: str = "OK.", side_text: str = "Fake title") -> None:
        self.default_text = default_text
        self.side_text = side_text
        self.requests: list[JSON] = []  # JSON bodies of every POST /v1/messages
        self.calls: list[RecordedCall] = []  # every HTTP request, any method/path
        self._steps: deque[Step] = deque()
        self._followups: dict[str, Step] = {}  # tool_use id -> step answering its tool_result
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeAnthropic:
        if self._server is not None:
            return self
        handler = _make_handler(self)
        server = _Server(("127.0.0.1", 0), handler)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="fake-anthropic", kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeAnthropic is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- scripting -----------------------------------------------------------------------------

    def script(self, *steps: Step) -> None:
        with self._lock:
            self._steps.extend(steps)

    def script_text(self, text: str, *, delay_s: float = 0.0) -> None:
        """The next main request gets ``text`` and ``end_turn``."""
        self.script(TextStep(text, delay_s))

    def script_tool_use(
        self,
        name: str,
        tool_input: JSON | Callable[[JSON, str | None], JSON],
        *,
        final_text: str = "done",
        delay_s: float = 0.0,
    ) -> None:
        """A call of tool ``name``; the request carrying its tool_result gets ``final_text``."""
        if callable(tool_input):
            make_input = tool_input
        else:
            fixed = dict(tool_input)

            def make_input(_body: JSON, _cwd: str | None) -> JSON:
                return dict(fixed)

        self.script(ToolUseStep(name, make_input, TextStep(final_text), delay_s))

    def script_write_file(
        self, path: str, content: str, *, final_text: str = "done", delay_s: float = 0.0
    ) -> None:
        """A Write tool call; a relative ``path`` is resolved against the CLI's working dir."""

        def make_input(_body: JSON, cwd: str | None) -> JSON:
            target = PurePosixPath(path)
            if not target.is_absolute():
                if cwd is None:
                    raise ValueError("request states no 'Primary working directory'")
                target = PurePosixPath(cwd) / target
            return {"file_path": str(target), "content": content}

        self.script_tool_use("Write", make_input, final_text=final_text, delay_s=delay_s)

    def script_bash(
        self,
        command: str,
        *,
        description: str = "Run a command",
        final_text: str = "done",
        delay_s: float = 0.0,
    ) -> None:
        """A Bash tool call (asks permission outside bypass mode unless allowed by settings)."""
        self.script_tool_use(
            "Bash",
            {"command": command, "description": description},
            final_text=final_text,
            delay_s=delay_s,
        )

    def script_error(
        self, status: int = 500, error_type: str = "api_error", message: str = "scripted failure"
    ) -> None:
        """The next main request fails with an HTTP error."""
        self.script(ErrorStep(status, error_type, message))

    @property
    def pending_steps(self) -> int:
        """Queued steps plus answers still waiting for a tool_result."""
        with self._lock:
            return len(self._steps) + len(self._followups)

    # -- inspection ----------------------------------------------------------------------------

    def main_requests(self) -> list[JSON]:
        with self._lock:
            return [b for b in self.requests if is_main_request(b)]

    def calls_of(self, kind: str) -> list[RecordedCall]:
        with self._lock:
            return [c for c in self.calls if c.kind == kind]

    # -- request handling (called from server threads) -----------------------------------------

    def _record(self, call: RecordedCall) -> None:
        with self._lock:
            self.calls.append(call)
            if call.kind in ("main", "side") and call.body is not None:
                self.requests.append(call.body)

    def _next_step(self, body: JSON) -> Step | None:
        """The step answering this request; safe with many conversations at once.

        Follow-ups are keyed by the tool call they answer, so one conversation's request
        never takes another's: a tool result gets its own call's follow-up, a new prompt
        the next scripted step (and abandons the follow-ups of the calls it interrupted,
        whose results it carries), anything else the default text.
        """
        result_ids = {str(r.get("tool_use_id")) for r in last_tool_results(body)}
        with self._lock:
            if has_new_prompt(body):
                for tool_use_id in result_ids:
                    self._followups.pop(tool_use_id, None)  # an interrupted turn's calls
                return self._steps.popleft() if self._steps else None
            for tool_use_id in result_ids & self._followups.keys():
                return self._followups.pop(tool_use_id)
            if result_ids:
                return None  # the result of a call already answered or never made
            return self._steps.popleft() if self._steps else None

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):04d}{uuid.uuid4().hex[:16]}"

    def answer_messages(self, body: JSON) -> tuple[int, JSON | None, list[JSON], str]:
        """Decide the answer: (http status, error body or None, content blocks, stop_reason)."""
        if not is_main_request(body):
            return 200, None, self._side_content(body), "end_turn"
        step = self._next_step(body)
        if step is None:
            return 200, None, [{"type": "text", "text": self.default_text}], "end_turn"
        if not isinstance(step, ErrorStep) and step.delay_s > 0:
            time.sleep(step.delay_s)
        if isinstance(step, ErrorStep):
            error = {"type": "error", "error": {"type": step.error_type, "message": step.message}}
            return step.status, error, [], ""
        if isinstance(step, TextStep):
            return 200, None, [{"type": "text", "text": step.text}], "end_turn"
        tool_input = step.make_input(body, find_working_directory(body))
        tool_use_id = self._new_id("toolu")
        with self._lock:
            self._followups[tool_use_id] = step.then
        block = {"type": "tool_use", "id": tool_use_id, "name": step.name, "input": tool_input}
        return 200, None, [block], "tool_use"

    def _side_content(self, body: JSON) -> list[JSON]:
        fmt = (body.get("output_config") or {}).get("format") or {}
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            value = sample_for_schema(fmt.get("schema") or {})
            return [{"type": "text", "text": json.dumps(value)}]
        return [{"type": "text", "text": self.side_text}]

    def usage_for(self, body: JSON, content: list[JSON]) -> tuple[int, int]:
        input_tokens = _estimate_tokens(json.dumps(body.get("messages", [])))
        output_tokens = _estimate_tokens(json.dumps(content))
        return input_tokens, output_tokens

    def message_object(self, body: JSON, content: list[JSON], stop_reason: str) -> JSON:
        input_tokens, output_tokens = self.usage_for(body, content)
        return {
            "id": self._new_id("msg"),
            "type": "message",
            "role": "assistant",
            "model": body.get("model") or DEFAULT_MODEL,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        }

    def sse_stream(self, body: JSON, content: list[JSON], stop_reason: str) -> bytes:
        message = self.message_object(body, content, stop_reason)
        usage = message["usage"]
        start = dict(message, content=[], stop_reason=None, usage=dict(usage, output_tokens=1))
        parts = [_sse("message_start", {"type": "message_start", "message": start})]
        for index, block in enumerate(content):
            if block["type"] == "text":
                first: JSON = {"type": "text", "text": ""}
                delta: JSON = {"type": "text_delta", "text": block["text"]}
            else:
                first = {**block, "input": {}}
                delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
            parts.append(
                _sse(
                    "content_block_start",
                    {"type": "content_block_start", "index": index, "content_block": first},
                )
            )
            parts.append(
                _sse(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                )
            )
            parts.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
        parts.append(
            _sse(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                    "usage": {"output_tokens": usage["output_tokens"]},
                },
            )
        )
        parts.append(_sse("message_stop", {"type": "message_stop"}))
        return b"".join(parts)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The CLI drops the connection when a turn is interrupted (Esc): not worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _make_handler(fake: FakeAnthropic) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeAnthropic/1"

        def log_message(self, format: str, *args: Any) -> None:
            return  # keep test output quiet; see fake.calls instead

        def _read_json(self) -> JSON | None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if not raw:
                return None
            try:
                value = json.loads(raw)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None

        def _send(
            self, status: int, payload: bytes, content_type: str = "application/json"
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("request-id", fake._new_id("req"))
            if content_type.startswith("text/event-stream"):
                self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _send_json(self, status: int, value: JSON) -> None:
            self._send(status, json.dumps(value).encode())

        def _record(self, body: JSON | None, kind: str) -> None:
            fake._record(
                RecordedCall(self.command, self.path, dict(self.headers.items()), body, kind)
            )

        def do_HEAD(self) -> None:
            self._record(None, "probe")
            self._send(200, b"")

        def do_GET(self) -> None:
            self._record(None, "probe")
            self._send_json(200, {})

        def do_POST(self) -> None:
            body = self._read_json()
            route = self.path.split("?", 1)[0].rstrip("/")
            if route == "/v1/messages/count_tokens":
                self._record(body, "count_tokens")
                tokens = _estimate_tokens(json.dumps(body or {}))
                self._send_json(200, {"input_tokens": tokens})
                return
            if route != "/v1/messages" or body is None:
                self._record(body, "other")
                self._send_json(
                    404,
                    {"type": "error", "error": {"type": "not_found_error", "message": route}},
                )
                return
            self._record(body, "main" if is_main_request(body) else "side")
            status, error, content, stop_reason = fake.answer_messages(body)
            if error is not None:
                self._send_json(status, error)
            elif body.get("stream"):
                self._send(200, fake.sse_stream(body, content, stop_reason), "text/event-stream")
            else:
                self._send_json(200, fake.message_object(body, content, stop_reason))

    return Handler
