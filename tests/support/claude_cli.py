"""Locate the pinned real Claude Code CLI and build an isolated, offline environment for it.

The CLI is pinned through the test extra ``claude-agent-sdk==0.2.187``, whose wheel bundles the
native Claude Code 2.1.330 binary at ``claude_agent_sdk/_bundled/claude``. An npm install
(``npm install @anthropic-ai/claude-code@2.1.330`` into the repository root, ``.cache/npm`` or
``$CCO_TEST_CLAUDE_NPM_PREFIX``) is accepted too. The user's own ``claude`` on PATH is
deliberately NOT used by tests: its version and settings are not ours to pin.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

PINNED_CLI_VERSION = "2.1.330"
#: Environment variable naming an explicit CLI binary (still checked against the pinned version).
CLI_OVERRIDE_ENV = "CCO_TEST_CLAUDE_BIN"
#: Where an npm install may live (``<dir>/node_modules/@anthropic-ai/claude-code``).
NPM_PREFIX_ENV = "CCO_TEST_CLAUDE_NPM_PREFIX"
#: The fake API key the tests use; its last 20 characters are pre-approved in ``.claude.json``.
FAKE_API_KEY = "sk-ant-api03-fake-cco-test-key-0123456789abcdefghijklmnopqrstuvwxyz-AAAAAA"

_REPO_ROOT = Path(__file__).resolve().parents[2]


def _sdk_bundled_binary() -> Path | None:
    spec = importlib.util.find_spec("claude_agent_sdk")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "_bundled" / "claude"
        if candidate.is_file():
            return candidate
    return None


def _npm_binaries() -> Iterator[Path]:
    prefixes = [os.environ.get(NPM_PREFIX_ENV), str(_REPO_ROOT), str(_REPO_ROOT / ".cache" / "npm")]
    for prefix in prefixes:
        if not prefix:
            continue
        package = Path(prefix) / "node_modules" / "@anthropic-ai" / "claude-code"
        # The native binary comes from the optional platform package; cli.js/bin links to it.
        yield Path(prefix) / "node_modules" / ".bin" / "claude"
        yield package / "bin" / "claude.exe"
        yield package / "cli.js"


def cli_version(binary: str | os.PathLike[str]) -> str | None:
    """``claude --version`` as "2.1.330", or None when it cannot run."""
    try:
        out = subprocess.run(
            [os.fspath(binary), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "DISABLE_AUTOUPDATER": "1"},
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0 or not out.stdout.strip():
        return None
    return out.stdout.split()[0]


def _candidates() -> Iterator[Path]:
    override = os.environ.get(CLI_OVERRIDE_ENV)
    if override:
        yield Path(override)
    bundled = _sdk_bundled_binary()
    if bundled is not None:
        yield bundled
    yield from _npm_binaries()


def find_real_claude(version: str = PINNED_CLI_VERSION) -> str | None:
    """Path to an installed real Claude Code CLI of the pinned ``version``, or None."""
    for candidate in _candidates():
        if not (candidate.is_file() and os.access(candidate, os.X_OK)):
            continue
        if cli_version(candidate) == version:
            return str(candidate)
    return None


def _write_json(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")


def write_claude_config(
    config_dir: Path, repo_roots: Iterable[str | os.PathLike[str]], api_key: str = FAKE_API_KEY
) -> None:
    """Pre-write ``.claude.json`` so that no first-run dialog blocks the CLI.

    Covers onboarding, the "trust this folder" dialog (per repo root; trusting a repository also
    covers its git worktrees) and "use this API key?". Bypass-permissions is not involved.
    """
    projects = {
        str(Path(root).resolve()): {
            "allowedTools": [],
            "hasTrustDialogAccepted": True,
            "hasCompletedProjectOnboarding": True,
            "projectOnboardingSeenCount": 1,
        }
        for root in repo_roots
    }
    _write_json(
        config_dir / ".claude.json",
        {
            "hasCompletedOnboarding": True,
            "lastOnboardingVersion": PINNED_CLI_VERSION,
            "numStartups": 1,
            "theme": "dark",
            "autoUpdates": False,
            "customApiKeyResponses": {"approved": [api_key[-20:]], "rejected": []},
            "projects": projects,
        },
    )


def isolated_claude_env(
    tmp_path: Path,
    base_url: str,
    repo_roots: Iterable[str | os.PathLike[str]],
    *,
    api_key: str = FAKE_API_KEY,
) -> dict[str, str]:
    """An environment that runs the CLI against ``base_url`` with config and temp dirs in tmp.

    Nothing is read from or written to the user's ``~/.claude``/``~/.claude.json``; every
    connection stays on loopback. ``HOME`` is left alone (tmux and git want it), but
    ``CLAUDE_CONFIG_DIR`` moves all Claude Code state under ``tmp_path``.
    """
    config_dir = tmp_path / "claude-config"
    tmp_dir = tmp_path / "claude-tmp"
    config_dir.mkdir(parents=True, exist_ok=True)
    tmp_dir.mkdir(parents=True, exist_ok=True)
    write_claude_config(config_dir, repo_roots, api_key)

    keep = ("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.setdefault("LANG", "C.UTF-8")
    env.update(
        {
            "CLAUDE_CONFIG_DIR": str(config_dir),
            "CLAUDE_CODE_TMPDIR": str(tmp_dir),
            "TMPDIR": str(tmp_dir),
            "ANTHROPIC_BASE_URL": base_url,
            "ANTHROPIC_API_KEY": api_key,
            "DISABLE_TELEMETRY": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            # No retries: a scripted API error must not consume the next scripted step, and a
            # dead server must fail fast instead of looking like a multi-minute hang.
            "CLAUDE_CODE_MAX_RETRIES": "0",
        }
    )
    return env


#: Every hook event the orchestrator listens to. ``StopFailure`` is what fires instead of
#: ``Stop`` when a turn ends on an API error (2.1.330).
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


def event_log_hook_command(events_file: str | os.PathLike[str]) -> str:
    """A tiny POSIX-shell hook (no Python) appending ``{"cco_ts": ..., "event": <stdin>}``.

    The line is built first and written with one ``printf`` so that two hooks running at the
    same time do not interleave their halves in the file.
    """
    target = shlex.quote(os.fspath(events_file))
    return (
        'line=$(printf \'{"cco_ts":"%s","event":\' "$(date +%s.%N)"; tr -d \'\\n\'; '
        f"printf '}}'); printf '%s\\n' \"$line\" >> {target}"
    )


def event_log_settings(
    events_file: str | os.PathLike[str], events: Iterable[str] = HOOK_EVENTS, timeout_s: int = 10
) -> dict[str, object]:
    """``--settings`` content that logs every hook event in ``events`` to ``events_file``."""
    command = event_log_hook_command(events_file)
    hook = {"type": "command", "command": command, "timeout": timeout_s}
    return {"hooks": {event: [{"hooks": [hook]}] for event in events}}
