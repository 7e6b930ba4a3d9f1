"""What a repository's own `.cc-orchestrator.yaml` may not decide.

A project file comes with the code being worked on, from anyone who can push to it. It may say
how to prepare and run work in that repository (worktrees.setup is the project's own install
command, run in its worktrees, by design; copy_files, branch names, limits, merge policy). It may
not choose what runs as the agent, what the agent may do without asking, which environment or
secrets it gets, how exposed the dashboard is, or where cco keeps its state: those come only from
the user's file, CC_ORCH_* variables or flags, and a project file that sets them is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cc_orchestrator.domain.errors import ConfigError

#: dotted key (or section) -> what setting it would let a repository decide
USER_ONLY: dict[str, str] = {
    "data_dir": "where cco keeps its database, logs and worktrees",
    "database.url": "which database cco writes (and its password)",
    "tmux": "which tmux server and sessions cco drives and may kill",
    "instances.claude_path": "which program runs as the agent",
    "instances.codex_path": "which program runs as the agent",
    "instances.codex_base_url": "where the agent's work and API key are sent",
    "instances.permission_mode": "what the agent may do without asking you",
    "instances.env": "the agents' environment (PATH, API endpoint, secrets)",
    "agents": "which programs run as agents, and their environment",
    "web": "who can reach the dashboard, on which address, with which token",
    "notifications": "where the fleet's news (task titles, questions, costs) is sent",
    "github.api_url": "where cco sends your GitHub token",
    "github.token": "which GitHub account cco acts as",
    "github.app_id": "which GitHub App cco acts as",
    "github.app_private_key_file": "which key file cco reads and signs with",
    "github.app_installation_id": "which GitHub App installation cco acts as",
    "github.webhook_secret": "who may tell cco that GitHub changed",
    "jira.site_url": "which Jira site cco talks to",
    "jira.api_url": "where cco sends your Jira token",
    "jira.email": "which Atlassian account cco acts as",
    "jira.api_token": "which Atlassian account cco acts as",
    "jira.oauth_token": "which Atlassian account cco acts as",
    "jira.webhook_secret": "who may tell cco that Jira changed",
    "jira.projects": "which Jira projects' issues your token may turn into tasks",
    "mcp": "how many tasks agents may create, and where they reach the fleet's MCP server",
    "backup": "where copies of the fleet's state (with its web token) are written and kept",
}


def _leaves(node: Any, prefix: str) -> list[str]:
    if isinstance(node, Mapping):
        return [leaf for k, v in node.items() for leaf in _leaves(v, f"{prefix}.{k}")]
    return [] if node is None else [prefix]


def user_only_keys(data: Mapping[str, Any]) -> list[str]:
    """The dotted keys data sets that only the user may set, e.g. ['web.host']."""
    found: list[str] = []
    for key in USER_ONLY:
        node: Any = data
        for part in key.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        found += _leaves(node, key)
    return found


def _rule(key: str) -> str | None:
    return next((k for k in USER_ONLY if key == k or key.startswith(f"{k}.")), None)


def is_user_only(key: str) -> bool:
    return _rule(key) is not None


def refusal(source: str, keys: list[str]) -> ConfigError:
    first = keys[0]
    var = "CC_ORCH_" + first.upper().replace(".", "__")
    return ConfigError(
        f"{source}: {', '.join(keys)} cannot be set in a project file: a repository does not "
        f"choose {USER_ONLY[_rule(first) or first]}",
        hint=f"remove it from the project file; set it in your own file "
        f"(`cco config set --user {first} VALUE`), with {var}=VALUE or with -c {first}=VALUE",
    )


def check_project_file(path: Path, data: Mapping[str, Any]) -> None:
    keys = user_only_keys(data)
    if keys:
        raise refusal(str(path), keys)
