"""Claude Code: hooks give the exact status, its stream/transcript/status line the usage."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from cc_orchestrator.adapters.claude import dialog, hooks, launch, logview, startup, usage
from cc_orchestrator.config import InstancesConfig
from cc_orchestrator.domain.errors import Conflict
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


class ClaudeAgent:
    name = "claude"

    def __init__(self, config: InstancesConfig) -> None:
        self.config = config

    # launching
    def check(self) -> None:
        launch.find_claude(self.config.claude_path)

    def check_prompt(self, prompt: str) -> None:
        return None  # handed over in a file, never typed

    def launch(self, spec: LaunchSpec) -> Launch:
        return launch.launch(self.config, spec)

    def new_run(self, files: InstanceFiles, state: AgentState) -> dict[str, Any]:
        # The new process reports its own totals from zero.
        files.status.unlink(missing_ok=True)
        return {**state, "run_cost": 0.0}

    def can_resume(self, files: InstanceFiles) -> bool:
        try:
            return files.events.stat().st_size > 0
        except OSError:
            return False

    def prompt_submitted(self, files: InstanceFiles) -> bool:
        return hooks.prompt_submitted(files)

    def exit_command(self) -> str | None:
        return "/exit"  # it then writes its final totals and fires SessionEnd

    # observing
    def watched(self, inst: Instance, files: InstanceFiles, state: AgentState) -> dict[str, int]:
        found = {str(files.events): int(state.get("events") or 0)}
        if inst.mode == "headless":
            found[str(files.stream)] = int(state.get("stream") or 0)
        return found

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
        found = hooks.read_hooks(inst, files, cursor, self.config.answer_wait_s)
        if inst.mode == "headless":
            found += usage.read_stream(files, cursor)
        elif deep:
            transcript = inst.transcript
            for seen in found:
                transcript = seen.transcript or transcript
            if transcript:
                found += usage.read_transcript(Path(transcript), files, cursor, memo)
        return Observed(tuple(found), cursor)

    def screen_wanted(self, status: InstanceStatus) -> ScreenWant | None:
        # Hooks say the rest exactly; only the first-run dialogs come before them.
        return "always" if status == InstanceStatus.STARTING else None

    def read_screen(self, screen: str, quiet_for_s: float) -> ScreenLook:
        bypass = self.config.permission_mode == "bypassPermissions"
        found = startup.startup_answer(screen, bypass=bypass)
        if found is None:
            return ScreenLook()
        keys, what = found
        return ScreenLook(keys=tuple(keys), answered=what if keys == ["Enter"] else None)

    def observed_status(self, pid: int) -> Change | None:
        """Claude Code's own (undocumented, best-effort) state file, for what fires no hook."""
        base = os.environ.get("CLAUDE_CONFIG_DIR") or self.config.env.get("CLAUDE_CONFIG_DIR")
        folder = Path(base) if base else Path.home() / ".claude"
        try:
            state = json.loads((folder / "sessions" / f"{pid}.json").read_text())
        except (OSError, ValueError):
            return None
        if isinstance(state, dict) and state.get("status") == "idle":
            why = "the question was answered (no hook fires for a denial)"
            return Change(InstanceStatus.IDLE, why)
        return None

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
        """The decision file the PermissionRequest hook waits for (see launch.ASK_HOOK_COMMAND),
        named after the question's id (the hook's own timestamp), written atomically."""
        if not dialog.QUESTION_ID.fullmatch(question.id):
            raise Conflict(f"the question {question.id!r} has no id its hook can read")
        folder = files.folder / "answers"
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{question.id}.tmp"
        tmp.write_text(dialog.hook_answer(allow, message) + "\n", encoding="utf-8")
        os.replace(tmp, folder / f"{question.id}.json")  # the hook sees the whole file or none

    def choice_keys(self, choice: Choice) -> list[str]:
        return ["-l", choice.key]  # a digit acts at once: typed literally, no Enter

    # reading
    def log_source(self, inst: Instance, files: InstanceFiles) -> LogSource:
        """The hook events until an interactive agent's transcript is known, then that."""
        if inst.mode == "headless":
            return LogSource(files.stream, "stream")
        if inst.transcript:
            return LogSource(Path(inst.transcript), "transcript")
        return LogSource(files.events, "events")

    def render_log_line(self, line: str) -> str | None:
        return logview.render_log_line(line)

    def last_turn_refusals(self, files: InstanceFiles) -> list[Denial]:
        return logview.last_turn_denials(files.stream)

    def refusal_advice(self) -> tuple[str, str]:
        return "Claude Code", "allow it in the project's .claude/settings.json"
