"""Tests of the fake ``claude`` CLI (tests/support/fake_claude.py) used by the orchestrator tests.

Headless runs go through ``subprocess``; interactive runs go inside a real tmux server on a
private socket (``tmux -L <unique>``, killed at the end), polled with deadlines, never fixed
sleeps.

Driving the interactive fake from tmux (the same keys as the real CLI):
* a prompt: ``send-keys -l '<text>'`` then ``send-keys Enter``;
* multi-line text: ``load-buffer`` + ``paste-buffer -p`` (bracketed paste, ONE prompt), then Enter;
* the ``ask`` permission dialog: ``send-keys 1`` answers yes at once (``y`` or Enter do too);
  ``send-keys 2`` answers no (``n``, Escape or C-c do too) and ends the turn without Stop;
* interrupt a working turn: ``send-keys Escape``; leave: ``/exit`` + Enter.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_agent import fake_claude_env, install_fake_claude
from tests.support.wait import wait_for

EVENTS = [
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "PermissionRequest",
    "Notification",
    "Stop",
    "SessionEnd",
]
DEADLINE = 10.0


def hook_settings(log: Path) -> str:
    """Settings JSON with one tiny shell hook per event appending the payload to ``log``."""
    command = f"cat >> {shlex.quote(str(log))}; echo >> {shlex.quote(str(log))}"
    hook = [{"hooks": [{"type": "command", "command": command, "timeout": 10}]}]
    return json.dumps({"hooks": dict.fromkeys(EVENTS, hook)})


def read_hooks(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def names(log: Path) -> list[str]:
    """Hook event names in order, without the timer-driven idle_prompt notifications."""
    return [
        str(h["hook_event_name"])
        for h in read_hooks(log)
        if h.get("notification_type") != "idle_prompt"
    ]


def last(log: Path, event: str) -> dict[str, Any]:
    return [h for h in read_hooks(log) if h["hook_event_name"] == event][-1]


@pytest.fixture
def fake(tmp_path: Path) -> dict[str, Any]:
    bin_dir = tmp_path / "bin"
    install_fake_claude(bin_dir)
    work = tmp_path / "work"
    work.mkdir()
    config = tmp_path / "claude-config"
    return {
        "bin": bin_dir,
        "work": work,
        "config": config,
        "log": tmp_path / "hooks.jsonl",
        "env": fake_claude_env(bin_dir, config, FAKE_TEST_MARK="mark-42"),
    }


def run_claude(
    fake: dict[str, Any], *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["claude", *args],
        cwd=fake["work"],
        env=env or fake["env"],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def stream(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


HEADLESS = ["-p", "--output-format", "stream-json", "--verbose"]


# ------------------------------------------------------------------------------------------
# headless


def test_install_writes_an_executable_wrapper(tmp_path: Path) -> None:
    path = install_fake_claude(tmp_path / "bin")
    assert path == tmp_path / "bin" / "claude"
    assert os.access(path, os.X_OK)
    proc = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "0.0.0-fake (Claude Code)"


def test_headless_stream_json_hooks_and_transcript(fake: dict[str, Any]) -> None:
    log: Path = fake["log"]
    settings = json.loads(hook_settings(log))
    settings["hooks"]["SessionStart"].append(
        {"hooks": [{"type": "command", "command": 'printf %s "$FAKE_TEST_MARK" > mark.txt'}]}
    )
    proc = run_claude(
        fake,
        *HEADLESS,
        "--settings",
        json.dumps(settings),
        "--permission-mode",
        "acceptEdits",
        "--model",
        "claude-test",
        "hello there\nwrite notes/out.txt line1\\nline2; cost 0.25",
    )
    assert proc.returncode == 0, proc.stderr
    events = stream(proc)
    init = events[0]
    assert (init["type"], init["subtype"]) == ("system", "init")
    assert init["cwd"] == str(fake["work"])
    assert init["model"] == "claude-test"
    assert init["permissionMode"] == "acceptEdits"
    assert init["claude_code_version"] == "0.0.0-fake"
    assert "Write" in init["tools"]
    sid = init["session_id"]
    blocks = [
        (e["type"], e["message"]["content"][0]["type"])
        for e in events
        if e["type"] in ("assistant", "user")
    ]
    assert blocks == [
        ("assistant", "text"),
        ("assistant", "tool_use"),
        ("user", "tool_result"),
        ("assistant", "text"),
    ]
    result = events[-1]
    assert result["type"] == "result"
    assert result["subtype"] == "success"
    assert result["is_error"] is False
    assert result["session_id"] == sid
    assert result["total_cost_usd"] == 0.25
    assert result["num_turns"] == 3
    assert result["terminal_reason"] == "completed"
    assert result["usage"]["input_tokens"] > 0 and result["usage"]["output_tokens"] > 0
    assert result["duration_ms"] > 0
    assert result["permission_denials"] == []
    assert (fake["work"] / "notes" / "out.txt").read_text() == "line1\nline2"
    assert (fake["work"] / "mark.txt").read_text() == "mark-42"  # env reaches hooks

    hooks = read_hooks(log)
    assert [h["hook_event_name"] for h in hooks] == [
        "SessionStart",
        "UserPromptSubmit",
        "PreToolUse",
        "PostToolUse",
        "Stop",
        "SessionEnd",
    ]
    for h in hooks:
        assert h["session_id"] == sid
        assert h["cwd"] == str(fake["work"])
    start, submit, pre, post, stop, end = hooks
    assert (start["source"], start["model"]) == ("startup", "claude-test")
    assert submit["prompt"].startswith("hello there\n")
    assert pre["tool_name"] == "Write"
    assert pre["tool_input"]["file_path"] == str(fake["work"] / "notes" / "out.txt")
    assert post["tool_use_id"] == pre["tool_use_id"]
    assert post["tool_response"]["type"] == "create"
    assert stop["stop_hook_active"] is False
    assert stop["last_assistant_message"] == "Done."
    assert end["reason"] == "other"

    transcript = Path(stop["transcript_path"])
    assert transcript.parent.parent == fake["config"] / "projects"
    records = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert [r["type"] for r in records if r["type"] in ("user", "assistant")] == [
        "user",
        "assistant",
        "assistant",
        "user",
        "assistant",
    ]
    assert all("usage" in r["message"] for r in records if r["type"] == "assistant")
    assert records[-1] == {**records[-1], "type": "cost-state", "totalCostUSD": 0.25}


def test_headless_text_and_json_formats_and_cli_errors(fake: dict[str, Any]) -> None:
    text = run_claude(fake, "-p", "just words")
    assert (text.returncode, text.stdout) == (0, "just words\n")
    piped = run_claude(fake, "-p", "--output-format", "json", stdin="from stdin")
    assert json.loads(piped.stdout)["result"] == "from stdin"

    unknown = run_claude(fake, "-p", "--no-such-flag", "hi")
    assert unknown.returncode == 1
    assert "unknown option '--no-such-flag'" in unknown.stderr
    no_verbose = run_claude(fake, "-p", "--output-format", "stream-json", "hi")
    assert no_verbose.returncode == 1
    assert "requires --verbose" in no_verbose.stderr
    bad_id = run_claude(fake, "-p", "--session-id", "not-a-uuid", "hi")
    assert bad_id.returncode == 1


def test_headless_ask_is_denied_unless_bypass(fake: dict[str, Any]) -> None:
    denied = run_claude(fake, *HEADLESS, "ask touch asked.txt")
    result = stream(denied)[-1]
    assert denied.returncode == 0
    assert [d["tool_name"] for d in result["permission_denials"]] == ["Bash"]
    assert not (fake["work"] / "asked.txt").exists()

    as_root = os.geteuid() == 0
    refused = run_claude(fake, *HEADLESS, "--permission-mode", "bypassPermissions", "hi")
    assert refused.returncode == (1 if as_root else 0)  # like the real CLI as root
    env = {**fake["env"], "IS_SANDBOX": "1"}
    allowed = run_claude(
        fake, *HEADLESS, "--permission-mode", "bypassPermissions", "ask touch asked.txt", env=env
    )
    assert stream(allowed)[-1]["permission_denials"] == []
    assert (fake["work"] / "asked.txt").exists()


def test_headless_fail_max_turns_crash(fake: dict[str, Any]) -> None:
    log: Path = fake["log"]
    failed = run_claude(fake, *HEADLESS, "--settings", hook_settings(log), "fail")
    assert failed.returncode == 1
    result = stream(failed)[-1]
    assert result["is_error"] is True
    assert result["subtype"] == "success"
    assert result["terminal_reason"] == "api_error"
    assert result["result"].startswith("API Error")
    assert names(log) == ["SessionStart", "UserPromptSubmit", "SessionEnd"]  # no Stop

    limited = run_claude(fake, *HEADLESS, "--max-turns", "1", "write a.txt x")
    assert limited.returncode == 1
    result = stream(limited)[-1]
    assert (result["subtype"], result["is_error"]) == ("error_max_turns", True)

    log.unlink()
    crashed = run_claude(fake, *HEADLESS, "--settings", hook_settings(log), "crash")
    assert crashed.returncode == 3
    assert names(log) == ["SessionStart", "UserPromptSubmit"]


def test_headless_stream_json_input_and_interrupt(fake: dict[str, Any]) -> None:
    def user(text: str) -> str:
        return json.dumps({"type": "user", "message": {"role": "user", "content": text}})

    interrupt = {"type": "control_request", "request_id": "r1", "request": {"subtype": "interrupt"}}
    lines = [user("first"), user("sleep 20"), json.dumps(interrupt), user("third")]
    started = time.monotonic()
    proc = run_claude(
        fake,
        *HEADLESS,
        "--input-format",
        "stream-json",
        "--settings",
        hook_settings(fake["log"]),
        stdin="\n".join(lines) + "\n",
    )
    assert time.monotonic() - started < 10
    events = stream(proc)
    results = [e for e in events if e["type"] == "result"]
    assert [r.get("result") for r in results] == ["first", None, "third"]
    assert results[1]["is_error"] is True
    assert len({r["session_id"] for r in results}) == 1
    assert [e["response"]["request_id"] for e in events if e["type"] == "control_response"] == [
        "r1"
    ]
    assert names(fake["log"]).count("Stop") == 2  # the interrupted turn fires no Stop
    assert proc.returncode == 0


def test_headless_resume_continues_the_conversation(fake: dict[str, Any]) -> None:
    sid = str(uuid.uuid4())
    first = run_claude(fake, *HEADLESS, "--session-id", sid, "remember the number 42")
    assert stream(first)[-1]["session_id"] == sid
    log: Path = fake["log"]
    again = run_claude(fake, *HEADLESS, "--resume", sid, "--settings", hook_settings(log), "recall")
    result = stream(again)[-1]
    assert result["session_id"] == sid
    assert "1. remember the number 42" in result["result"]
    assert read_hooks(log)[0]["source"] == "resume"
    missing = run_claude(fake, *HEADLESS, "--resume", str(uuid.uuid4()), "hi")
    assert missing.returncode == 1
    assert "No conversation found" in missing.stderr


def test_headless_blocking_hooks(fake: dict[str, Any]) -> None:
    quoted = shlex.quote(str(fake["work"] / "stopped-once"))
    settings = {
        "hooks": {
            "PreToolUse": [
                {
                    "matcher": "Write",
                    "hooks": [{"type": "command", "command": "echo no >&2; exit 2"}],
                }
            ],
            "Stop": [
                {
                    "hooks": [
                        {
                            "type": "command",
                            "command": f"test -e {quoted} && exit 0; touch {quoted}; "
                            "echo 'run the tests' >&2; exit 2",
                        }
                    ]
                }
            ],
        }
    }
    proc = run_claude(fake, *HEADLESS, "--settings", json.dumps(settings), "write blocked.txt x")
    events = stream(proc)
    results = [
        b for e in events if e["type"] == "user" for b in e["message"]["content"] if b["is_error"]
    ]
    assert results and "no" in results[0]["content"]
    assert not (fake["work"] / "blocked.txt").exists()
    assert "run the tests" in events[-1]["result"]


def sigint_ignored(pid: int) -> bool:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    return False


def test_hang_ignores_sigint_until_killed(fake: dict[str, Any]) -> None:
    log: Path = fake["log"]
    proc = subprocess.Popen(
        ["claude", *HEADLESS, "--settings", hook_settings(log), "hang"],
        cwd=fake["work"],
        env=fake["env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(
            lambda: "UserPromptSubmit" in names(log), what="the hanging turn", timeout=DEADLINE
        )
        # The hook fires just before the fake starts ignoring SIGINT: wait until the kernel
        # says it does, or the signal can land in between and end the process for real.
        wait_for(lambda: sigint_ignored(proc.pid), what="SIGINT to be ignored", timeout=DEADLINE)
        proc.send_signal(signal.SIGINT)
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=0.3)
        proc.terminate()
        assert proc.wait(timeout=5) == -signal.SIGTERM
    finally:
        proc.kill()
        proc.communicate()
    assert names(log) == ["SessionStart", "UserPromptSubmit"]


def test_interactive_over_a_pipe_fail_then_eof(fake: dict[str, Any]) -> None:
    log: Path = fake["log"]
    proc = run_claude(fake, "--settings", hook_settings(log), stdin="fail\nhi there\n")
    assert proc.returncode == 0
    assert "API Error: 500" in proc.stdout
    assert "Resume this session with: claude --resume " in proc.stdout
    assert names(log) == [
        "SessionStart",
        "UserPromptSubmit",  # fail: no Stop
        "UserPromptSubmit",
        "Stop",
        "SessionEnd",
    ]
    assert last(log, "SessionEnd")["reason"] == "other"


# ------------------------------------------------------------------------------------------
# interactive, inside tmux


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> str:
        proc = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
            env=env,
        )
        return proc.stdout

    def start(self, name: str, cwd: Path, env: dict[str, str], command: str) -> None:
        """New detached session running ``command`` with ``env`` passed by ``-e``.

        tmux (3.3a) gives a new pane the PATH of the tmux *client* process, overriding
        ``-e PATH=...``: so the client runs with that PATH too.
        """
        flags = [f"-e{k}={v}" for k, v in env.items()]
        client_env = {**os.environ, "PATH": env.get("PATH", os.environ.get("PATH", ""))}
        self("new-session", "-d", "-s", name, "-x", "200", "-y", "50", "-c", str(cwd), *flags,
             command, env=client_env)  # fmt: skip

    def screen(self, name: str) -> list[str]:
        return [line.rstrip() for line in self("capture-pane", "-p", "-t", name).splitlines()]

    def text(self, name: str) -> str:
        return "\n".join(self.screen(name))

    def last_line(self, name: str) -> str:
        lines = [line for line in self.screen(name) if line]
        return lines[-1] if lines else ""

    def exited(self, name: str) -> bool:
        """The pane's process is gone and tmux has collected its exit status.

        tmux 3.3a sometimes marks a pane dead (pty closed) yet leaves its process an unreaped
        zombie, with ``pane_dead_status`` empty until the server gets another SIGCHLD: nudge it.
        """
        dead, status = self.dead(name)
        if dead and status == "":
            os.kill(int(self("display", "-p", "#{pid}")), signal.SIGCHLD)
            dead, status = self.dead(name)
        return dead and status != ""

    def dead(self, name: str) -> tuple[bool, str]:
        flag, status = self("display", "-p", "-t", name, "#{pane_dead} #{pane_dead_status}").split(
            " "
        )
        return flag == "1", status.strip()


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    server = Tmux(f"fakeclaude-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    server("new-session", "-d", "-s", "keeper", "sleep 600")
    server("set-option", "-g", "remain-on-exit", "on")
    socket_path = Path(server("display", "-p", "#{socket_path}").strip())
    try:
        yield server
    finally:
        subprocess.run(
            ["tmux", "-L", server.socket, "kill-server"], capture_output=True, check=False
        )
        socket_path.unlink(missing_ok=True)


def pane_env(fake: dict[str, Any], **extra: str) -> dict[str, str]:
    return {
        "PATH": fake["env"]["PATH"],
        "CLAUDE_CONFIG_DIR": str(fake["config"]),
        "HOME": fake["env"].get("HOME", "/tmp"),
        **extra,
    }


def claude_pid(fake: dict[str, Any]) -> int:
    files = list((fake["config"] / "sessions").glob("*.json"))
    assert len(files) == 1
    return int(json.loads(files[0].read_text())["pid"])


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_interactive_session_in_tmux(fake: dict[str, Any], tmux: Tmux) -> None:
    log: Path = fake["log"]
    work: Path = fake["work"]
    env = pane_env(fake, FAKE_CLAUDE_IDLE_NOTIFY_DELAY="0.2")
    command = f"claude --settings {shlex.quote(hook_settings(log))} 'hello there'"
    tmux.start("agent", work, env, command)

    def idle() -> bool:
        return tmux.last_line("agent") == "❯"

    def stops() -> int:
        return names(log).count("Stop")

    wait_for(lambda: stops() == 1 and idle(), what="the first turn", timeout=DEADLINE)
    assert "⏺ hello there" in tmux.text("agent")
    wait_for(
        lambda: "idle_prompt" in log.read_text(), what="the idle notification", timeout=DEADLINE
    )
    assert last(log, "Notification")["message"] == "Claude is waiting for your input"

    # a permission question, answered yes with the single key "1"
    tmux("send-keys", "-t", "agent", "-l", "ask touch asked.txt; all good")
    tmux("send-keys", "-t", "agent", "Enter")
    wait_for(
        lambda: "Do you want to proceed?" in tmux.text("agent"), what="the dialog", timeout=DEADLINE
    )
    screen = tmux.screen("agent")
    assert " ❯ 1. Yes" in screen and any(line.startswith("   2. No") for line in screen)
    wait_for(
        lambda: "permission_prompt" in log.read_text(),
        what="the permission notification",
        timeout=DEADLINE,
    )
    request = next(h for h in read_hooks(log) if h["hook_event_name"] == "PermissionRequest")
    assert request["tool_name"] == "Bash"
    assert request["tool_input"]["command"] == "touch asked.txt"
    assert (
        json.loads(next((fake["config"] / "sessions").glob("*.json")).read_text())["status"]
        == "waiting"
    )
    tmux("send-keys", "-t", "agent", "1")
    wait_for(lambda: stops() == 2 and idle(), what="the approved turn", timeout=DEADLINE)
    assert (work / "asked.txt").exists()
    assert "Do you want to proceed?" not in tmux.text("agent")
    assert last(log, "Stop")["last_assistant_message"] == "all good"

    # answered no: the turn ends without a Stop hook and without PostToolUse
    before = len(names(log))
    tmux("send-keys", "-t", "agent", "-l", "ask touch refused.txt")
    tmux("send-keys", "-t", "agent", "Enter")
    wait_for(
        lambda: "Do you want to proceed?" in tmux.text("agent"),
        what="the second dialog",
        timeout=DEADLINE,
    )
    tmux("send-keys", "-t", "agent", "2")
    wait_for(idle, what="idle after refusing", timeout=DEADLINE)
    assert not (work / "refused.txt").exists()
    assert names(log)[before:] == ["UserPromptSubmit", "PreToolUse", "PermissionRequest",
                                   "Notification"]  # fmt: skip

    # a multi-line paste is one prompt, newlines kept
    paste = fake["work"].parent / "paste.txt"
    paste.write_text("first line\nsecond line\nwrite pasted.txt ok")
    tmux("load-buffer", "-b", "fakepaste", str(paste))
    tmux("paste-buffer", "-p", "-d", "-b", "fakepaste", "-t", "agent")
    wait_for(
        lambda: "  second line" in tmux.text("agent"), what="the pasted text", timeout=DEADLINE
    )
    tmux("send-keys", "-t", "agent", "Enter")
    wait_for(lambda: stops() == 3 and idle(), what="the pasted turn", timeout=DEADLINE)
    submits = [h for h in read_hooks(log) if h["hook_event_name"] == "UserPromptSubmit"]
    assert submits[-1]["prompt"] == "first line\nsecond line\nwrite pasted.txt ok"
    assert (work / "pasted.txt").read_text() == "ok"
    assert last(log, "Stop")["last_assistant_message"] == "Done."

    # working, then interrupted with Escape: no Stop
    tmux("send-keys", "-t", "agent", "-l", "sleep 30")
    tmux("send-keys", "-t", "agent", "Enter")
    wait_for(
        lambda: "✶ Working… (esc to interrupt)" in tmux.text("agent"),
        what="working",
        timeout=DEADLINE,
    )
    tmux("send-keys", "-t", "agent", "Escape")
    wait_for(idle, what="idle after the interrupt", timeout=DEADLINE)
    assert stops() == 3
    assert "Interrupted · What should Claude do instead?" in tmux.text("agent")

    # idle costs (almost) no CPU: a busy loop would burn ~200 ticks in these 2 s
    pid = claude_pid(fake)
    ticks = cpu_ticks(pid)
    time.sleep(2)
    assert cpu_ticks(pid) - ticks <= 4

    tmux("send-keys", "-t", "agent", "-l", "/exit")
    tmux("send-keys", "-t", "agent", "Enter")
    wait_for(lambda: tmux.exited("agent"), what="the exit", timeout=DEADLINE)
    assert tmux.dead("agent") == (True, "0")
    assert names(log)[-1] == "SessionEnd"
    end = last(log, "SessionEnd")
    assert end["reason"] == "prompt_input_exit"
    assert f"Resume this session with: claude --resume {end['session_id']}" in tmux.text("agent")


def test_interactive_resume_and_crash_in_tmux(fake: dict[str, Any], tmux: Tmux) -> None:
    log: Path = fake["log"]
    settings = shlex.quote(hook_settings(log))
    tmux.start("one", fake["work"], pane_env(fake),
               f"claude --settings {settings} 'remember the number 42; exit'")  # fmt: skip
    wait_for(lambda: tmux.exited("one"), what="the first session to exit", timeout=DEADLINE)
    first = read_hooks(log)
    sid = first[0]["session_id"]
    assert [h["hook_event_name"] for h in first][-2:] == ["Stop", "SessionEnd"]

    log.unlink()
    tmux.start("two", fake["work"], pane_env(fake),
               f"claude --resume {sid} --settings {settings} recall")  # fmt: skip
    wait_for(lambda: names(log).count("Stop") == 1, what="the resumed turn", timeout=DEADLINE)
    start = read_hooks(log)[0]
    assert (start["source"], start["session_id"]) == ("resume", sid)
    assert "1. remember the number 42; exit" in last(log, "Stop")["last_assistant_message"]
    assert "> remember the number 42; exit" in tmux.text("two")  # earlier turns redrawn

    tmux("send-keys", "-t", "two", "-l", "crash")
    tmux("send-keys", "-t", "two", "Enter")
    wait_for(lambda: tmux.exited("two"), what="the crash", timeout=DEADLINE)
    assert tmux.dead("two") == (True, "3")
    assert names(log)[-1] == "UserPromptSubmit"  # no Stop, no SessionEnd
