"""Agent adapters: Claude Code (hooks give exact status) and generic command-line agents."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cc_orchestrator.adapters import claude_dialog
from cc_orchestrator.adapters.user_env import user_environment
from cc_orchestrator.config import AgentConfig, InstancesConfig
from cc_orchestrator.domain.errors import ExternalError, InvalidInput
from cc_orchestrator.domain.models import InstanceStatus
from cc_orchestrator.domain.questions import Choice, Question
from cc_orchestrator.ports import Agent, Launch, LaunchSpec

# Appends the hook payload as one JSON line with a timestamp; runs a shell and `date` only,
# never a Python interpreter (hooks block the agent's turn). JSON text holds no raw newline,
# so deleting newlines keeps the payload intact.
# The whole line is built first and written with one printf, so two hooks firing at once
# cannot interleave half-lines.
HOOK_COMMAND = (
    r"""line=$(printf '{"cco_ts":"%s","event":' "$(date +%s.%N)"; tr -d '\n'; printf '}');"""
    r""" printf '%s\n' "$line" >> "$CCO_EVENTS_FILE" """
).strip()
# The PermissionRequest hook writes its line the same way, then waits for cco's decision:
# `<instance dir>/answers/<its cco_ts>.json`, written atomically by `cco instances answer`,
# polled with `sleep 0.2` (no interpreter) up to a number of rounds, and only while Claude Code
# (its parent) lives; it prints the decision
# for Claude Code, or nothing when none came (Claude Code's own dialog is drawn meanwhile and
# stays usable in the terminal either way).
ASK_HOOK_COMMAND = (
    r"""ts=$(date +%s.%N); line=$(printf '{"cco_ts":"%s","event":' "$ts"; tr -d '\n';"""
    r""" printf '}'); printf '%s\n' "$line" >> "$CCO_EVENTS_FILE";"""
    r""" a="${CCO_EVENTS_FILE%/*}/answers/$ts.json"; n=0;"""
    r""" while [ ! -f "$a" ] && [ $n -lt ROUNDS ] && kill -0 $PPID 2>/dev/null;"""
    r""" do sleep 0.2; n=$((n+1)); done;"""
    r""" if [ -f "$a" ]; then cat "$a"; fi; exit 0"""
)
HOOK_EVENTS = (
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "PermissionRequest",
    "Notification",
    "Stop",
    "StopFailure",
    "SessionEnd",
)
# The prompt is read from the instance's prompt file by a fixed script (user text never becomes
# shell code, and a long prompt never meets tmux's command-length limit).
PROMPT_WRAPPER = 'exec "$0" "$@" "$(cat "$CCO_PROMPT_FILE")"'
# A headless run also writes its stream-json to a file.
HEADLESS_WRAPPER = (
    'exec "$0" "$@" "$(cat "$CCO_PROMPT_FILE")" >>"$CCO_STREAM_FILE" 2>>"$CCO_STDERR_FILE"'
)
# Generic agents: every argument that is exactly {prompt} becomes the prompt file's text.
GENERIC_WRAPPER = (
    'p=$(cat "$CCO_PROMPT_FILE"); for a do shift;'
    ' if [ "$a" = "{prompt}" ]; then set -- "$@" "$p"; else set -- "$@" "$a"; fi; done;'
    ' exec "$@"'
)


# The status line command gets the session's live totals (cost, tokens) as JSON on stdin; keep
# the newest copy for the orchestrator and show which instance this is. The copy is a new file
# each time (written aside, then renamed), so it is made owner-only here (umask in this shell).
STATUS_LINE_COMMAND = (
    'umask 077; cat > "$CCO_STATUS_FILE.tmp" && mv -f "$CCO_STATUS_FILE.tmp" "$CCO_STATUS_FILE";'
    ' printf "cco %s" "$CCO_INSTANCE_ID"'
)


def hook_settings(answer_wait_s: float = 0) -> dict[str, object]:
    entry = [{"hooks": [{"type": "command", "command": HOOK_COMMAND, "timeout": 10}]}]
    hooks: dict[str, object] = {event: entry for event in HOOK_EVENTS}
    if answer_wait_s >= 2:
        rounds = int(answer_wait_s * 5)
        command = ASK_HOOK_COMMAND.replace("ROUNDS", str(rounds))
        timeout = int(answer_wait_s) + 30
        hooks["PermissionRequest"] = [
            {"hooks": [{"type": "command", "command": command, "timeout": timeout}]}
        ]
    return {
        "hooks": hooks,
        "statusLine": {"type": "command", "command": STATUS_LINE_COMMAND, "padding": 0},
    }


def agent_env(spec: LaunchSpec, extra: Mapping[str, str]) -> dict[str, str]:
    """The user's environment (cco's own venv and settings removed), configured variables, ours.

    This is the agent's whole environment: tmux's own is not inherited (see launch_env).
    """
    env = user_environment()
    env.update(extra)
    env.update(spec.env)
    env.update(
        {
            "CCO_INSTANCE_ID": spec.instance_id,
            "CCO_EVENTS_FILE": str(spec.files.events),
            "CCO_STREAM_FILE": str(spec.files.stream),
            "CCO_STDERR_FILE": str(spec.files.stderr),
            "CCO_PROMPT_FILE": str(spec.files.prompt),
            "CCO_STATUS_FILE": str(spec.files.status),
        }
    )
    return env


def find_claude(configured: str | None) -> str:
    """The configured path, else `claude` on PATH, else the one in the claude-agent-sdk wheel."""
    if configured:
        path = Path(configured).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
        raise ExternalError(
            f"instances.claude_path {configured!r} is not an executable file",
            hint="fix it with `cco config set instances.claude_path PATH`",
        )
    on_path = shutil.which("claude")
    if on_path:
        return on_path
    spec = importlib.util.find_spec("claude_agent_sdk")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            bundled = Path(location) / "_bundled" / "claude"
            if bundled.is_file() and os.access(bundled, os.X_OK):
                return str(bundled)
    raise ExternalError(
        "Claude Code was not found: no `claude` on PATH and no claude-agent-sdk installed",
        hint="install it (npm install -g @anthropic-ai/claude-code) or set instances.claude_path",
    )


# First-run dialogs of Claude Code (2.1.x), read on screen before answering, never a blind
# Enter: (what identifies the dialog, the option to choose, what choosing it means).
# The cursor is moved one step per look and Enter is pressed only once the cursor is on the
# chosen option, so a dropped keystroke can never confirm the wrong answer.
_CONFIRM = "Enter to confirm"
_CLAUDE_DIALOGS: list[tuple[str, str, str]] = [
    ("Yes, I trust this folder", "Yes, I trust this folder", "trusted the repository folder"),
    ("Do you want to use this API key?", "Yes", "approved the ANTHROPIC_API_KEY it was given"),
]
_CLAUDE_BYPASS = (
    "Bypass Permissions mode",
    "Yes, I accept",
    "accepted bypass-permissions mode as configured",
)


def _option(line: str) -> str:
    return line.replace("❯", " ").strip()


def dialog_keys(screen: str, marker: str, target: str) -> list[str] | None:
    """The next key that moves a select-dialog's cursor toward target, or Enter when on it."""
    if marker not in screen or _CONFIRM not in screen:
        return None
    lines = screen.splitlines()
    selected = [n for n, line in enumerate(lines) if "❯" in line]
    wanted = [n for n, line in enumerate(lines) if _option(line) == target]
    if not selected or not wanted:
        return None
    here, there = selected[-1], wanted[-1]
    if here == there:
        return ["Enter"]
    return ["Down"] if there > here else ["Up"]


