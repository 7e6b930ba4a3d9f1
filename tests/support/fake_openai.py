"""A scripted fake of the OpenAI Responses API, for running the real Codex CLI offline.

The server listens on 127.0.0.1 with a free port and answers ``POST /v1/responses`` with the real
streaming protocol (SSE: ``response.created``, ``response.in_progress``, the output items with
their deltas, ``response.completed`` with ``usage``; every event with a ``sequence_number``)::

    with FakeOpenAI() as fake:
        fake.script_patch("hello.txt", "hi\\n")
        ...  # codex with model_providers.fake.base_url = fake.url

How requests are answered:

* A *main* request is a turn of the conversation (turn metadata ``thread_source: user``). One
  carrying the output of a scripted tool call gets that turn's next step; one whose newest input
  is a user message starts a turn: the named script when the prompt holds ``#script:NAME``
  (:meth:`FakeOpenAI.define`), else the next queued turn, else the text ``default_text``.
* Side requests get what they want: the TUI's title thread a JSON ``{"title": ...}``, the
  ``--approve-for-me`` guardian ``{"outcome": "allow"}`` (``guardian_outcome``).
* Every request body is checked against OpenAI's ``CreateResponse`` schema and every event sent
  against ``ResponseStreamEvent`` (tests/support/openai_spec.py); what disagrees is kept in
  :attr:`FakeOpenAI.spec_errors` (a test asserts it stays empty).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from tests.support import openai_spec

JSON = dict[str, Any]
DEFAULT_MODEL = "gpt-5.5"
_CWD_RE = re.compile(r"<cwd>([^<]+)</cwd>")
_SCRIPT_RE = re.compile(r"#script:([A-Za-z0-9_.-]+)")


@dataclass(frozen=True)
class Text:
    """The model says text and ends its turn."""

    text: str


@dataclass(frozen=True)
class Patch:
    """The model edits files with the freeform ``apply_patch`` tool; ``patch`` may use {cwd}."""

    patch: str


@dataclass(frozen=True)
class Command:
    """The model runs a shell command with ``exec_command`` (``escalate`` asks for approval)."""

    cmd: str
    escalate: bool = False
    justification: str = "run a command"


Step = Text | Patch | Command


@dataclass(frozen=True)
class RecordedCall:
    method: str
    path: str
    headers: dict[str, str]
    body: JSON | None
    kind: str  # "main", "title", "guardian", "side" or "other"
    metadata: JSON
    at: float = field(default_factory=time.monotonic)


def working_directory(body: JSON) -> str | None:
    """The cwd Codex states in its ``<environment_context>`` message."""
    found = _CWD_RE.findall(json.dumps(body.get("input", [])).replace("\\n", "\n"))
    return found[-1] if found else None


def _text_of(item: JSON) -> str:
    content = item.get("content")
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))


class FakeOpenAI:
    """A threaded fake Responses API on 127.0.0.1 that plays scripted turns."""

    def __init__(
        self, *, default_text: str = "OK.", title: str = "Fake session title", api_key: str = ""
    ) -> None:
        self.default_text = default_text
        self.title = title
        self.api_key = api_key  # when set, requests must carry it as a Bearer token
        self.guardian_outcome = "allow"
        self.calls: list[RecordedCall] = []
        self.spec_errors: list[str] = []
        self._scripts: dict[str, list[Step]] = {}
        self._queue: deque[list[Step]] = deque()
        self._pending: dict[str, list[Step]] = {}  # call_id -> the rest of its turn
        self._lock = threading.Lock()
        self._ids = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life ---------------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The provider's base_url (``.../v1``)."""
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    # -- scripting ----------------------------------------------------------------------------
    def define(self, name: str, *steps: Step) -> None:
        """A turn played whenever a prompt holds ``#script:NAME``."""
        self._scripts[name] = list(steps)

    def script(self, *steps: Step) -> None:
        """Queue one whole turn: its tool calls in order, then (by default) the text "done"."""
        turn = list(steps)
        if not turn or not isinstance(turn[-1], Text):
            turn.append(Text("done"))
        with self._lock:
            self._queue.append(turn)

    def script_patch(self, path: str, content: str, *, final: str = "done") -> None:
        lines = "".join(f"+{line}\n" for line in content.splitlines())
        self.script(Patch(f"*** Begin Patch\n*** Add File: {path}\n{lines}*** End Patch\n"))
        self._queue[-1][-1] = Text(final)

    def script_command(self, cmd: str, *, escalate: bool = False, why: str = "run it") -> None:
        self.script(Command(cmd, escalate, why))

    def main_requests(self) -> list[RecordedCall]:
        return [c for c in self.calls if c.kind == "main"]

    # -- answering ----------------------------------------------------------------------------
    def _new_id(self, prefix: str) -> str:
        with self._lock:
            self._ids += 1
            return f"{prefix}_{self._ids:04d}{uuid.uuid4().hex[:12]}"

    def _main_steps(self, body: JSON) -> list[Step]:
        items = [i for i in body.get("input", []) if isinstance(i, dict)]
        last = items[-1] if items else {}
        with self._lock:
            if last.get("type") in ("function_call_output", "custom_tool_call_output"):
                rest = self._pending.pop(str(last.get("call_id")), None)
                if rest is not None:
                    return rest
            prompt = _text_of(last) if last.get("role") == "user" else ""
            named = _SCRIPT_RE.findall(prompt)
            if named and named[-1] in self._scripts:
                turn = list(self._scripts[named[-1]])
            elif self._queue:
                turn = self._queue.popleft()
            else:
                turn = [Text(self.default_text)]
        return turn

    def _item(self, step: Step, cwd: str, rest: list[Step]) -> JSON:
        if isinstance(step, Text):
            return {
                "type": "message",
                "id": self._new_id("msg"),
                "status": "completed",
                "role": "assistant",
                "content": [
                    {"type": "output_text", "text": step.text, "annotations": [], "logprobs": []}
                ],
            }
        call_id = self._new_id("call")
        with self._lock:
            self._pending[call_id] = rest
        if isinstance(step, Patch):
            return {
                "type": "custom_tool_call",
                "id": self._new_id("ctc"),
                "call_id": call_id,
                "name": "apply_patch",
                "input": step.patch.replace("{cwd}", cwd),
                "status": "completed",
            }
        args: JSON = {"cmd": step.cmd, "workdir": cwd}
        if step.escalate:
            args |= {
                "sandbox_permissions": "require_escalated",
                "justification": step.justification,
            }
        return {
            "type": "function_call",
            "id": self._new_id("fc"),
            "call_id": call_id,
            "name": "exec_command",
            "arguments": json.dumps(args),
            "status": "completed",
        }

    def answer(self, body: JSON, kind: str) -> list[JSON]:
        """The output items of one response."""
        if kind == "title":
            return [self._item(Text(json.dumps({"title": self.title})), "", [])]
        if kind == "guardian":
            verdict = {"outcome": self.guardian_outcome, "rationale": "scripted"}
            return [self._item(Text(json.dumps(verdict)), "", [])]
        if kind != "main":
            return [self._item(Text(self.default_text), "", [])]
        steps = self._main_steps(body)
        step, rest = steps[0], steps[1:]
        return [self._item(step, working_directory(body) or ".", rest)]

    def _response(
        self, rid: str, body: JSON, status: str, output: list[JSON], usage: JSON | None
    ) -> JSON:
        return {
            "id": rid,
            "object": "response",
            "created_at": int(time.time()),
            "status": status,
            "model": body.get("model", DEFAULT_MODEL),
            "output": output,
            "parallel_tool_calls": bool(body.get("parallel_tool_calls", False)),
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": body.get("tools", []),
            "metadata": {},
            "temperature": None,
            "top_p": None,
            "error": None,
            "incomplete_details": None,
            "instructions": None,
            **({"usage": usage} if usage else {}),
        }

    def events(self, body: JSON, output: list[JSON]) -> list[JSON]:
        """The full event sequence of one streamed response (without sequence numbers)."""
        rid = self._new_id("resp")
        evs: list[JSON] = [
            {
                "type": "response.created",
                "response": self._response(rid, body, "in_progress", [], None),
            },
            {
                "type": "response.in_progress",
                "response": self._response(rid, body, "in_progress", [], None),
            },
        ]
        for index, item in enumerate(output):
            started = {**item, "status": "in_progress"}
            if item["type"] == "message":
                started["content"] = []
            elif item["type"] == "function_call":
                started["arguments"] = ""
            else:
                started["input"] = ""
            evs.append(
                {"type": "response.output_item.added", "output_index": index, "item": started}
            )
            evs += _item_deltas(item, index)
            evs.append({"type": "response.output_item.done", "output_index": index, "item": item})
        text = json.dumps(body.get("input", []))
        usage = {
            "input_tokens": max(1, len(text) // 4),
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 17 * len(output),
            "output_tokens_details": {"reasoning_tokens": 0},
        }
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
        evs.append(
            {
                "type": "response.completed",
                "response": self._response(rid, body, "completed", output, usage),
            }
        )
        return evs


def _item_deltas(item: JSON, index: int) -> list[JSON]:
    ref = {"item_id": item["id"], "output_index": index}
    if item["type"] == "message":
        text = item["content"][0]["text"]
        part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
        at = {**ref, "content_index": 0}
        return [
            {"type": "response.content_part.added", **at, "part": part},
            {"type": "response.output_text.delta", **at, "delta": text, "logprobs": []},
            {"type": "response.output_text.done", **at, "text": text, "logprobs": []},
            {"type": "response.content_part.done", **at, "part": {**part, "text": text}},
        ]
    if item["type"] == "function_call":
        args = item["arguments"]
        return [
            {"type": "response.function_call_arguments.delta", **ref, "delta": args},
            {
                "type": "response.function_call_arguments.done",
                **ref,
                "name": item["name"],
                "arguments": args,
            },
        ]
    patch = item["input"]
    return [
        {"type": "response.custom_tool_call_input.delta", **ref, "delta": patch},
        {"type": "response.custom_tool_call_input.done", **ref, "input": patch},
    ]


def classify(headers: dict[str, str]) -> tuple[str, JSON]:
    try:
        metadata = json.loads(headers.get("x-codex-turn-metadata", "{}"))
    except ValueError:
        metadata = {}
    if not isinstance(metadata, dict):
        metadata = {}
    if (
        headers.get("x-openai-subagent") == "guardian"
        or metadata.get("thread_source") == "guardian_review"
    ):
        return "guardian", metadata
    if metadata.get("thread_source") == "thread_title":
        return "title", metadata
    if metadata.get("thread_source", "user") == "user":
        return "main", metadata
    return "side", metadata


def _make_handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _plain(self, status: int, value: JSON) -> None:
            data = json.dumps(value).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            fake.calls.append(RecordedCall("GET", self.path, dict(self.headers), None, "other", {}))
            self._plain(404, {"error": {"message": "not here", "type": "invalid_request_error"}})

        def do_POST(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            size = int(headers.get("content-length", "0"))
            raw = self.rfile.read(size) if size else b""
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            if self.path.rstrip("/") != "/v1/responses" or not isinstance(body, dict):
                fake.calls.append(RecordedCall("POST", self.path, headers, None, "other", {}))
                self._plain(
                    404, {"error": {"message": "unknown endpoint", "type": "invalid_request_error"}}
                )
                return
            kind, metadata = classify(headers)
            fake.calls.append(RecordedCall("POST", self.path, headers, body, kind, metadata))
            fake.spec_errors += openai_spec.request_errors(body)
            if fake.api_key and headers.get("authorization") != f"Bearer {fake.api_key}":
                fake.spec_errors.append(f"{kind} request without the expected API key")
            events = fake.events(body, fake.answer(body, kind))
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for number, event in enumerate(events):
                event["sequence_number"] = number
                fake.spec_errors += openai_spec.event_errors(event)
                chunk = f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    return Handler
