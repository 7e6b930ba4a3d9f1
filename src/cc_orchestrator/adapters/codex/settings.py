"""The files a Codex instance starts from: its private CODEX_HOME's config.toml and hooks.json.

Codex (0.169.0) reads everything from `$CODEX_HOME`; cco gives each instance its own, under the
instance's data folder, so no run sees the user's `~/.codex` or another instance's sessions.
The config pre-answers every first-run screen (trusting the worktree, the model-migration
notice, the screen-reader probe), turns off what would reach the internet or leave processes
behind (update check, plugin sync, the app-server daemon, analytics, feedback) and points the
provider at the configured endpoint. The API key is never in a file: Codex reads it from the
environment variable the provider names (`env_key`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: The events cco listens to; Codex fires them with Claude Code's payload shape
#: (`hook_event_name`, `session_id`, `transcript_path` = the rollout file, `tool_name`, ...).
HOOK_EVENTS = (
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "PermissionRequest",
    "Stop",
    "SessionEnd",
)
# Each hook appends its payload (JSON on stdin) as one line `{"cco_ts": <date +%s.%N>, "event":
# <payload>}` to the instance's events file: a shell and `date` only, never an interpreter (a
# hook blocks the agent), the whole line written by one printf so two hooks cannot interleave.
HOOK_COMMAND = (
    r"""line=$(printf '{"cco_ts":"%s","event":' "$(date +%s.%N)"; tr -d '\n'; printf '}');"""
    r""" printf '%s\n' "$line" >> "$CCO_EVENTS_FILE" """
).strip()
DEFAULT_MODEL = "gpt-5.5"
PROVIDER = "cco"

# Claude Code's permission modes (what cco's settings and tasks speak), as Codex's pair of
# approval policy and sandbox: what the agent may do without asking.
POLICIES: dict[str, tuple[str, str]] = {
    "default": ("untrusted", "workspace-write"),
    "acceptEdits": ("on-request", "workspace-write"),
    "plan": ("on-request", "read-only"),
    "bypassPermissions": ("never", "danger-full-access"),
}


@dataclass(frozen=True)
class CodexSettings:
    """What a run is configured with (from cco's settings and the launch)."""

    worktree: Path
    permission_mode: str
    model: str | None = None
    base_url: str | None = None  # None: OpenAI's own endpoint
    env_key: str = "OPENAI_API_KEY"
    # the fleet's MCP server (Streamable HTTP): name, URL, the variable its token is in
    mcp: tuple[str, str, str] | None = None


def _toml(value: object) -> str:
    """A TOML value: JSON's strings, numbers, booleans and arrays are valid TOML."""
    return json.dumps(value, ensure_ascii=False)


def _table(name: str, values: Mapping[str, object]) -> list[str]:
    return [f"[{name}]", *(f"{_toml_key(k)} = {_toml(v)}" for k, v in values.items()), ""]


def _toml_key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum()
    return key if bare else _toml(key)


def config_toml(settings: CodexSettings) -> str:
    approval, sandbox = POLICIES.get(settings.permission_mode, POLICIES["acceptEdits"])
    model = settings.model or DEFAULT_MODEL
    provider: dict[str, object] = {
        "name": "cco",
        "base_url": settings.base_url or "https://api.openai.com/v1",
        "wire_api": "responses",
        "env_key": settings.env_key,
    }
    top: dict[str, object] = {
        "model": model,
        "model_provider": PROVIDER,
        "approval_policy": approval,
        "sandbox_mode": sandbox,
        "check_for_update_on_startup": False,
    }
    lines = [f"{k} = {_toml(v)}" for k, v in top.items()]
    lines.append("")
    lines += _table(f"model_providers.{PROVIDER}", provider)
    # plugin sync reaches out at start; the daemon copies a 404 MB app-server and outlives /quit
    lines += _table("features", {"plugins": False, "daemon_auto_start": False})
    lines += _table("analytics", {"enabled": False})
    lines += _table("feedback", {"enabled": False})
    lines += _table("tui", {"screen_reader_detection_done": True, "show_tooltips": False})
    lines += _table("tui.model_availability_nux", {"gpt-6.1-sol": 99})
    # The "Meet <new model>" migration screen is skipped by saying it was seen for this model.
    lines += _table("notice.model_migrations", {model: "gpt-6-sol"})
    lines += _table(f"projects.{_toml(str(settings.worktree))}", {"trust_level": "trusted"})
    if settings.mcp is not None:
        # the token stays in the environment (Codex refuses an inline bearer_token anyway)
        name, url, token_env = settings.mcp
        lines += _table(f"mcp_servers.{name}", {"url": url, "bearer_token_env_var": token_env})
    return "\n".join(lines)


def hooks_json(command: str, events: Sequence[str] = HOOK_EVENTS) -> str:
    entry = [{"hooks": [{"type": "command", "command": command, "timeout": 10}]}]
    return json.dumps({"hooks": {event: entry for event in events}}, indent=2) + "\n"


def write_home(home: Path, settings: CodexSettings, hook_command: str) -> None:
    """(Re)write the instance's CODEX_HOME files, owner-only; sessions already there stay."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name, text in (
        ("config.toml", config_toml(settings)),
        ("hooks.json", hooks_json(hook_command)),
    ):
        tmp = home / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o600)
        tmp.replace(home / name)


def rollout_of(home: Path, session_id: str) -> Path | None:
    """The rollout file Codex keeps for a session (`sessions/Y/M/D/rollout-...-<id>.jsonl`)."""
    if not session_id or "/" in session_id:
        return None
    found = sorted((home / "sessions").glob(f"*/*/*/rollout-*-{session_id}.jsonl"))
    return found[-1] if found else None
