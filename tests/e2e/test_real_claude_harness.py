"""End-to-end checks of the harness: the REAL Claude Code CLI against the scripted fake API.

These run the pinned CLI (``claude-agent-sdk==0.2.187`` bundles Claude Code 2.1.330) fully
offline: headless stream-json mode, and the interactive TUI inside tmux with hooks that log
every event to a JSONL file. They are skipped, with the reason, when the CLI is not installed.
The first tests check the fake server alone and always run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.support.claude_cli import (
    PINNED_CLI_VERSION,
    event_log_settings,
    isolated_claude_env,
)
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.real_claude import CLAUDE
from tests.support.wait import wait_for

needs_claude = pytest.mark.skipif(
    CLAUDE is None,
    reason=(
        f"real Claude Code CLI {PINNED_CLI_VERSION} not found: install the test extra "
        "(claude-agent-sdk==0.2.187 bundles it) or set CCO_TEST_CLAUDE_BIN"
    ),
)
needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def read_events(path: Path) -> list[dict[str, Any]]:
    """The hook events logged so far (a partial last line is ignored)."""
    if not path.exists():
        return []
    events: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue
    return events


def event_names(path: Path) -> list[str]:
    return [str(e["event"]["hook_event_name"]) for e in read_events(path)]


def events_named(path: Path, name: str) -> list[dict[str, Any]]:
    return [e["event"] for e in read_events(path) if e["event"]["hook_event_name"] == name]


def count(path: Path, name: str) -> int:
    return len(events_named(path, name))


def is_subsequence(wanted: Sequence[str], seen: Sequence[str]) -> bool:
    remaining = iter(seen)
    return all(name in remaining for name in wanted)


def session_status(config_dir: Path) -> str | None:
    """``status`` from ``$CLAUDE_CONFIG_DIR/sessions/<pid>.json`` (undocumented, best effort)."""
    for path in (config_dir / "sessions").glob("*.json"):
        try:
            return str(json.loads(path.read_text(encoding="utf-8"))["status"])
        except (OSError, ValueError, KeyError):
            return None
    return None


class Tmux:
    """A private tmux server (``tmux -L <unique>``, no user config) killed by :meth:`close`."""

    def __init__(self) -> None:
        self.socket = f"cco-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=20,
            check=check,
            stdin=subprocess.DEVNULL,
        )

    def new_session(self, name: str, cwd: Path, env: dict[str, str], argv: Sequence[str]) -> None:
        # A running tmux server does not take the client's environment: pass it all with -e.
        env_args = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        self.run(
            "new-session", "-d", "-s", name, "-x", "200", "-y", "50", "-c", str(cwd),
            *env_args, *argv,
        )  # fmt: skip

    def capture(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", name, check=False).stdout

    def send_keys(self, name: str, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", name, *(["-l"] if literal else []), *keys)

    def has_session(self, name: str) -> bool:
        return self.run("has-session", "-t", name, check=False).returncode == 0

    def close(self) -> None:
        self.run("kill-server", check=False)
        # tmux leaves its socket file behind: remove it so test runs do not pile them up.
        socket_dir = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
        (socket_dir / self.socket).unlink(missing_ok=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    subprocess.run(["git", "init", "-q", str(path)], check=True, capture_output=True)
    return path


@pytest.fixture
def claude_env(tmp_path: Path, fake_model: FakeAnthropic, repo: Path) -> dict[str, str]:
    return isolated_claude_env(tmp_path, fake_model.url, [repo])


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    server = Tmux()
    try:
        yield server
    finally:
        server.close()


# -- the fake alone ----------------------------------------------------------------------------


def _post(fake_model: FakeAnthropic, path: str, body: dict[str, Any]) -> tuple[int, str]:
    request = urllib.request.Request(
        fake_model.url + path,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status), response.read().decode()


def _sse_events(stream: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in stream.splitlines() if line.startswith("data: ")]


def test_fake_probes_side_requests_and_count_tokens(fake_model: FakeAnthropic) -> None:
    for path in ("/", "/api/hello"):
        request = urllib.request.Request(fake_model.url + path, method="HEAD")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200

    schema = {
        "type": "object",
        "properties": {"title": {"type": "string"}, "done": {"type": "boolean"}},
        "required": ["title", "done"],
    }
    body = {
        "model": "claude-haiku-4-5",
        "stream": True,
        "messages": [{"role": "user", "content": "name this session"}],
        "output_config": {"format": {"type": "json_schema", "schema": schema}},
    }
    status, stream = _post(fake_model, "/v1/messages?beta=true", body)
    events = _sse_events(stream)
    assert status == 200
    assert [e["type"] for e in events] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert json.loads(events[2]["delta"]["text"]) == {"title": "Fake title", "done": False}
    assert events[4]["delta"]["stop_reason"] == "end_turn"
    assert events[4]["usage"]["output_tokens"] > 0
    assert events[0]["message"]["usage"]["input_tokens"] > 0

    status, text = _post(fake_model, "/v1/messages/count_tokens", {"messages": body["messages"]})
    assert status == 200 and json.loads(text)["input_tokens"] > 0
    assert [c.kind for c in fake_model.calls] == ["probe", "probe", "side", "count_tokens"]
    assert fake_model.requests == [body]


def test_fake_plays_a_scripted_tool_turn(fake_model: FakeAnthropic) -> None:
    fake_model.script_write_file("out.txt", "x")
    tools = [{"name": "Write"}, {"name": "Bash"}]
    env_text = "# Environment\n - Primary working directory: /work/tree\n - Platform: linux"
    history: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "text", "text": "go"}]},
        {"role": "system", "content": [{"type": "text", "text": env_text}]},
    ]
    first = {"stream": False, "tools": tools, "messages": history}
    _, text = _post(fake_model, "/v1/messages", first)
    message = json.loads(text)
    assert message["stop_reason"] == "tool_use"
    tool_use = message["content"][0]
    assert tool_use["name"] == "Write"
    assert tool_use["input"] == {"file_path": "/work/tree/out.txt", "content": "x"}

    result = {"type": "tool_result", "tool_use_id": tool_use["id"], "content": "ok"}
    second = {
        "stream": True,
        "tools": tools,
        "messages": [
            *history,
            {"role": "assistant", "content": [tool_use]},
            {"role": "user", "content": [result]},
        ],
    }
    events = _sse_events(_post(fake_model, "/v1/messages", second)[1])
    assert events[2]["delta"] == {"type": "text_delta", "text": "done"}
    assert fake_model.pending_steps == 0
    # An empty script answers with plain text.
    events = _sse_events(_post(fake_model, "/v1/messages", second)[1])
    assert events[2]["delta"]["text"] == fake_model.default_text
    assert len(fake_model.main_requests()) == 3


def test_fake_keeps_concurrent_conversations_apart(fake_model: FakeAnthropic) -> None:
    """Two conversations at once: a new prompt in one never takes the other's follow-up."""
    fake_model.script_write_file("a.txt", "from a")
    fake_model.script_write_file("b.txt", "from b")
    tools = [{"name": "Write"}]

    def ask(cwd: str, *extra: dict[str, Any]) -> dict[str, Any]:
        env_text = f"# Environment\n - Primary working directory: {cwd}\n - Platform: linux"
        history = [
            {"role": "user", "content": [{"type": "text", "text": "go"}]},
            {"role": "system", "content": [{"type": "text", "text": env_text}]},
            *extra,
        ]
        _, text = _post(
            fake_model, "/v1/messages", {"stream": False, "tools": tools, "messages": history}
        )
        return dict(json.loads(text))

    def result_of(call: dict[str, Any]) -> list[dict[str, Any]]:
        block = call["content"][0]
        result = {"type": "tool_result", "tool_use_id": block["id"], "content": "ok"}
        return [
            {"role": "assistant", "content": [block]},
            {"role": "user", "content": [result]},
        ]

    a = ask("/work/a")  # A's prompt: the first step, a tool call
    b = ask("/work/b")  # B's prompt, while A's call is out: the second step
    assert a["content"][0]["input"]["file_path"] == "/work/a/a.txt"
    assert b["content"][0]["input"]["file_path"] == "/work/b/b.txt"
    # each result gets its own call's follow-up, in any order
    assert ask("/work/b", *result_of(b))["content"][0]["text"] == "done"
    assert ask("/work/a", *result_of(a))["content"][0]["text"] == "done"
    # a result answered already pops no step
    fake_model.script_write_file("c.txt", "spare")
    assert ask("/work/a", *result_of(a))["content"][0]["text"] == fake_model.default_text
    assert fake_model.pending_steps == 1


