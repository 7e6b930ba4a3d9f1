"""How a Codex instance is started: the binary, its private CODEX_HOME, the command line.

Interactive: the TUI (`codex [PROMPT]`), or `codex resume <session id>` after a crash when
Codex kept that session's rollout. The prompt goes through the instance's prompt file, read by
a fixed script: user text never becomes shell code nor a tmux command line. Hooks run without
the TUI's "Hooks need review" screen (`--dangerously-bypass-hook-trust`): cco wrote them itself
into a CODEX_HOME only this instance uses.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from cc_orchestrator.adapters.codex.settings import CodexSettings, rollout_of, write_home
from cc_orchestrator.domain.errors import ExternalError

PROMPT_WRAPPER = 'exec "$0" "$@" "$(cat "$CCO_PROMPT_FILE")"'
# A headless turn: `codex exec --json`, its JSONL into the stream file, never a terminal's stdin.
# The shell stays the pane's first process and waits: with Codex's Node launcher as the session
# leader, `codex exec` (0.169.0) dies of SIGHUP at once under tmux.
HEADLESS_WRAPPER = (
    '"$0" "$@" "$(cat "$CCO_PROMPT_FILE")" </dev/null'
    ' >>"$CCO_STREAM_FILE" 2>>"$CCO_STDERR_FILE"; exit $?'
)
TRUST_HOOKS = "--dangerously-bypass-hook-trust"


def find_codex(configured: str | None) -> str:
    """The configured path, else `codex` on PATH."""
    if configured:
        path = Path(configured).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
        raise ExternalError(
            f"instances.codex_path {configured!r} is not an executable file",
            hint="fix it with `cco config set instances.codex_path PATH`",
        )
    on_path = shutil.which("codex")
    if on_path:
        return on_path
    raise ExternalError(
        "the Codex CLI was not found: no `codex` on PATH",
        hint="install it (npm install -g @openai/codex) or set instances.codex_path",
    )


def codex_home(folder: Path) -> Path:
    """The instance's own CODEX_HOME (config, hooks, sessions), under its data folder."""
    return folder / "codex-home"


def interactive_argv(
    binary: str,
    home: Path,
    settings: CodexSettings,
    hook_command: str,
    *,
    session_id: str | None,
    resume: bool,
    prompt: bool,
) -> list[str]:
    """The TUI's argv, after (re)writing CODEX_HOME's config.toml and hooks.json."""
    write_home(home, settings, hook_command)
    if resume and session_id and rollout_of(home, session_id) is not None:
        base = [binary, "resume", TRUST_HOOKS, session_id]
    else:
        base = [binary, TRUST_HOOKS]
    if prompt:
        return ["/bin/sh", "-c", PROMPT_WRAPPER, *base, "--"]
    return base


def headless_argv(
    binary: str,
    home: Path,
    settings: CodexSettings,
    hook_command: str,
    *,
    session_id: str | None,
    resume: bool,
) -> list[str]:
    """One headless turn's argv (`codex exec --json`, or `exec resume` of its session)."""
    write_home(home, settings, hook_command)
    flags = ["--json", TRUST_HOOKS]
    if resume and session_id and rollout_of(home, session_id) is not None:
        base = [binary, "exec", "resume", *flags, session_id]
    else:
        base = [binary, "exec", *flags]
    return ["/bin/sh", "-c", HEADLESS_WRAPPER, *base, "--"]
