"""OpenAI Codex CLI: its hooks give the exact status, its rollout the tokens (never a price).

Launched as its TUI in tmux with a CODEX_HOME of its own (launch.py, settings.py); hook lines
and the rollout become observations (hooks.py); approvals are answered with the keys its dialog
shows (dialog.py). What no hook and no file tells, a session resumed without a prompt sitting
at its composer, is read on the screen while the instance is starting.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from cc_orchestrator.adapters.agent_env import agent_env
from cc_orchestrator.adapters.codex import dialog, hooks, stream
from cc_orchestrator.adapters.codex.launch import (
    codex_home,
    find_codex,
    headless_argv,
    interactive_argv,
)
from cc_orchestrator.adapters.codex.settings import HOOK_COMMAND, CodexSettings
from cc_orchestrator.config import InstancesConfig
from cc_orchestrator.domain.errors import Conflict, InvalidInput
from cc_orchestrator.domain.instance_status import Change
from cc_orchestrator.domain.models import Instance, InstanceStatus
from cc_orchestrator.domain.observations import (
    AgentState,
    Denial,
    LogSource,
    Observed,
    ScreenLook,
)
from cc_orchestrator.domain.questions import Choice, Question, unseen_question
from cc_orchestrator.ports import InstanceFiles, Launch, LaunchSpec, ScreenWant

# The TUI's empty composer: it waits for a prompt.
READY = "Ask Codex to do anything"
READY_QUIET_S = 3.0


class CodexAgent:
    name = "codex"

    def __init__(self, config: InstancesConfig) -> None:
        self.config = config

    # launching
    def check(self) -> None:
        find_codex(self.config.codex_path)

    def check_prompt(self, prompt: str) -> None:
        return None  # handed over in a file, never typed

    def launch(self, spec: LaunchSpec) -> Launch:
        binary = find_codex(self.config.codex_path)
        home = codex_home(spec.files.folder)
        settings = CodexSettings(
            worktree=spec.cwd,
            permission_mode=spec.permission_mode,
            model=self.config.codex_model,
            base_url=self.config.codex_base_url,
            mcp=(spec.mcp.name, spec.mcp.url, spec.mcp.token_env) if spec.mcp else None,
        )
        if spec.mode == "headless":
            if not spec.prompt:
                raise InvalidInput("a headless instance needs a prompt", hint="pass --prompt")
            argv = headless_argv(
                binary, home, settings, HOOK_COMMAND, session_id=spec.session_id, resume=spec.resume
            )
        else:
            argv = interactive_argv(
                binary,
                home,
                settings,
                HOOK_COMMAND,
                session_id=spec.session_id,
                resume=spec.resume,
                prompt=bool(spec.prompt),
            )
        env = agent_env(spec, self.config.env)
        env["CODEX_HOME"] = str(home)
        if spec.mcp is not None:
            env[spec.mcp.token_env] = spec.mcp.token  # reaches the pane through a 0600 file
        return Launch(argv=argv, env=env)

    def new_run(self, files: InstanceFiles, state: AgentState) -> dict[str, Any]:
        return dict(state)  # a resumed session appends to its rollout: its totals go on

    def can_resume(self, files: InstanceFiles) -> bool:
        return any((codex_home(files.folder) / "sessions").glob("*/*/*/rollout-*.jsonl"))

    def prompt_submitted(self, files: InstanceFiles) -> bool:
        try:
            return '"UserPromptSubmit"' in files.events.read_text(errors="replace")
        except OSError:
            return False

    def exit_command(self) -> str | None:
        return "/exit"  # it fires SessionEnd and ends

    # observing
    def watched(self, inst: Instance, files: InstanceFiles, state: AgentState) -> dict[str, int]:
        key, path = (
            ("stream", files.stream) if inst.mode == "headless" else ("events", files.events)
        )
        offset = state.get(key)
        return {str(path): offset if isinstance(offset, int) else 0}

    def observe(
        self,
        inst: Instance,
        files: InstanceFiles,
        state: AgentState,
        *,
        deep: bool,
        memo: dict[str, Any],
    ) -> Observed:
        cursor = dict(state)
        found = hooks.read_hooks(inst, files, cursor)
        if inst.mode == "headless":
            found += stream.read_stream(files, cursor)
        elif deep:
            transcript = inst.transcript
            for seen in found:
                transcript = seen.transcript or transcript
            if transcript:
                found += hooks.read_rollout(Path(transcript), cursor)
        return Observed(tuple(found), cursor)

    def screen_wanted(self, status: InstanceStatus) -> ScreenWant | None:
        # Codex fires SessionStart only with its first turn: a session started or resumed
        # without a prompt shows its empty composer and says nothing else.
        return "always" if status == InstanceStatus.STARTING else None

    def read_screen(self, screen: str, quiet_for_s: float) -> ScreenLook:
        tail = screen.rstrip().splitlines()[-8:]
        if quiet_for_s >= READY_QUIET_S and any(READY in line for line in tail):
            return ScreenLook(change=Change(InstanceStatus.IDLE, "ready for a prompt"))
        return ScreenLook()

    def observed_status(self, pid: int) -> Change | None:
        return None  # a declined approval shows in the rollout (turn_aborted), see observe

    # answering
    def unseen_question(self, instance_id: str, now: datetime) -> Question:
        return unseen_question(instance_id, now.timestamp())

    def reads_choices_on_screen(self) -> bool:
        return True

    def read_choices(
        self, screen: str, question: Question
    ) -> tuple[tuple[Choice, ...], str | None]:
        return dialog.read_choices(screen, question)

    def answer_by_hook(
        self, files: InstanceFiles, question: Question, allow: bool, message: str | None
    ) -> None:
        raise Conflict("Codex's hooks take no decision: it is answered with its dialog's keys")

    def choice_keys(self, choice: Choice) -> list[str]:
        return dialog.choice_keys(choice)

    # reading
    def log_source(self, inst: Instance, files: InstanceFiles) -> LogSource:
        if inst.mode == "headless":
            return LogSource(files.stream, "stream")
        return LogSource(files.events, "events")

    def render_log_line(self, line: str) -> str | None:
        if '"cco_ts"' in line:
            return hooks.render_hook_line(line)
        return stream.render_stream_line(line)

    def last_turn_refusals(self, files: InstanceFiles) -> list[Denial]:
        return []  # exec refuses what needs approval without a refusal record in its stream

    def refusal_advice(self) -> tuple[str, str]:
        return "Codex", "allow it in the sandbox settings (instances.permission_mode)"
