"""Any command-line agent (aider, gemini, ...): status from pane activity and the configured
screen patterns; it writes no file cco reads, and cco cannot read its dialogs."""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from cc_orchestrator.adapters.agent_env import agent_env
from cc_orchestrator.config import AgentConfig
from cc_orchestrator.domain.errors import Conflict, ExternalError, InvalidInput
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
from cc_orchestrator.domain.text import inert_text
from cc_orchestrator.ports import InstanceFiles, Launch, LaunchSpec, ScreenWant

# Every argument that is exactly {prompt} becomes the prompt file's text.
GENERIC_WRAPPER = (
    'p=$(cat "$CCO_PROMPT_FILE"); for a do shift;'
    ' if [ "$a" = "{prompt}" ]; then set -- "$@" "$p"; else set -- "$@" "$a"; fi; done;'
    ' exec "$@"'
)
NO_CHANNEL = (
    "this agent has no structured channel and cco cannot read its choices: answer in the"
    " terminal (cco instances attach ID) or with `cco instances send ID TEXT`"
)


class GenericAgent:
    """Any command-line agent: status from pane activity and configured screen patterns."""

    def __init__(self, name: str, config: AgentConfig) -> None:
        self.name = name
        self.config = config
        self._idle = re.compile(config.idle_pattern) if config.idle_pattern else None
        self._working = re.compile(config.working_pattern) if config.working_pattern else None
        self._waiting = re.compile(config.waiting_pattern) if config.waiting_pattern else None

    # launching
    def check(self) -> None:
        program = self.config.command[0]
        if not (shutil.which(program) or (Path(program).is_file() and os.access(program, os.X_OK))):
            raise ExternalError(f"agent {self.name!r}: {program!r} is not installed or not on PATH")

    def check_prompt(self, prompt: str) -> None:
        inert_text(prompt, "the prompt")  # it may get typed into the pane

    def launch(self, spec: LaunchSpec) -> Launch:
        if spec.mode == "headless":
            raise InvalidInput(f"agent {self.name!r} has no headless mode; use interactive")
        env = agent_env(spec, self.config.env)
        if "{prompt}" in self.config.command:
            argv = ["/bin/sh", "-c", GENERIC_WRAPPER, "sh", *self.config.command]
            return Launch(argv=argv, env=env)
        return Launch(argv=list(self.config.command), env=env, type_prompt=spec.prompt)

    def new_run(self, files: InstanceFiles, state: AgentState) -> dict[str, Any]:
        return dict(state)

    def can_resume(self, files: InstanceFiles) -> bool:
        return False  # cco knows no session of it to resume

    def prompt_submitted(self, files: InstanceFiles) -> bool:
        return False

    def exit_command(self) -> str | None:
        return None

    # observing: the screen only
    def watched(self, inst: Instance, files: InstanceFiles, state: AgentState) -> dict[str, int]:
        return {}

    def observe(
        self,
        inst: Instance,
        files: InstanceFiles,
        state: AgentState,
        *,
        deep: bool,
        memo: dict[str, Any],
    ) -> Observed:
        return Observed((), dict(state))

    def screen_wanted(self, status: InstanceStatus) -> ScreenWant | None:
        return "on_change"

    def read_screen(self, screen: str, quiet_for_s: float) -> ScreenLook:
        """The pattern matched furthest down the screen wins: it is the newest state."""
        tail = "\n".join(screen.rstrip().splitlines()[-15:])
        best: tuple[int, InstanceStatus, str] | None = None
        for pattern, status, why in (
            (self._waiting, InstanceStatus.WAITING_INPUT, "the screen asks for input"),
            (self._working, InstanceStatus.WORKING, "the screen shows work"),
            (self._idle, InstanceStatus.IDLE, "the screen shows the prompt"),
        ):
            if pattern is None:
                continue
            ends = [m.end() for m in pattern.finditer(tail)]
            if ends and (best is None or ends[-1] > best[0]):
                best = (ends[-1], status, why)
        if best is not None:
            return ScreenLook(change=Change(best[1], best[2]))
        if quiet_for_s >= self.config.quiet_after_s:
            return ScreenLook(
                change=Change(InstanceStatus.IDLE, f"no output for {quiet_for_s:.0f}s")
            )
        return ScreenLook(change=Change(InstanceStatus.WORKING, "output is changing"))

    def observed_status(self, pid: int) -> Change | None:
        return None

    # answering: only in the terminal
    def unseen_question(self, instance_id: str, now: datetime) -> Question:
        return unseen_question(instance_id, now.timestamp(), tool=self.name, reason=NO_CHANNEL)

    def reads_choices_on_screen(self) -> bool:
        return False

    def read_choices(
        self, screen: str, question: Question
    ) -> tuple[tuple[Choice, ...], str | None]:
        return (), NO_CHANNEL

    def answer_by_hook(
        self, files: InstanceFiles, question: Question, allow: bool, message: str | None
    ) -> None:
        raise Conflict(f"agent {self.name!r} takes no structured answer")

    def choice_keys(self, choice: Choice) -> list[str]:
        return ["-l", choice.key]

    # reading
    def log_source(self, inst: Instance, files: InstanceFiles) -> LogSource:
        return LogSource(files.events, "events")

    def render_log_line(self, line: str) -> str | None:
        return line.strip() or None

    def last_turn_refusals(self, files: InstanceFiles) -> list[Denial]:
        return []

    def refusal_advice(self) -> tuple[str, str]:
        return f"agent {self.name!r}", "allow it in that agent's own settings"