# -- headless ----------------------------------------------------------------------------------


def _run_headless(
    repo: Path, env: dict[str, str], prompt: str
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    assert CLAUDE is not None
    proc = subprocess.run(
        [
            CLAUDE, "-p", prompt, "--output-format", "stream-json", "--verbose",
            "--permission-mode", "acceptEdits",
        ],
        cwd=repo, env=env, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    messages = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return proc, messages


@needs_claude
def test_headless_stream_json_writes_file(
    fake_model: FakeAnthropic, repo: Path, claude_env: dict[str, str]
) -> None:
    fake_model.script_write_file("hello.txt", "hi\n")

    proc, messages = _run_headless(repo, claude_env, "create hello.txt")

    assert proc.returncode == 0, proc.stderr
    init = messages[0]
    assert (init["type"], init["subtype"]) == ("system", "init")
    assert init["claude_code_version"] == PINNED_CLI_VERSION
    assert init["permissionMode"] == "acceptEdits"
    assert init["cwd"] == str(repo)
    result = messages[-1]
    assert result["type"] == "result"
    assert result["is_error"] is False
    assert result["subtype"] == "success"
    assert result["total_cost_usd"] > 0
    assert result["session_id"] == init["session_id"]
    assert result["num_turns"] == 2
    assert result["result"] == "done"
    assert (repo / "hello.txt").read_text() == "hi\n"
    assert fake_model.pending_steps == 0
    main = fake_model.main_requests()
    assert len(main) == 2
    assert main[1]["messages"][-1]["content"][0]["type"] == "tool_result"


@needs_claude
def test_headless_api_error_is_reported(
    fake_model: FakeAnthropic, repo: Path, claude_env: dict[str, str]
) -> None:
    fake_model.script_error(500, "api_error", "scripted failure")

    proc, messages = _run_headless(repo, claude_env, "anything")

    assert proc.returncode == 1
    result = messages[-1]
    assert result["type"] == "result"
    assert result["is_error"] is True
    assert result["terminal_reason"] == "api_error"


# -- interactive TUI in tmux -------------------------------------------------------------------


def _start_tui(
    tmux: Tmux, name: str, repo: Path, env: dict[str, str], events_file: Path, prompt: str
) -> None:
    assert CLAUDE is not None
    settings = json.dumps(event_log_settings(events_file))
    argv = [CLAUDE, "--permission-mode", "acceptEdits", "--settings", settings, prompt]
    tmux.new_session(name, repo, env, argv)


def _wait_event(tmux: Tmux, events_file: Path, name: str, n: int = 1, timeout: float = 60) -> None:
    wait_for(
        lambda: count(events_file, name) >= n,
        timeout=timeout,
        what=f"{name} #{n}; events {event_names(events_file)}; screen:\n{tmux.capture('agent')}",
    )


def _type_prompt(tmux: Tmux, text: str) -> None:
    tmux.send_keys("agent", text, literal=True)
    tmux.send_keys("agent", "Enter")


def _exit_tui(tmux: Tmux, events_file: Path) -> None:
    _type_prompt(tmux, "/exit")
    _wait_event(tmux, events_file, "SessionEnd", timeout=20)
    wait_for(lambda: not tmux.has_session("agent"), timeout=20, what="the tmux session to end")
    assert event_names(events_file)[-1] == "SessionEnd"


@needs_claude
@needs_tmux
def test_tui_in_tmux_prompt_argument_and_hooks(
    fake_model: FakeAnthropic, repo: Path, claude_env: dict[str, str], tmp_path: Path, tmux: Tmux
) -> None:
    events_file = tmp_path / "events.jsonl"
    fake_model.script_write_file("hello.txt", "hi\n")
    _start_tui(tmux, "agent", repo, claude_env, events_file, "create hello.txt")

    _wait_event(tmux, events_file, "Stop")
    assert (repo / "hello.txt").read_text() == "hi\n"
    names = event_names(events_file)
    assert is_subsequence(
        ["SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop"], names
    ), names
    assert events_named(events_file, "SessionStart")[0]["source"] == "startup"
    assert events_named(events_file, "UserPromptSubmit")[0]["prompt"] == "create hello.txt"
    assert events_named(events_file, "PreToolUse")[0]["tool_name"] == "Write"
    post = events_named(events_file, "PostToolUse")[0]
    assert post["tool_input"]["file_path"] == str(repo / "hello.txt")
    assert events_named(events_file, "Stop")[0]["last_assistant_message"] == "done"
    assert len({e["event"]["session_id"] for e in read_events(events_file)}) == 1

    # A later prompt is typed into the idle input box.
    fake_model.script_write_file("second.txt", "2\n")
    _type_prompt(tmux, "create second.txt")
    _wait_event(tmux, events_file, "Stop", n=2)
    assert (repo / "second.txt").read_text() == "2\n"
    prompts = [e["prompt"] for e in events_named(events_file, "UserPromptSubmit")]
    assert prompts == ["create hello.txt", "create second.txt"]

    _exit_tui(tmux, events_file)
    assert events_named(events_file, "SessionEnd")[0]["reason"] == "prompt_input_exit"


# ``touch``/``echo >`` inside the working directory count as edits in acceptEdits mode and run
# without asking; a command through ``sh -c`` always needs approval.
NEEDS_APPROVAL = "sh -c 'echo ok > asked.txt'"


def _wait_for_permission_dialog(tmux: Tmux, events_file: Path) -> dict[str, Any]:
    _wait_event(tmux, events_file, "PermissionRequest")
    request = events_named(events_file, "PermissionRequest")[0]
    # The hook fires as the dialog opens; type only once the dialog takes keys.
    wait_for(
        lambda: "Do you want to proceed?" in tmux.capture("agent"),
        timeout=20,
        what="the permission dialog on screen",
    )
    return request


@needs_claude
@needs_tmux
@pytest.mark.parametrize("approve_key", ["1", "Enter"])
def test_tui_permission_request_then_approve(
    fake_model: FakeAnthropic,
    repo: Path,
    claude_env: dict[str, str],
    tmp_path: Path,
    tmux: Tmux,
    approve_key: str,
) -> None:
    events_file = tmp_path / "events.jsonl"
    fake_model.script_bash(NEEDS_APPROVAL)
    _start_tui(tmux, "agent", repo, claude_env, events_file, "run the command")

    request = _wait_for_permission_dialog(tmux, events_file)
    assert request["tool_name"] == "Bash"
    assert request["tool_input"]["command"] == NEEDS_APPROVAL
    # The instance is waiting: nothing ran and the turn has not finished.
    assert not (repo / "asked.txt").exists()
    assert count(events_file, "Stop") == 0

    tmux.send_keys("agent", approve_key)
    _wait_event(tmux, events_file, "Stop")
    assert (repo / "asked.txt").read_text() == "ok\n"
    names = event_names(events_file)
    assert is_subsequence(
        ["UserPromptSubmit", "PreToolUse", "PermissionRequest", "PostToolUse", "Stop"], names
    ), names

    _exit_tui(tmux, events_file)


@needs_claude
@needs_tmux
def test_tui_permission_denied_fires_no_hook(
    fake_model: FakeAnthropic, repo: Path, claude_env: dict[str, str], tmp_path: Path, tmux: Tmux
) -> None:
    """Esc (or "4. No") cancels the turn: no Stop hook; only the session file turns idle."""
    events_file = tmp_path / "events.jsonl"
    config_dir = Path(claude_env["CLAUDE_CONFIG_DIR"])
    fake_model.script_bash(NEEDS_APPROVAL)
    _start_tui(tmux, "agent", repo, claude_env, events_file, "run the command")
    _wait_for_permission_dialog(tmux, events_file)
    # The session file lags the hooks and the screen a little.
    wait_for(lambda: session_status(config_dir) == "waiting", timeout=20, what="status waiting")

    tmux.send_keys("agent", "Escape")
    wait_for(lambda: session_status(config_dir) == "idle", timeout=20, what="status idle")
    assert "Interrupted" in tmux.capture("agent")
    assert not (repo / "asked.txt").exists()
    assert event_names(events_file)[-1] == "PermissionRequest"

    # The instance takes the next prompt as usual.
    fake_model.script_write_file("after.txt", "after\n")
    _type_prompt(tmux, "create after.txt")
    _wait_event(tmux, events_file, "Stop")
    assert (repo / "after.txt").read_text() == "after\n"
    _exit_tui(tmux, events_file)


@needs_claude
@needs_tmux
def test_tui_api_error_fires_stop_failure(
    fake_model: FakeAnthropic, repo: Path, claude_env: dict[str, str], tmp_path: Path, tmux: Tmux
) -> None:
    events_file = tmp_path / "events.jsonl"
    fake_model.script_error(500, "api_error", "scripted failure")
    _start_tui(tmux, "agent", repo, claude_env, events_file, "anything")

    _wait_event(tmux, events_file, "StopFailure")
    failure = events_named(events_file, "StopFailure")[0]
    assert failure["error"] == "server_error"
    assert "scripted failure" in failure["last_assistant_message"]
    assert count(events_file, "Stop") == 0

    _type_prompt(tmux, "try again")
    _wait_event(tmux, events_file, "Stop")
    assert events_named(events_file, "Stop")[0]["last_assistant_message"] == fake_model.default_text
    _exit_tui(tmux, events_file)
