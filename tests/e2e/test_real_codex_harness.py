"""The REAL Codex CLI (pinned 0.169.0) in a private tmux, against the fake Responses API.

Driven through cco's own pieces (its tmux adapter with the 0600 environment file, the Codex
adapter's CODEX_HOME, hooks and argv, its dialog and rollout readers) without the services: a
turn writes a file, a command needs approval and is allowed with the key read on screen, and a
kill -9 is resumed with the conversation intact. Every request stays within OpenAI's spec.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest

from cc_orchestrator.adapters.codex import dialog, rollout
from cc_orchestrator.adapters.codex.launch import interactive_argv
from cc_orchestrator.adapters.codex.settings import HOOK_COMMAND, CodexSettings
from cc_orchestrator.adapters.tmux import TmuxCli
from tests.conftest import wait_for
from tests.support.codex_cli import FAKE_OPENAI_KEY, codex_required, find_real_codex
from tests.support.fake_openai import Command, FakeOpenAI, Text

CODEX = find_real_codex()
pytestmark = [
    pytest.mark.skipif(
        CODEX is None and not codex_required(),
        reason="the pinned Codex CLI is not installed (bash scripts/install-codex)",
    ),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]
SESSION = "codex-harness"


def hook_events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def named(path: Path, name: str) -> list[dict[str, Any]]:
    return [r for r in hook_events(path) if r["event"].get("hook_event_name") == name]


def test_real_codex_tui_turn_approval_and_resume(
    tmp_path: Path, repo: Path, tmux_socket: str
) -> None:
    assert CODEX is not None, "CCO_REQUIRE_REAL_CODEX=1 but the pinned Codex CLI is missing"
    folder = tmp_path / "instance"
    home = folder / "codex-home"
    events = folder / "events.jsonl"
    prompt_file = folder / "prompt.txt"
    folder.mkdir()
    prompt_file.write_text("please write hello.txt")
    mux = TmuxCli(tmux_socket)
    with FakeOpenAI(api_key=FAKE_OPENAI_KEY) as fake:
        fake.script_patch("hello.txt", "hi from codex\n", final="wrote it")
        fake.script(
            Command("echo approved > approved.txt", escalate=True, justification="needs it")
        )
        fake.script(Text("resumed fine"))
        settings = CodexSettings(repo, "acceptEdits", base_url=fake.url)
        env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ["HOME"],
            "LANG": "C.UTF-8",
            "CODEX_HOME": str(home),
            "OPENAI_API_KEY": FAKE_OPENAI_KEY,
            "CCO_EVENTS_FILE": str(events),
            "CCO_PROMPT_FILE": str(prompt_file),
        }
        argv = interactive_argv(
            CODEX, home, settings, HOOK_COMMAND, session_id=None, resume=False, prompt=True
        )
        mux.new_session(SESSION, cwd=repo, argv=argv, env=env, raw_log=folder / "raw.log")
        assert FAKE_OPENAI_KEY not in json.dumps(argv)

        # 1. the first turn, from the prompt file: a patch, then Stop
        wait_for(lambda: named(events, "Stop"), timeout=90, what="the first turn's Stop hook")
        assert (repo / "hello.txt").read_text() == "hi from codex\n"
        kinds = [r["event"]["hook_event_name"] for r in hook_events(events)]
        assert kinds[:2] == ["SessionStart", "UserPromptSubmit"] and "PreToolUse" in kinds
        session_id = named(events, "SessionStart")[0]["event"]["session_id"]
        rollout_path = Path(named(events, "Stop")[0]["event"]["transcript_path"])
        look = wait_for(
            lambda: r if (r := rollout.read(rollout_path)).last_turn == "complete" else None,
            timeout=30,
            what="the rollout's task_complete",
        )
        assert look.input_tokens and look.output_tokens

        # 2. a command that needs approval, typed as cco types text (a bracketed paste)
        mux.send_text(SESSION, "now run the command")
        asked = wait_for(
            lambda: named(events, "PermissionRequest"), timeout=60, what="PermissionRequest"
        )[0]
        question = dialog.question_from_hook(asked)
        assert question is not None and question.command == "echo approved > approved.txt"
        choices = wait_for(
            lambda: dialog.read_choices(mux.capture(SESSION), question)[0],
            timeout=30,
            what="the approval dialog's choices",
        )
        allow = next(c for c in choices if c.kind == "allow_once")
        assert allow.key == "y" and not (repo / "approved.txt").exists()
        mux.send_keys(SESSION, "-l", allow.key)
        wait_for(lambda: len(named(events, "Stop")) >= 2, timeout=60, what="the second Stop")
        assert (repo / "approved.txt").read_text().strip() == "approved"

        # 3. kill -9 the agent; start it again: it resumes the same session
        pane = mux.panes()[SESSION]
        assert pane.pid
        os.kill(pane.pid, signal.SIGKILL)
        wait_for(lambda: mux.panes()[SESSION].dead, timeout=30, what="the pane to die")
        prompt_file.write_text("go on")
        again = interactive_argv(
            CODEX, home, settings, HOOK_COMMAND, session_id=session_id, resume=True, prompt=True
        )
        assert "resume" in again and session_id in again
        mux.respawn(SESSION, cwd=repo, argv=again, env=env, raw_log=folder / "raw.log")
        wait_for(lambda: len(named(events, "Stop")) >= 3, timeout=90, what="the resumed turn")
        starts = named(events, "SessionStart")
        assert starts[-1]["event"]["source"] == "resume"
        assert starts[-1]["event"]["session_id"] == session_id
        last = fake.main_requests()[-1]
        assert last.metadata["history_initialization"] == "cold_resume"
        assert "now run the command" in json.dumps(last.body)  # the earlier history came along
        assert fake.spec_errors == []
