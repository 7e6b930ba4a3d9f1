#!/usr/bin/env python3
"""A fake ``claude`` CLI for cc-orchestrator's tests (stdlib only).

It behaves like the real Claude Code CLI as far as an orchestrator can observe it (flags,
stream-json output, hooks and their payloads, transcript, the screen in a tmux pane, exit codes)
but never talks to a model: the "assistant" follows directives written in the prompt text.

Modes
-----
* Interactive (no ``-p``): draws a small screen, runs the positional prompt as the first turn,
  then reads prompts from stdin (the tmux pane's terminal, put in raw mode; bracketed paste is
  enabled so ``paste-buffer -p`` text is ONE prompt with its newlines). Idle: the last line is
  ``❯ `` (the input prompt). Working: ``✶ Working… (esc to interrupt)``. Keys: Enter submits,
  Esc or C-c interrupts a working turn (no Stop hook, like the real CLI), C-c twice or C-d on an
  empty input exits, ``/exit`` (or ``/quit``) exits, ``/clear`` starts a new session, EOF exits.
  On exit it prints ``Resume this session with: claude --resume <id>``.
* Headless (``-p``): one turn (or, with ``--input-format stream-json``, one turn per user message
  line until EOF), output per ``--output-format`` (text | json | stream-json, the last one needs
  ``--verbose`` like the real CLI). Exit status 1 when the last result is an error.
  ``--max-turns N``: every assistant message (text or tool_use) is one turn; going past N ends
  with ``subtype: error_max_turns``, ``is_error: true``, no Stop hook. A stream-json
  ``control_request`` interrupt answers a ``control_response`` and ends the running turn with
  ``subtype: error_during_execution`` (no Stop hook). Both are best guesses of the real shapes.

Directives (one per line, or separated by ``;`` -- write ``\\;`` for a literal semicolon)
-----------------------------------------------------------------------------------------
``write <relpath> <content...>``  Write tool (Pre/PostToolUse hooks); content escapes ``\\n``,
                                  ``\\t``, ``\\\\``; the path is relative to the cwd.
``bash <command...>``             Bash tool: runs ``sh -c command`` in the cwd, no permission asked.
``ask [command...]``              Bash tool that needs permission: PreToolUse, PermissionRequest,
                                  Notification(permission_prompt), then the dialog
                                  ``Do you want to proceed?`` / ``1. Yes`` / ``2. No, ...``.
                                  Answer keys: ``1``, ``y`` or Enter = yes (the tool runs, the
                                  turn goes on); ``2``, ``n``, Esc or C-c = no (the turn ends
                                  WITHOUT a Stop hook and without PostToolUse, like the real CLI).
                                  A digit answers at once, no Enter needed (an extra Enter is
                                  harmless). Up/Down + Enter work too. No dialog under
                                  ``bypassPermissions`` or when a PreToolUse hook answers
                                  ``permissionDecision: allow`` or a PermissionRequest hook answers
                                  ``decision.behavior`` allow/deny. Headless: no dialog and no
                                  PermissionRequest; denied and recorded in
                                  ``permission_denials`` unless bypassPermissions (the turn
                                  goes on, as the model would after a denial).
``sleep <seconds>``               Works that long (status busy; interruptible).
``crash``                         ``os._exit(3)`` at once: no hook, no output (like SIGKILL).
``hang``                          Stops responding (no hooks, SIGINT ignored) until killed.
``fail``                          API error: no Stop hook; headless result ``is_error: true``,
                                  ``terminal_reason: "api_error"``, exit 1; interactive prints
                                  ``API Error: ...`` and returns to the prompt.
``exit``                          Exits cleanly after this turn (Stop, then SessionEnd "other").
``cost <usd>``                    Cost of this turn (default 0.01 USD per turn).
``recall``                        Answers with the session's earlier prompts (checks ``--resume``).
Anything else is echoed as the assistant's text (consecutive lines joined by newlines).

Hooks
-----
Hooks come from ``$CLAUDE_CONFIG_DIR/settings.json``, ``<cwd>/.claude/settings.json``,
``<cwd>/.claude/settings.local.json`` and ``--settings`` (JSON text or a file path), merged.
Each ``{"type": "command"}`` hook runs as ``sh -c <command>`` in the cwd, synchronously, with
the payload JSON on stdin, the process environment plus ``CLAUDE_PROJECT_DIR`` and
``CLAUDECODE=1``, killed after ``timeout`` seconds (default 60). Matchers (regex, ``*`` or empty
= all) apply to tool_name (PreToolUse, PostToolUse, PermissionRequest), notification_type
(Notification), source (SessionStart) and reason (SessionEnd). Exit status 2 or JSON output
blocks like the real CLI: PreToolUse (exit 2 / ``permissionDecision: deny``) blocks the tool,
UserPromptSubmit (exit 2 / ``decision: block``) drops the prompt, Stop (exit 2 /
``decision: block``) makes the assistant continue and fires Stop again with
``stop_hook_active: true``.

Files
-----
Config dir: ``$CLAUDE_CONFIG_DIR`` or ``~/.claude-fake``. Transcript (JSONL, user / assistant
records with ``usage``, plus ``cost-state`` records with ``totalCostUSD``):
``<config>/projects/<cwd with non-alphanumerics as ->/<session id>.jsonl``; ``--resume`` looks the
session up there (same cwd, as the real CLI) and appends to it. Interactive instances also keep
``<config>/sessions/<pid>.json`` with ``status`` idle|busy|waiting and ``waitingFor``.

Environment knobs
-----------------
``FAKE_CLAUDE_IDLE_NOTIFY_DELAY``   seconds after a turn before Notification(idle_prompt);
                                    default 60 (the real CLI's), negative = never.
``FAKE_CLAUDE_PERMISSION_NOTIFY_DELAY``  seconds into a permission dialog before
                                    Notification(permission_prompt); default 0 (real: ~6).
``FAKE_CLAUDE_STARTUP_DELAY``       seconds before the interactive screen appears; default 0.
``FAKE_CLAUDE_LOG``                 append a debug log (events, hook exit codes) to this file.
As root, bypassPermissions exits 1 unless ``IS_SANDBOX=1`` (the real CLI does the same).
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, Protocol

VERSION = "0.0.0-fake"
DEFAULT_MODEL = "claude-sonnet-4-5-20250929"
DEFAULT_TURN_COST = 0.01
TOOLS = [
    "Task",
    "Bash",
    "Glob",
    "Grep",
    "LS",
    "ExitPlanMode",
    "Read",
    "Edit",
    "MultiEdit",
    "Write",
    "NotebookEdit",
    "WebFetch",
    "TodoWrite",
    "WebSearch",
    "BashOutput",
    "KillShell",
]
PERMISSION_MODES = ["acceptEdits", "bypassPermissions", "default", "dontAsk", "plan", "auto"]
MATCHER_FIELDS = {
    "PreToolUse": "tool_name",
    "PostToolUse": "tool_name",
    "PermissionRequest": "tool_name",
    "Notification": "notification_type",
    "SessionStart": "source",
    "SessionEnd": "reason",
}
API_ERROR_TEXT = (
    'API Error: 500 {"type":"error","error":{"type":"api_error",'
    '"message":"Internal server error (fake)"}}'
)
SPINNER_LINE = "✶ Working… (esc to interrupt)"
PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
CSI_RE = re.compile(r"\x1b\[[0-9;?<=>]*[ -/]*[@-~]")
CSI_PARTIAL_RE = re.compile(r"\x1b(\[[0-9;?<=>]*[ -/]*)?$")
FLOAT_RE = r"(\d+(?:\.\d*)?|\.\d+)"


# --------------------------------------------------------------------------------------------
# small helpers


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def out(text: str) -> None:
    """Write to stdout unbuffered (bytes, UTF-8 whatever the locale)."""
    data = text.encode("utf-8", "replace")
    try:
        while data:
            n = os.write(1, data)
            data = data[n:]
    except (BrokenPipeError, OSError):
        os._exit(1)


def emit_json(obj: dict[str, Any]) -> None:
    out(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")


def fail_cli(message: str, code: int = 1) -> NoReturn:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    raise SystemExit(code)


_LOG_PATH = os.environ.get("FAKE_CLAUDE_LOG")


def log(message: str) -> None:
    if not _LOG_PATH:
        return
    with contextlib.suppress(OSError), open(_LOG_PATH, "a", encoding="utf-8") as fh:
        fh.write(f"{time.time():.3f} pid={os.getpid()} {message}\n")


def env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def project_key(cwd: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "-", cwd)


def unescape(text: str) -> str:
    mapping = {"n": "\n", "t": "\t", "\\": "\\", ";": ";", "r": "\r"}
    result: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in mapping:
            result.append(mapping[text[i + 1]])
            i += 2
            continue
        result.append(ch)
        i += 1
    return "".join(result)


def split_segments(prompt: str) -> list[str]:
    """Split a prompt into lines and ';'-separated segments (``\\;`` does not split)."""
    segments: list[str] = []
    for line in prompt.splitlines():
        current: list[str] = []
        i = 0
        while i < len(line):
            ch = line[i]
            if ch == "\\" and i + 1 < len(line):
                current.append(line[i : i + 2])
                i += 2
                continue
            if ch == ";":
                segments.append("".join(current).strip())
                current = []
            else:
                current.append(ch)
            i += 1
        segments.append("".join(current).strip())
    return segments


@dataclass
class Action:
    kind: str  # text write bash ask sleep crash hang fail exit cost recall
    arg: str = ""
    extra: str = ""
    number: float = 0.0


def parse_actions(prompt: str) -> list[Action]:
    actions: list[Action] = []
    for seg in split_segments(prompt):
        if not seg:
            continue
        if seg in ("crash", "hang", "fail", "exit", "recall", "ask"):
            actions.append(Action(seg))
            continue
        m = re.fullmatch(r"write\s+(\S+)(?:\s(.*))?", seg, re.S)
        if m:
            actions.append(Action("write", unescape(m.group(1)), unescape(m.group(2) or "")))
            continue
        m = re.fullmatch(r"(sleep|cost)\s+\$?" + FLOAT_RE, seg)
        if m:
            actions.append(Action(m.group(1), number=float(m.group(2))))
            continue
        m = re.fullmatch(r"(bash|ask)\s+(.+)", seg, re.S)
        if m:
            actions.append(Action(m.group(1), unescape(m.group(2))))
            continue
        actions.append(Action("text", unescape(seg)))
    return actions


# --------------------------------------------------------------------------------------------
# command line


class CliParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        fail_cli(f"error: {message}")


def build_parser() -> CliParser:
    p = CliParser(prog="claude", allow_abbrev=False, add_help=True)
    p.add_argument("prompt", nargs="?")
    p.add_argument("-p", "--print", dest="print_mode", action="store_true")
    p.add_argument("--output-format", choices=["text", "json", "stream-json"], default="text")
    p.add_argument("--input-format", choices=["text", "stream-json"], default="text")
    p.add_argument("--verbose", action="store_true")
    p.add_argument("-d", "--debug", nargs="?", const="")
    p.add_argument("--settings", action="append", default=[])
    p.add_argument("--permission-mode", choices=PERMISSION_MODES)
    p.add_argument("--dangerously-skip-permissions", action="store_true")
    p.add_argument("-r", "--resume", nargs="?", const="")
    p.add_argument("-c", "--continue", dest="continue_", action="store_true")
    p.add_argument("--fork-session", action="store_true")
    p.add_argument("--session-id")
    p.add_argument("--max-turns", type=int)
    p.add_argument("--model")
    p.add_argument("--fallback-model")
    p.add_argument("--append-system-prompt")
    p.add_argument("--system-prompt")
    p.add_argument("--allowedTools", "--allowed-tools", nargs="+", action="extend", default=[])
    p.add_argument(
        "--disallowedTools", "--disallowed-tools", nargs="+", action="extend", default=[]
    )
    p.add_argument("--add-dir", nargs="+", action="extend", default=[])
    p.add_argument("--mcp-config", nargs="+", action="extend", default=[])
    p.add_argument("--strict-mcp-config", action="store_true")
    p.add_argument("--include-partial-messages", action="store_true")
    p.add_argument("--replay-user-messages", action="store_true")
    p.add_argument("--permission-prompt-tool")
    p.add_argument("-v", "--version", action="store_true")
    return p


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = build_parser()
    # `--` ends the options, as in the real CLI: what follows is the prompt, even if it
    # starts with "-" (argparse's own handling of `--` with parse_known_args is unreliable).
    rest: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, rest = argv[:cut], argv[cut + 1 :]
    args, unknown = parser.parse_known_args(argv)
    if rest:
        if len(rest) > 1 or getattr(args, "prompt", None) is not None:
            fail_cli(f"error: too many arguments. Expected 1 argument but got {len(rest) + 1}.")
        args.prompt = rest[0]
    for item in unknown:
        if item.startswith("-"):
            fail_cli(f"error: unknown option '{item}'")
    if unknown:
        fail_cli(f"error: too many arguments. Expected 1 argument but got {1 + len(unknown)}.")
    return args


def load_settings_arg(value: str) -> dict[str, Any]:
    text = value
    if not value.lstrip().startswith("{"):
        try:
            text = Path(value).read_text(encoding="utf-8")
        except OSError as exc:
            fail_cli(f"Error: Settings file not found: {value} ({exc.strerror})")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        fail_cli(f"Error: Invalid JSON provided to --settings: {exc}")
    if not isinstance(data, dict):
        fail_cli("Error: --settings must be a JSON object")
    return data


def merge_hooks(target: dict[str, list[Any]], settings: dict[str, Any]) -> None:
    hooks = settings.get("hooks")
    if not isinstance(hooks, dict):
        return
    for event, groups in hooks.items():
        if isinstance(groups, list):
            target.setdefault(str(event), []).extend(g for g in groups if isinstance(g, dict))


# --------------------------------------------------------------------------------------------
# hooks


@dataclass
class HookOutcome:
    exit_code: int
    stdout: str
    stderr: str
    data: dict[str, Any] | None


class Session:
    """Session identity, transcript, hooks and the interactive status file."""

    def __init__(self, args: argparse.Namespace, hooks: dict[str, list[Any]], mode: str) -> None:
        self.cwd = os.getcwd()
        self.model = args.model or DEFAULT_MODEL
        self.permission_mode: str = args.permission_mode or "default"
        if args.dangerously_skip_permissions:
            self.permission_mode = "bypassPermissions"
        self.hooks = hooks
        self.mode = mode
        self.config_dir = Path(
            os.environ.get("CLAUDE_CONFIG_DIR") or Path.home() / ".claude-fake"
        ).expanduser()
        self.project_dir = self.config_dir / "projects" / project_key(self.cwd)
        self.total_cost = 0.0
        self.history: list[tuple[str, str]] = []  # (role, text): conversation so far
        self.last_uuid: str | None = None
        self.source = "startup"
        self.status_file: Path | None = None
        self.started_ms = int(time.time() * 1000)
        resume_id: str | None = args.resume
        if args.continue_ and not resume_id:
            resume_id = self._latest_session() or ""
            if not resume_id:
                fail_cli("No conversation found to continue")
        if resume_id is not None:
            if not resume_id:
                fail_cli("Error: --resume needs a session id in the fake claude (no picker)")
            path = self.project_dir / f"{resume_id}.jsonl"
            if not path.is_file():
                fail_cli(f"No conversation found with session ID: {resume_id}")
            self._load(path)
            self.source = "resume"
            if args.fork_session:
                self.session_id = args.session_id or str(uuid.uuid4())
                self.transcript_path = self.project_dir / f"{self.session_id}.jsonl"
                self.transcript_path.write_bytes(path.read_bytes())
            else:
                self.session_id = resume_id
                self.transcript_path = path
        else:
            if args.session_id:
                try:
                    uuid.UUID(args.session_id)
                except ValueError:
                    fail_cli("Error: Invalid session ID. Must be a valid UUID.")
                self.session_id = args.session_id
            else:
                self.session_id = str(uuid.uuid4())
            self.transcript_path = self.project_dir / f"{self.session_id}.jsonl"
            if self.transcript_path.exists():
                fail_cli(f"Error: Session ID {self.session_id} is already in use.")

    # -- transcript ---------------------------------------------------------------------------

    def _latest_session(self) -> str | None:
        files = sorted(self.project_dir.glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
        return files[-1].stem if files else None

    def _load(self, path: Path) -> None:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(rec, dict):
                continue
            if rec.get("uuid"):
                self.last_uuid = rec["uuid"]
            msg = rec.get("message") or {}
            if rec.get("type") == "user" and isinstance(msg.get("content"), str):
                if not rec.get("isMeta"):
                    self.history.append(("user", msg["content"]))
            elif rec.get("type") == "assistant":
                for block in msg.get("content") or []:
                    if isinstance(block, dict) and block.get("type") == "text":
                        self.history.append(("assistant", str(block.get("text", ""))))

    def prior_prompts(self) -> list[str]:
        return [text for role, text in self.history if role == "user"]

    def record(self, rec_type: str, body: dict[str, Any], rec_uuid: str | None = None) -> str:
        rec_uuid = rec_uuid or str(uuid.uuid4())
        rec: dict[str, Any] = {
            "parentUuid": self.last_uuid,
            "isSidechain": False,
            "userType": "external",
            "cwd": self.cwd,
            "sessionId": self.session_id,
            "version": VERSION,
            "type": rec_type,
            **body,
            "uuid": rec_uuid,
            "timestamp": now_iso(),
        }
        self.last_uuid = rec_uuid
        self._append(rec)
        return rec_uuid

    def record_cost(self) -> None:
        self._append(
            {
                "type": "cost-state",
                "sessionId": self.session_id,
                "totalCostUSD": round(self.total_cost, 6),
                "timestamp": now_iso(),
            }
        )

    def _append(self, rec: dict[str, Any]) -> None:
        self.transcript_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.transcript_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")

    # -- hooks --------------------------------------------------------------------------------

    def fire(self, event: str, **fields: Any) -> list[HookOutcome]:
        groups = self.hooks.get(event) or []
        if not groups:
            return []
        payload = {
            "session_id": self.session_id,
            "transcript_path": str(self.transcript_path),
            "cwd": self.cwd,
            "permission_mode": self.permission_mode,
            "hook_event_name": event,
            **fields,
        }
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        match_field = MATCHER_FIELDS.get(event)
        match_value = str(fields.get(match_field, "")) if match_field else None
        commands: list[tuple[str, float]] = []
        for group in groups:
            matcher = group.get("matcher")
            if match_value is not None and matcher not in (None, "", "*"):
                try:
                    matched = re.fullmatch(str(matcher), match_value) is not None
                except re.error:
                    matched = str(matcher) == match_value
                if not matched:
                    continue
            for hook in group.get("hooks") or []:
                if not isinstance(hook, dict) or hook.get("type", "command") != "command":
                    continue
                command = hook.get("command")
                if not isinstance(command, str) or not command:
                    continue
                try:
                    timeout = float(hook.get("timeout", 60))
                except (TypeError, ValueError):
                    timeout = 60.0
                if all(c != command for c, _ in commands):
                    commands.append((command, timeout))
        return [self._run_hook(event, command, timeout, data) for command, timeout in commands]

    def _run_hook(self, event: str, command: str, timeout: float, data: bytes) -> HookOutcome:
        env = dict(os.environ)
        env["CLAUDE_PROJECT_DIR"] = self.cwd
        env["CLAUDECODE"] = "1"
        env.setdefault("CLAUDE_CODE_ENTRYPOINT", "cli" if self.mode == "interactive" else "sdk-cli")
        try:
            proc = subprocess.Popen(
                ["sh", "-c", command],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=self.cwd,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            log(f"hook {event} failed to start: {exc}")
            return HookOutcome(1, "", str(exc), None)
        try:
            stdout_b, stderr_b = proc.communicate(data, timeout=timeout)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            try:
                stdout_b, stderr_b = proc.communicate(timeout=2)
            except subprocess.TimeoutExpired:
                stdout_b, stderr_b = b"", b""
            code = 1
            log(f"hook {event} timed out after {timeout}s: {command}")
        stdout = stdout_b.decode("utf-8", "replace")
        stderr = stderr_b.decode("utf-8", "replace")
        parsed: dict[str, Any] | None = None
        if stdout.strip().startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(stdout)
                if isinstance(value, dict):
                    parsed = value
        log(f"hook {event} exit={code}")
        return HookOutcome(code, stdout, stderr, parsed)

    # -- interactive status file ---------------------------------------------------------------

    def set_status(self, status: str, waiting_for: str | None = None) -> None:
        if self.mode != "interactive":
            return
        sessions = self.config_dir / "sessions"
        self.status_file = sessions / f"{os.getpid()}.json"
        info: dict[str, Any] = {
            "pid": os.getpid(),
            "sessionId": self.session_id,
            "cwd": self.cwd,
            "startedAt": self.started_ms,
            "kind": "interactive",
            "status": status,
            "updatedAt": int(time.time() * 1000),
        }
        if waiting_for:
            info["waitingFor"] = waiting_for
        try:
            sessions.mkdir(parents=True, exist_ok=True)
            tmp = sessions / f".{os.getpid()}.json.tmp"
            tmp.write_text(json.dumps(info), encoding="utf-8")
            os.replace(tmp, self.status_file)
        except OSError:
            pass

    def clear_status(self) -> None:
        if self.status_file is not None:
            with contextlib.suppress(OSError):
                self.status_file.unlink()


def block_reason(outcomes: list[HookOutcome], decision_key: str = "decision") -> str | None:
    """The reason when a hook blocked (exit 2 or JSON decision "block"), else None."""
    for o in outcomes:
        if o.exit_code == 2:
            return o.stderr.strip() or "blocked by hook"
        if o.data and o.data.get(decision_key) == "block":
            return str(o.data.get("reason") or "blocked by hook")
    return None


# --------------------------------------------------------------------------------------------
# terminal input


@dataclass
class Event:
    kind: str  # text paste enter esc ctrl_c ctrl_d backspace up down key eof
    text: str = ""


class InputReader:
    """Blocking, select-based reader turning terminal bytes into key events."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = ""
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.eof = False
        self.in_paste = False
        self.paste: list[str] = []
        self.pending: deque[Event] = deque()
        self._need_more = False

    def push_back(self, events: list[Event]) -> None:
        self.pending.extendleft(reversed(events))

    def _fill(self, timeout: float | None) -> bool:
        if self.eof:
            return False
        try:
            ready, _, _ = select.select([self.fd], [], [], timeout)
        except InterruptedError:
            return False
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b""
        if not data:
            self.eof = True
            self.buf += self.decoder.decode(b"", final=True)
            return True
        self.buf += self.decoder.decode(data)
        return True

    def next_event(self, timeout: float | None) -> Event | None:
        """Next event; None when ``timeout`` seconds pass without one."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self.pending:
                return self.pending.popleft()
            event = self._parse()
            if event is not None:
                if event.kind == "key":
                    continue
                return event
            if self._need_more:
                # a lone ESC or a partial sequence: wait briefly for the rest
                if not self._fill(0.05):
                    self.buf = self.buf[1:]
                    return Event("esc")
                continue
            if self.eof:
                if self.in_paste:  # unterminated paste at EOF: deliver what we have
                    self.in_paste = False
                    text, self.paste = "".join(self.paste), []
                    return Event("paste", normalize_newlines(text))
                return Event("eof")
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if remaining is not None and remaining <= 0:
                return None
            filled = self._fill(remaining)
            if not filled and deadline is not None and time.monotonic() >= deadline:
                return None

    def _parse(self) -> Event | None:
        self._need_more = False
        b = self.buf
        if not b:
            return None
        if self.in_paste:
            idx = b.find(PASTE_END)
            if idx >= 0:
                self.paste.append(b[:idx])
                self.buf = b[idx + len(PASTE_END) :]
                self.in_paste = False
                text, self.paste = "".join(self.paste), []
                return Event("paste", normalize_newlines(text))
            keep = 0
            for k in range(min(len(b), len(PASTE_END) - 1), 0, -1):
                if PASTE_END.startswith(b[-k:]):
                    keep = k
                    break
            self.paste.append(b[: len(b) - keep])
            self.buf = b[len(b) - keep :]
            return None
        ch = b[0]
        if ch == "\x1b":
            if b.startswith(PASTE_START):
                self.buf = b[len(PASTE_START) :]
                self.in_paste = True
                return self._parse()
            m = CSI_RE.match(b)
            if m:
                self.buf = b[m.end() :]
                final = m.group()[-1]
                return Event({"A": "up", "B": "down"}.get(final, "key"))
            if len(b) >= 3 and b[1] == "O":
                self.buf = b[3:]
                return Event({"A": "up", "B": "down"}.get(b[2], "key"))
            if (CSI_PARTIAL_RE.match(b) or b == "\x1bO") and not self.eof:
                self._need_more = True
                return None
            self.buf = b[1:]
            return Event("esc")
        if ch in "\r\n":
            self.buf = b[2:] if b.startswith("\r\n") else b[1:]
            return Event("enter")
        simple = {"\x03": "ctrl_c", "\x04": "ctrl_d", "\x7f": "backspace", "\x08": "backspace"}
        if ch in simple:
            self.buf = b[1:]
            return Event(simple[ch])
        if ch != "\t" and ord(ch) < 0x20:
            self.buf = b[1:]
            return Event("key")
        m = re.match(r"[^\x00-\x08\x0a-\x1f\x7f]+", b)
        assert m is not None
        self.buf = b[m.end() :]
        return Event("text", m.group())


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class LineReader:
    """Line reader over a raw fd with a timeout (headless --input-format stream-json)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = b""
        self.eof = False

    def next_line(self, timeout: float | None) -> str | None:
        """A line (without newline); "" never; None on timeout; raises EOFError at EOF."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            idx = self.buf.find(b"\n")
            if idx >= 0:
                line, self.buf = self.buf[:idx], self.buf[idx + 1 :]
                text = line.decode("utf-8", "replace").strip()
                if text:
                    return text
                continue
            if self.eof:
                if self.buf.strip():
                    text, self.buf = self.buf.decode("utf-8", "replace").strip(), b""
                    return text
                raise EOFError
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if remaining is not None and remaining <= 0:
                return None
            try:
                ready, _, _ = select.select([self.fd], [], [], remaining)
            except InterruptedError:
                continue
            if not ready:
                return None
            data = os.read(self.fd, 65536)
            if not data:
                self.eof = True
            self.buf += data


# --------------------------------------------------------------------------------------------
# the agent loop


class UI(Protocol):
    interactive: bool

    def begin_turn(self, prompt: str) -> None: ...
    def message(self, event: dict[str, Any]) -> None: ...
    def show_text(self, text: str) -> None: ...
    def show_tool(self, name: str, tool_input: dict[str, Any], result: str, err: bool) -> None: ...
    def work(self, seconds: float) -> bool: ...
    def ask(self, tool_name: str, tool_input: dict[str, Any]) -> str: ...
    def show_error(self, text: str) -> None: ...
    def show_interrupted(self, text: str) -> None: ...


@dataclass
class TurnResult:
    kind: str  # success | api_error | max_turns | interrupted | blocked
    text: str = ""
    num_turns: int = 0
    cost: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    duration_ms: int = 0
    denials: list[dict[str, Any]] = field(default_factory=list)
    exit_after: bool = False


class MaxTurns(Exception):
    pass


class Interrupted(Exception):
    pass


class Agent:
    def __init__(self, session: Session, ui: UI, max_turns: int | None) -> None:
        self.s = session
        self.ui = ui
        self.max_turns = max_turns if max_turns and max_turns > 0 else None
        self._prompt = ""

    # each model call is one assistant message with its own usage
    def _assistant(self, tr: TurnResult, block: dict[str, Any], stop: str | None) -> None:
        if self.max_turns is not None and tr.num_turns >= self.max_turns:
            raise MaxTurns
        tr.num_turns += 1
        text = block.get("text") or json.dumps(block.get("input", {}))
        input_tokens = 40 + len(self._prompt) // 4
        output_tokens = 8 + len(text) // 4
        usage = {
            "input_tokens": input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": output_tokens,
            "service_tier": "standard",
        }
        tr.input_tokens += input_tokens
        tr.output_tokens += output_tokens
        self._send_assistant(block, stop, usage)

    def _send_assistant(
        self, block: dict[str, Any], stop: str | None, usage: dict[str, Any], **extra: Any
    ) -> None:
        message = {
            "id": "msg_fake_" + uuid.uuid4().hex[:24],
            "type": "message",
            "role": "assistant",
            "model": extra.pop("model", self.s.model),
            "content": [block],
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        }
        rec_uuid = self.s.record("assistant", {"message": message, **extra})
        self.ui.message(
            {
                "type": "assistant",
                "message": message,
                "parent_tool_use_id": None,
                "session_id": self.s.session_id,
                "uuid": rec_uuid,
            }
        )
        if block.get("type") == "text":
            self.s.history.append(("assistant", str(block["text"])))

    def _tool_result(self, tool_id: str, content: str, is_error: bool, extra: Any) -> None:
        message = {
            "role": "user",
            "content": [
                {
                    "tool_use_id": tool_id,
                    "type": "tool_result",
                    "content": content,
                    "is_error": is_error,
                }
            ],
        }
        rec_uuid = self.s.record("user", {"message": message, "toolUseResult": extra})
        self.ui.message(
            {
                "type": "user",
                "message": message,
                "parent_tool_use_id": None,
                "session_id": self.s.session_id,
                "uuid": rec_uuid,
                "tool_use_result": extra,
            }
        )

    def _flush_text(self, tr: TurnResult, pending: list[str]) -> None:
        if pending:
            text = "\n".join(pending)
            pending.clear()
            self._assistant(tr, {"type": "text", "text": text}, None)
            self.ui.show_text(text)

    def run_turn(self, prompt: str) -> TurnResult:
        started = time.monotonic()
        self._prompt = prompt
        tr = TurnResult("success")
        self.s.set_status("busy")
        outcomes = self.s.fire("UserPromptSubmit", prompt=prompt)
        reason = block_reason(outcomes)
        if reason is not None:
            self.ui.show_error(f"UserPromptSubmit operation blocked by hook:\n{reason}")
            tr.kind = "blocked"
            tr.text = reason
            return tr
        self.ui.begin_turn(prompt)
        self.s.record("user", {"message": {"role": "user", "content": prompt}})
        self.s.history.append(("user", prompt))
        earlier = self.s.prior_prompts()[:-1]
        cost: float | None = None
        pending: list[str] = []
        try:
            for action in parse_actions(prompt):
                k = action.kind
                if k == "text":
                    pending.append(action.arg)
                elif k == "recall":
                    lines = [f"Earlier prompts ({len(earlier)}):"]
                    lines += [f"{i}. {p}" for i, p in enumerate(earlier, 1)]
                    pending.append("\n".join(lines))
                elif k == "cost":
                    cost = action.number
                elif k == "exit":
                    tr.exit_after = True
                elif k == "crash":
                    log("crash")
                    os._exit(3)
                elif k == "hang":
                    log("hang")
                    hang_forever()
                elif k == "sleep":
                    if not self.ui.work(action.number):
                        raise Interrupted
                elif k == "fail":
                    self._flush_text(tr, pending)
                    return self._api_error(tr, started, cost)
                elif k in ("write", "bash", "ask"):
                    self._flush_text(tr, pending)
                    self._tool(tr, action)
            if not pending:
                pending.append("Done.")
            self._flush_text(tr, pending)
            tr.text = self.s.history[-1][1]
            self._stop_hooks(tr, pending)
        except MaxTurns:
            tr.kind = "max_turns"
        except Interrupted:
            tr.kind = "interrupted"
            self.s.record(
                "user",
                {
                    "message": {
                        "role": "user",
                        "content": [{"type": "text", "text": "[Request interrupted by user]"}],
                    }
                },
            )
            self.ui.show_interrupted("Interrupted · What should Claude do instead?")
        tr.cost = (cost if cost is not None else DEFAULT_TURN_COST) if tr.num_turns else 0.0
        self._finish(tr, started)
        return tr

    def _stop_hooks(self, tr: TurnResult, pending: list[str]) -> None:
        active = False
        for _ in range(10):
            outcomes = self.s.fire("Stop", stop_hook_active=active, last_assistant_message=tr.text)
            reason = block_reason(outcomes)
            if reason is None:
                return
            active = True
            pending.append(f"Stop hook feedback: {reason}\nContinuing.")
            self._flush_text(tr, pending)
            tr.text = self.s.history[-1][1]

    def _finish(self, tr: TurnResult, started: float) -> None:
        tr.duration_ms = int((time.monotonic() - started) * 1000) + 1
        self.s.total_cost += tr.cost
        if tr.cost:
            self.s.record_cost()

    def _api_error(self, tr: TurnResult, started: float, cost: float | None) -> TurnResult:
        tr.kind = "api_error"
        tr.text = API_ERROR_TEXT
        usage = {
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
        tr.num_turns += 1
        self._send_assistant(
            {"type": "text", "text": API_ERROR_TEXT},
            "stop_sequence",
            usage,
            model="<synthetic>",
            isApiErrorMessage=True,
        )
        self.ui.show_error(API_ERROR_TEXT)
        tr.cost = cost or 0.0
        self._finish(tr, started)
        return tr

    def _tool(self, tr: TurnResult, action: Action) -> None:
        tool_id = "toolu_fake_" + uuid.uuid4().hex[:20]
        name: str
        tool_input: dict[str, Any]
        needs_permission = action.kind == "ask"
        if action.kind == "write":
            name = "Write"
            tool_input = {
                "file_path": os.path.join(self.s.cwd, action.arg),
                "content": action.extra,
            }
        else:
            name = "Bash"
            command = action.arg or "echo 'fake permission check'"
            tool_input = {"command": command, "description": "Run a command (fake)"}
        self._assistant(
            tr, {"type": "tool_use", "id": tool_id, "name": name, "input": tool_input}, "tool_use"
        )
        pre = self.s.fire("PreToolUse", tool_name=name, tool_input=tool_input, tool_use_id=tool_id)
        decision = None
        for o in pre:
            if o.exit_code == 2:
                decision = ("deny", o.stderr.strip() or "Blocked by PreToolUse hook")
                break
            spec = (o.data or {}).get("hookSpecificOutput") or {}
            pd = spec.get("permissionDecision") if isinstance(spec, dict) else None
            if pd in ("allow", "deny"):
                decision = (pd, str(spec.get("permissionDecisionReason") or pd))
                if pd == "deny":
                    break
        if decision and decision[0] == "deny":
            self._tool_done(tr, name, tool_input, tool_id, decision[1], True)
            return
        if decision and decision[0] == "allow":
            needs_permission = False
        if needs_permission and self.s.permission_mode != "bypassPermissions":
            answer = self._permission(name, tool_input, tool_id)
            if answer in ("no", "interrupt"):
                msg = (
                    "The user doesn't want to proceed with this tool use. The tool use was "
                    "rejected (eg. if it was a file edit, the new_string was NOT written to "
                    "the file). STOP what you are doing and wait for the user to tell you "
                    "how to proceed."
                )
                self._tool_result(tool_id, msg, True, "User rejected tool use")
                self.ui.show_tool(name, tool_input, "User rejected the command", True)
                raise Interrupted
            if answer == "deny":
                tr.denials.append(
                    {"tool_name": name, "tool_use_id": tool_id, "tool_input": tool_input}
                )
                msg = f"Claude requested permissions to use {name}, but you haven't granted it yet."
                self._tool_done(tr, name, tool_input, tool_id, msg, True)
                return
        if name == "Write":
            path = Path(tool_input["file_path"])
            existed = path.exists()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(action.extra, encoding="utf-8")
            except OSError as exc:
                self._tool_done(tr, name, tool_input, tool_id, f"Error writing file: {exc}", True)
                return
            response: dict[str, Any] = {
                "type": "update" if existed else "create",
                "filePath": str(path),
                "content": action.extra,
                "structuredPatch": [],
            }
            verb = "Updated" if existed else "File created successfully at"
            result = f"{verb} {path}" if existed else f"{verb}: {path}"
            shown = f"Wrote {action.extra.count(chr(10)) + 1} lines to {action.arg}"
        else:
            proc = subprocess.run(
                ["sh", "-c", tool_input["command"]],
                cwd=self.s.cwd,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                env={**os.environ, "CLAUDECODE": "1"},
                check=False,
            )
            response = {
                "stdout": proc.stdout,
                "stderr": proc.stderr,
                "interrupted": False,
                "isImage": False,
            }
            result = (proc.stdout + proc.stderr).rstrip("\n") or "(no output)"
            if proc.returncode:
                result = f"Error: Exit code {proc.returncode}\n{result}"
            shown = result
        self._tool_result(tool_id, result, False, response)
        self.ui.show_tool(name, tool_input, shown, False)
        self.s.fire(
            "PostToolUse",
            tool_name=name,
            tool_input=tool_input,
            tool_response=response,
            tool_use_id=tool_id,
        )

    def _tool_done(
        self,
        tr: TurnResult,
        name: str,
        tool_input: dict[str, Any],
        tool_id: str,
        msg: str,
        is_error: bool,
    ) -> None:
        self._tool_result(tool_id, msg, is_error, f"Error: {msg}")
        self.ui.show_tool(name, tool_input, msg, is_error)

    def _permission(self, name: str, tool_input: dict[str, Any], tool_id: str) -> str:
        if not self.ui.interactive:
            return "deny"
        self.s.set_status("waiting", "permission")
        outcomes = self.s.fire(
            "PermissionRequest", tool_name=name, tool_input=tool_input, permission_suggestions=[]
        )
        for o in outcomes:
            spec = (o.data or {}).get("hookSpecificOutput") or {}
            decision = spec.get("decision") if isinstance(spec, dict) else None
            if isinstance(decision, dict) and decision.get("behavior") in ("allow", "deny"):
                self.s.set_status("busy")
                return "yes" if decision["behavior"] == "allow" else "deny"
        answer = self.ui.ask(name, tool_input)
        self.s.set_status("busy")
        return answer


def hang_forever() -> NoReturn:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        signal.pause()


# --------------------------------------------------------------------------------------------
# headless mode


class HeadlessUI:
    interactive = False

    def __init__(
        self, session: Session, args: argparse.Namespace, lines: LineReader | None
    ) -> None:
        self.s = session
        self.stream = args.output_format == "stream-json"
        self.lines = lines
        self.queued: deque[str] = deque()
        self.init_sent = False
        self.tools = [t for t in TOOLS if t not in set(args.disallowedTools)]

    def send_init(self) -> None:
        if self.init_sent or not self.stream:
            return
        self.init_sent = True
        emit_json(
            {
                "type": "system",
                "subtype": "init",
                "cwd": self.s.cwd,
                "session_id": self.s.session_id,
                "tools": self.tools,
                "mcp_servers": [],
                "model": self.s.model,
                "permissionMode": self.s.permission_mode,
                "slash_commands": ["compact", "cost", "init", "review"],
                "apiKeySource": "none",
                "claude_code_version": VERSION,
                "output_style": "default",
                "agents": [],
                "skills": [],
                "plugins": [],
                "uuid": str(uuid.uuid4()),
            }
        )

    def begin_turn(self, prompt: str) -> None:
        self.send_init()

    def message(self, event: dict[str, Any]) -> None:
        if self.stream:
            emit_json(event)

    def show_text(self, text: str) -> None:
        pass

    def show_tool(self, name: str, tool_input: dict[str, Any], result: str, err: bool) -> None:
        pass

    def show_error(self, text: str) -> None:
        pass

    def show_interrupted(self, text: str) -> None:
        pass

    def ask(self, tool_name: str, tool_input: dict[str, Any]) -> str:
        return "deny"

    def work(self, seconds: float) -> bool:
        if self.lines is None:
            time.sleep(seconds)
            return True
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            try:
                line = self.lines.next_line(remaining)
            except EOFError:
                time.sleep(max(0.0, deadline - time.monotonic()))
                return True
            if line is None:
                return True
            interrupt = self.control(line)
            if interrupt is None:
                self.queued.append(line)  # a user message sent during the turn: next turn
            elif interrupt:
                return False

    def control(self, line: str) -> bool | None:
        """Answer a control_request line (True if it interrupts); None for other lines."""
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            return None
        if not isinstance(obj, dict) or obj.get("type") != "control_request":
            return None
        request = obj.get("request") or {}
        subtype = request.get("subtype")
        if subtype == "set_permission_mode" and request.get("mode") in PERMISSION_MODES:
            self.s.permission_mode = str(request["mode"])
        emit_json(
            {
                "type": "control_response",
                "response": {
                    "subtype": "success",
                    "request_id": obj.get("request_id"),
                    "response": {},
                },
            }
        )
        return subtype == "interrupt"

    def next_prompt(self) -> str | None:
        """Next user message from stdin stream-json, or None at EOF."""
        assert self.lines is not None
        while True:
            if self.queued:
                line = self.queued.popleft()
            else:
                try:
                    read = self.lines.next_line(None)
                except EOFError:
                    return None
                if read is None or self.control(read) is not None:
                    continue
                line = read
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                fail_cli(f"Error parsing streaming input line: {line}")
            if not isinstance(obj, dict) or obj.get("type") != "user":
                continue
            content = (obj.get("message") or {}).get("content")
            if isinstance(content, list):
                content = "\n".join(
                    str(b.get("text", ""))
                    for b in content
                    if isinstance(b, dict) and b.get("type") == "text"
                )
            if isinstance(content, str):
                return content


def result_event(session: Session, tr: TurnResult) -> dict[str, Any]:
    is_error = tr.kind != "success"
    subtype = {"max_turns": "error_max_turns", "interrupted": "error_during_execution"}.get(
        tr.kind, "success"
    )
    terminal = {
        "success": "completed",
        "api_error": "api_error",
        "max_turns": "max_turns",
        "interrupted": "aborted_streaming",
        "blocked": "hook_blocked",
    }[tr.kind]
    usage = {
        "input_tokens": tr.input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": tr.output_tokens,
        "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
        "service_tier": "standard",
    }
    event: dict[str, Any] = {
        "type": "result",
        "subtype": subtype,
        "is_error": is_error,
        "duration_ms": tr.duration_ms,
        "duration_api_ms": tr.duration_ms,
        "num_turns": tr.num_turns,
        **({"result": tr.text} if tr.kind in ("success", "api_error", "blocked") else {}),
        "stop_reason": {"success": "end_turn", "max_turns": "tool_use"}.get(tr.kind),
        "session_id": session.session_id,
        "total_cost_usd": round(session.total_cost, 6),
        "usage": usage,
        "modelUsage": {
            session.model: {
                "inputTokens": tr.input_tokens,
                "outputTokens": tr.output_tokens,
                "cacheReadInputTokens": 0,
                "cacheCreationInputTokens": 0,
                "webSearchRequests": 0,
                "costUSD": round(tr.cost, 6),
                "contextWindow": 200000,
                "maxOutputTokens": 32000,
            }
        },
        "permission_denials": tr.denials,
        "terminal_reason": terminal,
        "api_error_status": 500 if tr.kind == "api_error" else None,
        "errors": [],
        "uuid": str(uuid.uuid4()),
    }
    if tr.kind == "max_turns":
        event["errors"] = [f"Reached maximum number of turns ({tr.num_turns})"]
    return event


def run_headless(args: argparse.Namespace, hooks: dict[str, list[Any]]) -> int:
    if args.output_format == "stream-json" and not args.verbose:
        fail_cli("Error: When using --print, --output-format=stream-json requires --verbose")
    stream_in = args.input_format == "stream-json"
    if stream_in and args.output_format != "stream-json":
        fail_cli("Error: --input-format=stream-json requires output-format=stream-json.")
    prompt: str | None = args.prompt
    if not stream_in and not prompt and not os.isatty(0):
        prompt = sys.stdin.read()
    if not stream_in and not (prompt and prompt.strip()):
        fail_cli(
            "Error: Input must be provided either through stdin or as a prompt argument "
            "when using --print"
        )
    session = Session(args, hooks, "print")
    ui = HeadlessUI(session, args, LineReader(0) if stream_in else None)
    agent = Agent(session, ui, args.max_turns)
    session.fire("SessionStart", source=session.source, model=session.model)
    last: TurnResult | None = None

    def prompts() -> Iterator[str]:
        if prompt:
            yield prompt
        if stream_in:
            while True:
                nxt = ui.next_prompt()
                if nxt is None:
                    return
                yield nxt

    for text in prompts():
        last = agent.run_turn(text)
        ui.send_init()
        event = result_event(session, last)
        if args.output_format in ("stream-json", "json"):
            emit_json(event)
        else:
            out(str(event.get("result") or "; ".join(event["errors"]) or "") + "\n")
        if last.exit_after:
            break
    session.fire("SessionEnd", reason="other")
    return 1 if last is not None and last.kind != "success" else 0


# --------------------------------------------------------------------------------------------
# interactive mode


class ExitRequest(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InteractiveUI:
    interactive = True

    def __init__(self, session: Session, reader: InputReader) -> None:
        self.s = session
        self.reader = reader
        self.status_shown = False
        self.idle_delay = env_float("FAKE_CLAUDE_IDLE_NOTIFY_DELAY", 60.0)
        self.perm_delay = env_float("FAKE_CLAUDE_PERMISSION_NOTIFY_DELAY", 0.0)
        self.idle_notify_at: float | None = None
        self.last_ctrl_c = 0.0

    # -- drawing -------------------------------------------------------------------------------

    def cols(self) -> int:
        try:
            return max(20, os.get_terminal_size(1).columns)
        except OSError:
            return 80

    def _rows(self, lines: list[str], prefix: int) -> int:
        cols = self.cols()
        return sum(max(1, -(-(prefix + len(line)) // cols)) for line in lines)

    def block(self, text: str) -> None:
        """Print a block above the status line (which is redrawn if shown)."""
        shown = self.status_shown
        self.clear_status()
        out(text + "\n")
        if shown:
            self.status(SPINNER_LINE)

    def status(self, text: str) -> None:
        out("\r\x1b[2K" + text)
        self.status_shown = True

    def clear_status(self) -> None:
        if self.status_shown:
            out("\r\x1b[2K")
            self.status_shown = False

    @staticmethod
    def indent(text: str, first: str, rest: str = "  ") -> str:
        lines = text.split("\n") or [""]
        return "\n".join([first + lines[0]] + [rest + line for line in lines[1:]])

    def banner(self) -> None:
        title = f" ✻ Welcome to Claude Code (fake {VERSION})"
        cwd = f"   cwd: {self.s.cwd}"
        width = max(len(title), len(cwd)) + 2
        out("╭" + "─" * width + "╮\n")
        out("│" + title.ljust(width) + "│\n")
        out("│" + cwd.ljust(width) + "│\n")
        out("╰" + "─" * width + "╯\n\n")
        if self.s.source == "resume":
            for role, text in self.s.history:
                marker = "> " if role == "user" else "⏺ "
                out(self.indent(text, marker) + "\n\n")

    # -- UI protocol ---------------------------------------------------------------------------

    def begin_turn(self, prompt: str) -> None:
        self.idle_notify_at = None
        out(self.indent(prompt, "> ") + "\n\n")
        self.status(SPINNER_LINE)

    def message(self, event: dict[str, Any]) -> None:
        pass

    def show_text(self, text: str) -> None:
        self.block(self.indent(text, "⏺ ") + "\n")

    def show_tool(self, name: str, tool_input: dict[str, Any], result: str, err: bool) -> None:
        target = tool_input.get("file_path") or tool_input.get("command") or ""
        if name == "Write":
            target = os.path.relpath(str(target), self.s.cwd)
        lines = result.split("\n")
        if len(lines) > 4:
            lines = [*lines[:4], f"… +{len(lines) - 4} lines"]
        self.block(f"⏺ {name}({target})\n" + self.indent("\n".join(lines), "  ⎿  ", "     ") + "\n")

    def show_error(self, text: str) -> None:
        self.block(self.indent(text, "  ⎿  ", "     ") + "\n")

    def show_interrupted(self, text: str) -> None:
        self.block("  ⎿  " + text + "\n")

    def work(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        kept: list[Event] = []
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return True
                ev = self.reader.next_event(remaining)
                if ev is None:
                    return True
                if ev.kind in ("esc", "ctrl_c"):
                    return False
                if ev.kind == "eof":
                    time.sleep(max(0.0, deadline - time.monotonic()))
                    kept.append(ev)
                    return True
                kept.append(ev)  # typed ahead: kept for the prompt
        finally:
            self.reader.push_back(kept)

    def ask(self, tool_name: str, tool_input: dict[str, Any]) -> str:
        self.clear_status()
        command = str(tool_input.get("command", ""))
        options = ["Yes", "No, and tell Claude what to do differently (esc)"]
        selected = 0
        notify_at = time.monotonic() + max(0.0, self.perm_delay)
        notified = False

        def draw() -> int:
            lines = [
                "",
                " Bash command",
                "",
                f"   {command}",
                f"   {tool_input.get('description', '')}",
                "",
                " Do you want to proceed?",
            ]
            for i, opt in enumerate(options):
                lines.append((" ❯ " if i == selected else "   ") + f"{i + 1}. {opt}")
            lines.append("")
            out("\n".join(lines) + "\n")
            return self._rows(lines, 0)

        rows = draw()
        try:
            while True:
                timeout = None
                if not notified:
                    timeout = max(0.0, notify_at - time.monotonic())
                    if timeout == 0.0:
                        notified = True
                        self.s.fire(
                            "Notification",
                            message=f"Claude needs your permission to use {tool_name}",
                            notification_type="permission_prompt",
                        )
                        continue
                ev = self.reader.next_event(timeout)
                if ev is None:
                    continue
                if ev.kind == "text":
                    ch = ev.text[0].lower()
                    if ch in ("1", "y"):
                        return "yes"
                    if ch in ("2", "n"):
                        return "no"
                    if len(ev.text) > 1:
                        self.reader.push_back([Event("text", ev.text[1:])])
                elif ev.kind == "enter":
                    return "yes" if selected == 0 else "no"
                elif ev.kind in ("esc", "ctrl_c"):
                    return "no"
                elif ev.kind in ("up", "down"):
                    selected = 1 - selected
                    out(f"\x1b[{rows}A\r\x1b[J")
                    rows = draw()
                elif ev.kind == "eof":
                    self.reader.push_back([ev])
                    return "no"
        finally:
            out(f"\x1b[{rows}A\r\x1b[J")
            self.status(SPINNER_LINE)

    # -- prompt input --------------------------------------------------------------------------

    def end_turn(self) -> None:
        self.clear_status()
        if self.idle_delay >= 0:
            self.idle_notify_at = time.monotonic() + self.idle_delay

    def read_prompt(self) -> str:
        buf = ""
        drawn_rows = 1

        def draw(text: str) -> int:
            lines = text.split("\n")
            out("❯ " + "\n  ".join(lines))
            return self._rows(lines, 2)

        def erase(rows: int) -> None:
            if rows > 1:
                out(f"\x1b[{rows - 1}A")
            out("\r\x1b[J")

        self.s.set_status("idle")
        drawn_rows = draw(buf)
        while True:
            timeout = None
            if self.idle_notify_at is not None:
                timeout = max(0.0, self.idle_notify_at - time.monotonic())
            ev = self.reader.next_event(timeout)
            if ev is None:
                self.idle_notify_at = None
                self.s.fire(
                    "Notification",
                    message="Claude is waiting for your input",
                    notification_type="idle_prompt",
                )
                continue
            if ev.kind in ("text", "paste"):
                buf += ev.text
                if "\n" in ev.text:
                    erase(drawn_rows)
                    drawn_rows = draw(buf)
                else:
                    out(ev.text)
                    drawn_rows = self._rows(buf.split("\n"), 2)
            elif ev.kind == "backspace":
                if buf:
                    buf = buf[:-1]
                    erase(drawn_rows)
                    drawn_rows = draw(buf)
            elif ev.kind == "enter":
                if buf.strip():
                    erase(drawn_rows)
                    return buf
            elif ev.kind == "ctrl_c":
                if buf:
                    buf = ""
                    erase(drawn_rows)
                    drawn_rows = draw(buf)
                elif time.monotonic() - self.last_ctrl_c < 2.0:
                    erase(drawn_rows)
                    raise ExitRequest("prompt_input_exit")
                else:
                    self.last_ctrl_c = time.monotonic()
            elif ev.kind == "ctrl_d":
                if not buf:
                    erase(drawn_rows)
                    raise ExitRequest("prompt_input_exit")
            elif ev.kind == "eof":
                erase(drawn_rows)
                raise ExitRequest("other")


class TerminalMode:
    """Raw-ish terminal mode (no echo, no line editing, no signals) + bracketed paste."""

    def __init__(self) -> None:
        self.saved: list[Any] | None = None

    def __enter__(self) -> TerminalMode:
        if os.isatty(0):
            import termios

            self.saved = termios.tcgetattr(0)
            mode = termios.tcgetattr(0)
            mode[0] &= ~termios.IXON
            mode[3] &= ~(termios.ICANON | termios.ECHO | termios.ISIG | termios.IEXTEN)
            mode[6][termios.VMIN] = 1
            mode[6][termios.VTIME] = 0
            termios.tcsetattr(0, termios.TCSANOW, mode)
        out("\x1b[?2004h")
        return self

    def __exit__(self, *exc: object) -> None:
        out("\x1b[?2004l")
        if self.saved is not None:
            import termios

            with contextlib.suppress(termios.error):
                termios.tcsetattr(0, termios.TCSANOW, self.saved)


def run_interactive(args: argparse.Namespace, hooks: dict[str, list[Any]]) -> int:
    session = Session(args, hooks, "interactive")
    reader = InputReader(0)
    ui = InteractiveUI(session, reader)
    agent = Agent(session, ui, None)
    delay = env_float("FAKE_CLAUDE_STARTUP_DELAY", 0.0)
    reason = "other"
    with TerminalMode():
        if delay > 0:
            time.sleep(delay)
        session.fire("SessionStart", source=session.source, model=session.model)
        ui.banner()
        session.set_status("idle")
        try:
            prompt: str | None = args.prompt
            while True:
                if prompt is None:
                    prompt = ui.read_prompt()
                command = prompt.strip()
                if command in ("/exit", "/quit"):
                    raise ExitRequest("prompt_input_exit")
                if command == "/clear":
                    session.fire("SessionEnd", reason="clear")
                    session.session_id = str(uuid.uuid4())
                    session.transcript_path = session.project_dir / f"{session.session_id}.jsonl"
                    session.history = []
                    session.last_uuid = None
                    session.source = "clear"
                    out("\x1b[2J\x1b[H")
                    session.fire("SessionStart", source="clear", model=session.model)
                    prompt = None
                    continue
                if command == "/cost":
                    out(f"> /cost\n  ⎿  Total cost: ${session.total_cost:.4f}\n\n")
                    prompt = None
                    continue
                if re.fullmatch(r"/[A-Za-z][\w:-]*", command.split(" ")[0]):
                    out(f"> {command}\n  ⎿  Unknown slash command: {command.split(' ')[0]}\n\n")
                    prompt = None
                    continue
                prompt = None
                tr = agent.run_turn(command if command else "")
                ui.end_turn()
                if tr.exit_after:
                    raise ExitRequest("other")
        except ExitRequest as req:
            reason = req.reason
        ui.clear_status()
        session.fire("SessionEnd", reason=reason)
        session.clear_status()
        out(f"\nResume this session with: claude --resume {session.session_id}\n")
    return 0


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.version:
        out(f"{VERSION} (Claude Code)\n")
        return 0
    hooks: dict[str, list[Any]] = {}
    config_dir = os.environ.get("CLAUDE_CONFIG_DIR")
    sources = [Path(config_dir) / "settings.json"] if config_dir else []
    sources += [Path(".claude/settings.json"), Path(".claude/settings.local.json")]
    for path in sources:
        with contextlib.suppress(OSError, json.JSONDecodeError):
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                merge_hooks(hooks, data)
    for value in args.settings:
        merge_hooks(hooks, load_settings_arg(value))
    bypass = args.dangerously_skip_permissions or args.permission_mode == "bypassPermissions"
    if bypass and os.geteuid() == 0 and os.environ.get("IS_SANDBOX") != "1":
        fail_cli(
            "--dangerously-skip-permissions cannot be used with root/sudo privileges for "
            "security reasons"
        )
    log(f"start argv={sys.argv[1:]!r}")
    if args.print_mode:
        return run_headless(args, hooks)
    return run_interactive(args, hooks)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
