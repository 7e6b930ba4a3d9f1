"""OpenAI Codex CLI's whole dialect: its CODEX_HOME (config.toml, hooks.json) and launch, what its
hook lines, rollout and `exec --json` stream mean, its approval dialogs and its log lines."""