class ClaudeAgent:
    name = "claude"
    uses_hooks = True

    def __init__(self, config: InstancesConfig) -> None:
        self.config = config

    def check(self) -> None:
        find_claude(self.config.claude_path)

    def launch(self, spec: LaunchSpec) -> Launch:
        binary = find_claude(self.config.claude_path)
        args = [
            "--permission-mode",
            spec.permission_mode,
            "--settings",
            json.dumps(hook_settings(self.config.answer_wait_s), separators=(",", ":")),
        ]
        if spec.model:
            args += ["--model", spec.model]
        args += ["--resume", spec.session_id] if spec.resume else ["--session-id", spec.session_id]
        env = agent_env(spec, self.config.env)
        if spec.mode == "headless":
            if not spec.prompt:
                raise InvalidInput("a headless instance needs a prompt", hint="pass --prompt")
            headless = ["-p", "--output-format", "stream-json", "--verbose"]
            if spec.max_turns:
                headless += ["--max-turns", str(spec.max_turns)]
            argv = ["/bin/sh", "-c", HEADLESS_WRAPPER, binary, *headless, *args, "--"]
            return Launch(argv=argv, env=env)
        if spec.prompt:
            return Launch(argv=["/bin/sh", "-c", PROMPT_WRAPPER, binary, *args, "--"], env=env)
        return Launch(argv=[binary, *args], env=env)

    def screen_status(self, screen: str, quiet_for_s: float) -> tuple[InstanceStatus, str] | None:
        return None  # hooks say it exactly

    def observed_status(self, pid: int) -> tuple[InstanceStatus, str] | None:
        """Claude Code's own (undocumented, best-effort) state file, for what fires no hook."""
        base = os.environ.get("CLAUDE_CONFIG_DIR") or self.config.env.get("CLAUDE_CONFIG_DIR")
        folder = Path(base) if base else Path.home() / ".claude"
        try:
            state = json.loads((folder / "sessions" / f"{pid}.json").read_text())
        except (OSError, ValueError):
            return None
        if isinstance(state, dict) and state.get("status") == "idle":
            return InstanceStatus.IDLE, "the question was answered (no hook fires for a denial)"
        return None

    def question(self, record: dict[str, Any]) -> Question | None:
        return claude_dialog.question_from_hook(record, self.config.answer_wait_s)

    def read_choices(
        self, screen: str, question: Question
    ) -> tuple[tuple[Choice, ...], str | None]:
        return claude_dialog.read_choices(screen, question)

    def hook_answer(self, allow: bool, message: str | None) -> str | None:
        return claude_dialog.hook_answer(allow, message)

    def startup_answer(self, screen: str) -> tuple[list[str], str] | None:
        dialogs = list(_CLAUDE_DIALOGS)
        if self.config.permission_mode == "bypassPermissions":
            # The user chose bypass mode in their configuration: accepting is their decision.
            dialogs.append(_CLAUDE_BYPASS)
        for marker, target, what in dialogs:
            keys = dialog_keys(screen, marker, target)
            if keys is not None:
                return keys, what if keys == ["Enter"] else f"moving to {target!r}"
        return None


