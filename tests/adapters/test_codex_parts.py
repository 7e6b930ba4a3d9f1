"""The Codex adapter's own parts, on what the real Codex CLI 0.169.0 wrote and drew.

The screens and the rollout under codex_screens/ were captured from the real TUI in tmux against
tests/support/fake_openai.py (paths replaced by /work/repo); see test_real_codex_harness.py.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from cc_orchestrator.adapters.codex import dialog, rollout
from cc_orchestrator.adapters.codex.launch import find_codex, headless_argv, interactive_argv
from cc_orchestrator.adapters.codex.settings import (
    HOOK_EVENTS,
    CodexSettings,
    config_toml,
    hooks_json,
    rollout_of,
)
from cc_orchestrator.domain.errors import ExternalError

SCREENS = Path(__file__).parent / "codex_screens"


def screen(name: str) -> str:
    return (SCREENS / name).read_text()


def ask_record(command: str = "echo approved > approved.txt") -> dict[str, object]:
    return {
        "cco_ts": "1796176473.123456789",
        "event": {
            "hook_event_name": "PermissionRequest",
            "session_id": "01a23475-d54e-7532-80ec-bee28aa2ba7d",
            "tool_name": "Bash",
            "tool_input": {"command": command, "description": "selftest: needs approval"},
        },
    }


@pytest.mark.parametrize(
    ("mode", "approval", "sandbox"),
    [
        ("acceptEdits", "on-request", "workspace-write"),
        ("default", "untrusted", "workspace-write"),
        ("plan", "on-request", "read-only"),
        ("bypassPermissions", "never", "danger-full-access"),
    ],
)
def test_config_toml_is_valid_and_offline(mode: str, approval: str, sandbox: str) -> None:
    worktree = Path('/work/wt "quoted" dir')
    text = config_toml(CodexSettings(worktree, mode, base_url="http://127.0.0.1:9/v1"))
    data = tomllib.loads(text)
    assert data["approval_policy"] == approval and data["sandbox_mode"] == sandbox
    assert data["model"] == "gpt-5.5" and data["model_provider"] == "cco"
    provider = data["model_providers"]["cco"]
    assert provider == {
        "name": "cco",
        "base_url": "http://127.0.0.1:9/v1",
        "wire_api": "responses",
        "env_key": "OPENAI_API_KEY",
    }
    assert data["check_for_update_on_startup"] is False
    assert data["features"] == {"plugins": False, "daemon_auto_start": False}
    assert data["analytics"]["enabled"] is False and data["feedback"]["enabled"] is False
    assert data["projects"][str(worktree)] == {"trust_level": "trusted"}
    assert data["notice"]["model_migrations"]["gpt-5.5"]
    assert "sk-" not in text  # the key stays in the environment


def test_config_toml_default_endpoint_and_model() -> None:
    data = tomllib.loads(config_toml(CodexSettings(Path("/w"), "acceptEdits", model="o9")))
    assert data["model_providers"]["cco"]["base_url"] == "https://api.openai.com/v1"
    assert data["model"] == "o9" and "o9" in data["notice"]["model_migrations"]


def test_hooks_json_runs_our_command_on_every_event() -> None:
    hooks = json.loads(hooks_json("echo hi"))["hooks"]
    assert sorted(hooks) == sorted(HOOK_EVENTS)
    assert "PermissionRequest" in hooks and "SessionEnd" in hooks
    assert hooks["Stop"] == [{"hooks": [{"type": "command", "command": "echo hi", "timeout": 10}]}]


def test_question_from_the_permission_request_hook() -> None:
    q = dialog.question_from_hook(ask_record())
    assert q is not None
    assert q.id == "1796176473.123456789" and q.tool == "Bash"
    assert q.command == "echo approved > approved.txt"
    assert q.description == "selftest: needs approval"
    assert q.channel == "keys" and q.choices == ()
    other = {"cco_ts": "1", "event": {"hook_event_name": "Stop"}}
    assert dialog.question_from_hook(other) is None


def test_choices_read_from_the_real_dialog() -> None:
    q = dialog.question_from_hook(ask_record())
    assert q is not None
    choices, why = dialog.read_choices(screen("ask_cmd.txt"), q)
    assert why is None
    assert [(c.key, c.kind) for c in choices] == [
        ("y", "allow_once"),
        ("p", "allow_always"),
        ("esc", "deny"),
    ]
    assert [dialog.choice_keys(c) for c in choices] == [["-l", "y"], ["-l", "p"], ["Escape"]]
    assert choices[0].label == "Yes, proceed"
    assert choices[2].label == "No, and tell Codex what to do differently"


def test_choices_are_not_read_from_another_dialog_or_none() -> None:
    q = dialog.question_from_hook(ask_record("rm -rf build"))
    assert q is not None
    choices, why = dialog.read_choices(screen("ask_cmd.txt"), q)
    assert choices == () and why == "the dialog on screen is about another command"
    mine = dialog.question_from_hook(ask_record())
    assert mine is not None
    for name in ("denied.txt", "idle_after_turn.txt"):
        choices, why = dialog.read_choices(screen(name), mine)
        assert choices == () and why == "the approval dialog is not on screen yet"
    half = screen("ask_cmd.txt").split("Press enter")[0]
    assert dialog.read_choices(half, mine) == ((), "the approval dialog is not fully drawn yet")


def test_rollout_tokens_and_turns(tmp_path: Path) -> None:
    source = (SCREENS / "rollout_denied.jsonl").read_bytes()
    path = tmp_path / "rollout.jsonl"
    lines = source.splitlines(keepends=True)
    # the first turn only: it completed, with its running total
    first = b"".join(lines[:4])
    path.write_bytes(first + b'{"type":"event_msg","payload":{"type":"tok')  # half a line
    look = rollout.read(path)
    assert look.last_turn == "complete"
    assert (look.input_tokens, look.output_tokens) == (16777, 34)
    assert look.offset == len(first)
    # the rest: the second turn was aborted (its approval denied)
    path.write_bytes(source)
    later = rollout.read(path, look.offset)
    assert later.last_turn == "aborted" and later.output_tokens == 51
    assert rollout.read(tmp_path / "missing.jsonl", 5) == rollout.RolloutLook(offset=5)


def test_rollout_of_finds_the_sessions_file(tmp_path: Path) -> None:
    sid = "01a23475-d54e-7532-80ec-bee28aa2ba7d"
    day = tmp_path / "sessions" / "2026" / "12" / "02"
    day.mkdir(parents=True)
    target = day / f"rollout-2026-12-02T01-54-27-{sid}.jsonl"
    target.write_text("{}\n")
    assert rollout_of(tmp_path, sid) == target
    assert rollout_of(tmp_path, "01a2-other") is None
    assert rollout_of(tmp_path, "../x") is None


def test_argv_resumes_only_a_session_codex_kept(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = CodexSettings(tmp_path, "acceptEdits")
    fresh = interactive_argv(
        "/bin/codex", home, settings, "true", session_id="s1", resume=True, prompt=False
    )
    assert fresh == ["/bin/codex", "--dangerously-bypass-hook-trust"]
    assert (home / "config.toml").stat().st_mode & 0o777 == 0o600
    assert json.loads((home / "hooks.json").read_text())["hooks"]["Stop"]
    day = home / "sessions" / "2026" / "12" / "02"
    day.mkdir(parents=True)
    (day / "rollout-2026-12-02T01-54-27-s1.jsonl").write_text("{}\n")
    again = interactive_argv(
        "/bin/codex", home, settings, "true", session_id="s1", resume=True, prompt=True
    )
    assert again[:3] == ["/bin/sh", "-c", 'exec "$0" "$@" "$(cat "$CCO_PROMPT_FILE")"']
    assert again[3:] == ["/bin/codex", "resume", "--dangerously-bypass-hook-trust", "s1", "--"]


def test_find_codex(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ExternalError, match="no `codex` on PATH"):
        find_codex(None)
    with pytest.raises(ExternalError, match=r"instances\.codex_path"):
        find_codex(str(tmp_path / "nope"))
    binary = tmp_path / "codex"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    assert find_codex(None) == str(binary)
    assert find_codex(str(binary)) == str(binary)


def test_headless_argv_is_exec_json_and_resumes_its_session(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = CodexSettings(tmp_path, "acceptEdits")
    fresh = headless_argv("/bin/codex", home, settings, "true", session_id="s1", resume=True)
    assert fresh[3:] == ["/bin/codex", "exec", "--json", "--dangerously-bypass-hook-trust", "--"]
    assert "</dev/null" in fresh[2] and "$CCO_STREAM_FILE" in fresh[2]
    day = home / "sessions" / "2026" / "12" / "02"
    day.mkdir(parents=True)
    (day / "rollout-2026-12-02T01-54-27-s1.jsonl").write_text("{}\n")
    again = headless_argv("/bin/codex", home, settings, "true", session_id="s1", resume=True)
    assert again[3:] == [
        "/bin/codex", "exec", "resume", "--json", "--dangerously-bypass-hook-trust", "s1", "--"
    ]  # fmt: skip
