"""cc-orchestrator: a local-first control tower for many Claude Code instances."""

__version__ = "0.1.0"
