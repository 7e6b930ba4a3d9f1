"""How Claude Code is started: its hooks and status line (what it writes for cco), the
wrappers that hand it the prompt, and where its binary is."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

from cc_orchestrator.adapters.agent_env import agent_env
from cc_orchestrator.config import InstancesConfig
from cc_orchestrator.domain.errors import ExternalError, InvalidInput
from cc_orchestrator.ports import Launch, LaunchSpec
from cc_orchestrator.private import private_dir

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

# The status line command gets the session's live totals (cost, tokens) as JSON on stdin; keep
# the newest copy for the orchestrator and show which instance this is. The copy is a new file
# each time (written aside, then renamed), so it is made owner-only here (umask in this shell).
STATUS_LINE_COMMAND = (
    'umask 077; cat > "$CCO_STATUS_FILE.tmp" && mv -f "$CCO_STATUS_FILE.tmp" "$CCO_STATUS_FILE";'
    ' printf "cco %s" "$CCO_INSTANCE_ID"'
)


def hook_settings(answer_wait_s: float = 0, mcp_server: str | None = None) -> dict[str, object]:
    entry = [{"hooks": [{"type": "command", "command": HOOK_COMMAND, "timeout": 10}]}]
    hooks: dict[str, object] = {event: entry for event in HOOK_EVENTS}
    if answer_wait_s >= 2:
        rounds = int(answer_wait_s * 5)
        command = ASK_HOOK_COMMAND.replace("ROUNDS", str(rounds))
        timeout = int(answer_wait_s) + 30
        hooks["PermissionRequest"] = [
            {"hooks": [{"type": "command", "command": command, "timeout": timeout}]}
        ]
    settings: dict[str, object] = {
        "hooks": hooks,
        "statusLine": {"type": "command", "command": STATUS_LINE_COMMAND, "padding": 0},
    }
    if mcp_server:  # the fleet's own tools run without a dialog (cco's server, its scope)
        settings["permissions"] = {"allow": [f"mcp__{mcp_server}"]}
    return settings


def write_mcp_config(spec: LaunchSpec) -> Path | None:
    """The fleet's MCP server for `--mcp-config`: a 0600 file in the instance's folder (the
    credential is never on a command line), rewritten at every launch."""
    if spec.mcp is None:
        return None
    access = spec.mcp
    config = {
        "mcpServers": {
            access.name: {
                "type": "http",
                "url": access.url,
                "headers": {"Authorization": f"Bearer {access.token}"},
            }
        }
    }
    path = spec.files.folder / "mcp.json"
    tmp = path.with_name(".mcp.json.tmp")
    private_dir(spec.files.folder)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(config, fh)
    os.replace(tmp, path)
    return path


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


def launch(config: InstancesConfig, spec: LaunchSpec) -> Launch:
    binary = find_claude(config.claude_path)
    mcp_config = write_mcp_config(spec)
    mcp_server = spec.mcp.name if spec.mcp else None
    args = [
        "--permission-mode",
        spec.permission_mode,
        "--settings",
        json.dumps(hook_settings(config.answer_wait_s, mcp_server), separators=(",", ":")),
    ]
    if mcp_config is not None:
        args += ["--mcp-config", str(mcp_config)]
    if spec.model:
        args += ["--model", spec.model]
    args += ["--resume", spec.session_id] if spec.resume else ["--session-id", spec.session_id]
    env = agent_env(spec, config.env)
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
