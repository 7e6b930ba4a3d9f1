"""Claude Code's whole dialect: how it is launched (hooks, status line), what its hook lines,
headless stream, transcript and status file mean, its dialogs and its log lines."""

from cc_orchestrator.adapters.claude.agent import ClaudeAgent
from cc_orchestrator.adapters.claude.launch import find_claude, hook_settings

__all__ = ["ClaudeAgent", "find_claude", "hook_settings"]