NO_CHANNEL = (
    "this agent has no structured channel and cco cannot read its choices: answer in the"
    " terminal (cco instances attach ID) or with `cco instances send ID TEXT`"
)


class GenericAgent:
    """Any command-line agent: status from pane activity and configured screen patterns."""

    uses_hooks = False

    def __init__(self, name: str, config: AgentConfig) -> None:
        self.name = name
        self.config = config
        self._idle = re.compile(config.idle_pattern) if config.idle_pattern else None
        self._working = re.compile(config.working_pattern) if config.working_pattern else None
        self._waiting = re.compile(config.waiting_pattern) if config.waiting_pattern else None

    def check(self) -> None:
        program = self.config.command[0]
        if not (shutil.which(program) or (Path(program).is_file() and os.access(program, os.X_OK))):
            raise ExternalError(f"agent {self.name!r}: {program!r} is not installed or not on PATH")

    def launch(self, spec: LaunchSpec) -> Launch:
        if spec.mode == "headless":
            raise InvalidInput(f"agent {self.name!r} has no headless mode; use interactive")
        has_slot = "{prompt}" in self.config.command
        env = agent_env(spec, self.config.env)
        if has_slot:
            argv = ["/bin/sh", "-c", GENERIC_WRAPPER, "sh", *self.config.command]
            return Launch(argv=argv, env=env)
        return Launch(argv=list(self.config.command), env=env, type_prompt=spec.prompt)

    def screen_status(self, screen: str, quiet_for_s: float) -> tuple[InstanceStatus, str] | None:
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
            return best[1], best[2]
        if quiet_for_s >= self.config.quiet_after_s:
            return InstanceStatus.IDLE, f"no output for {quiet_for_s:.0f}s"
        return InstanceStatus.WORKING, "output is changing"

    def startup_answer(self, screen: str) -> tuple[list[str], str] | None:
        return None

    def question(self, record: dict[str, Any]) -> Question | None:
        return None

    def read_choices(
        self, screen: str, question: Question
    ) -> tuple[tuple[Choice, ...], str | None]:
        return (), NO_CHANNEL

    def hook_answer(self, allow: bool, message: str | None) -> str | None:
        return None

    def observed_status(self, pid: int) -> tuple[InstanceStatus, str] | None:
        return None


def make_agent(name: str, instances: InstancesConfig, agents: Mapping[str, AgentConfig]) -> Agent:
    if name in agents:
        return GenericAgent(name, agents[name])
    if name == "claude":
        return ClaudeAgent(instances)
    known = ", ".join(sorted({"claude", *agents}))
    raise InvalidInput(f"unknown agent {name!r}", hint=f"known agents: {known}")
