"""The settings model: one pydantic section per area, and `Settings`, the whole of them.

Loading (files, environment, flags, precedence) is in config.py, which re-exports every name
here: `from cc_orchestrator.config import X` works for all of them.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    SecretStr,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from cc_orchestrator.config_backup import BackupConfig
from cc_orchestrator.config_github import GithubConfig
from cc_orchestrator.config_jira import JiraConfig
from cc_orchestrator.config_mcp import McpConfig
from cc_orchestrator.config_notify import NotificationsConfig
from cc_orchestrator.domain.errors import InvalidInput
from cc_orchestrator.domain.names import check_ref

ENV_PREFIX = "CC_ORCH_"
_WORKTREE_PLACEHOLDERS = {"data_dir", "repo", "repo_hash", "repo_parent", "name", "id"}
_DB_URL_RE = re.compile(r"^(sqlite|postgresql)(\+[a-z0-9]+)?://", re.IGNORECASE)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class DatabaseConfig(_Section):
    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; empty means a SQLite file in the data directory.",
    )
    busy_timeout_ms: NonNegativeInt = Field(
        default=30_000, description="How long a writer waits for the SQLite lock."
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value and not _DB_URL_RE.match(value):
            raise ValueError("expected a URL like sqlite:///path/state.db or postgresql://host/db")
        return value or None


class LoggingConfig(_Section):
    level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Level of the JSON log file."
    )
    file_max_bytes: PositiveInt = Field(
        default=10 * 1024 * 1024, description="Size at which the log file rotates."
    )
    file_backups: NonNegativeInt = Field(default=5, description="Rotated log files kept.")


class WorktreesConfig(_Section):
    branch_prefix: str = Field(default="cco/", description="Prefix of branches cco creates.")
    path: str = Field(
        default="{data_dir}/worktrees/{repo}-{repo_hash}/{name}",
        description=(
            "Where worktrees live. Placeholders: {data_dir} {repo} {repo_hash} {repo_parent} "
            "{name} {id}. Beside the repository: '{repo_parent}/{repo}.worktrees/{name}'."
        ),
    )
    copy_files: list[str] = Field(
        default_factory=list,
        description="Ignored files (globs) copied from the main checkout, e.g. ['.env'].",
    )
    setup: str | None = Field(
        default=None, description="Shell command run in each new worktree (install deps)."
    )
    setup_timeout_s: PositiveInt = Field(default=1800, description="Limit on the setup command.")

    @field_validator("branch_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if value:
            try:
                check_ref(value.rstrip("/") or "x", "branch_prefix")
            except InvalidInput as exc:
                raise ValueError(exc.message) from None
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
        except ValueError as exc:
            raise ValueError(f"not a valid pattern: {exc}") from None
        unknown = fields - _WORKTREE_PLACEHOLDERS
        if unknown:
            raise ValueError(
                f"unknown placeholder {{{sorted(unknown)[0]}}}; use "
                + " ".join(f"{{{p}}}" for p in sorted(_WORKTREE_PLACEHOLDERS))
            )
        if not fields & {"name", "id"}:
            raise ValueError("the pattern must contain {name} or {id}")
        return value

    @field_validator("copy_files")
    @classmethod
    def _copy(cls, value: list[str]) -> list[str]:
        for item in value:
            if item.startswith("/") or ".." in Path(item).parts or not item.strip():
                raise ValueError(f"{item!r} must be a relative path inside the repository")
        return value


class TmuxConfig(_Section):
    socket: str = Field(default="cco", description="tmux socket name (tmux -L).")
    session_prefix: str = Field(default="cco-", description="Prefix of every session cco makes.")

    @field_validator("socket", "session_prefix")
    @classmethod
    def _simple(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", value):
            raise ValueError("expected 1-32 letters, digits, '_' or '-'")
        return value


class InstancesConfig(_Section):
    max_running: NonNegativeInt = Field(
        default=10, description="Most instances running at once (0 = no limit)."
    )
    agent: str = Field(default="claude", description="Agent used when none is named.")
    mode: Literal["interactive", "headless"] = Field(
        default="interactive", description="How the agent runs: its terminal UI, or -p."
    )
    permission_mode: Literal["default", "acceptEdits", "plan", "bypassPermissions"] = Field(
        default="acceptEdits", description="Claude Code permission mode."
    )
    claude_path: str | None = Field(
        default=None, description="The claude binary (default: PATH, then claude-agent-sdk's)."
    )
    model: str | None = Field(default=None, description="Model passed to Claude Code.")
    codex_path: str | None = Field(
        default=None, description="The codex binary of the `codex` agent (default: PATH)."
    )
    codex_model: str | None = Field(
        default=None, description="Model the `codex` agent uses (default: gpt-5.5)."
    )
    codex_base_url: str | None = Field(
        default=None,
        description="OpenAI Responses API endpoint of the `codex` agent (default: OpenAI's); "
        "the key comes from OPENAI_API_KEY.",
    )
    env: dict[str, str] = Field(
        default_factory=dict,
        description="Extra environment for agents, added to yours (without cco's own venv and "
        "CC_ORCH_*); user file, environment or flags only.",
    )
    restart: Literal["never", "on_failure"] = Field(
        default="on_failure", description="Restart an instance whose agent failed."
    )
    max_restarts: NonNegativeInt = Field(default=3, description="Restarts before giving up.")
    restart_backoff_s: float = Field(
        default=2.0, ge=0, description="First restart delay; doubles each time."
    )
    answer_wait_s: float = Field(
        default=300.0,
        ge=0,
        le=3600,
        description="How long Claude Code's PermissionRequest hook waits for "
        "`cco instances answer` (allow/deny through the hook); later answers are typed as "
        "the dialog's own keys, read from the screen (under 2 = keys only).",
    )
    hung_after_s: NonNegativeInt = Field(
        default=1800,
        description="A working instance silent this long is hung (0 = never).",
    )
    monitor_interval_s: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How often the daemon looks at every instance (liveness, tokens and cost, "
        "first-run dialogs) and runs the scheduler; hook events are applied as they come "
        "(see watch_hooks).",
    )
    watch_hooks: bool = Field(
        default=True,
        description="Between its passes, the daemon applies hook events as soon as an agent "
        "writes them (inotify on Linux, else file sizes checked every 50 ms); off, statuses "
        "change only at each pass.",
    )
    hook_gather_s: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description="How long the daemon gathers hook events after the first one before "
        "applying them in one write (a burst of tool calls costs one transaction).",
    )
    raw_log_max_bytes: PositiveInt = Field(
        default=8 * 1024 * 1024, description="Size cap of each pane's raw output log."
    )
    max_prompt_bytes: int = Field(
        default=100_000,
        gt=0,
        le=120_000,
        description="Largest prompt accepted (Linux caps one argument at 128 KiB).",
    )

    @field_validator("env")
    @classmethod
    def _env(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                raise ValueError(f"{key!r} is not a valid environment variable name")
        return value


class TasksConfig(_Section):
    max_running_per_repo: NonNegativeInt = Field(
        default=0, description="Most running tasks per repository (0 = only the global limit)."
    )
    merge: Literal["merge", "ff", "none"] = Field(
        default="merge",
        description="On approve: a merge commit, a fast-forward only, or none (for a PR).",
    )
    keep_worktree: bool = Field(
        default=False, description="Keep a task's worktree after it is approved."
    )
    commit_message: str = Field(
        default="cco: {title} (task {id})",
        description="Message of the commit of leftover work; {title} and {id} are filled in.",
    )

    @field_validator("commit_message")
    @classmethod
    def _message(cls, value: str) -> str:
        try:
            value.format(title="t", id="i")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"only {{title}} and {{id}} can be filled in ({exc})") from None
        if not value.strip():
            raise ValueError("must not be empty")
        return value


class AgentConfig(_Section):
    """A command-line agent other than Claude Code (codex, aider, gemini, a script)."""

    command: list[str] = Field(
        description="argv; an element '{prompt}' is replaced by the prompt, else it is typed."
    )
    idle_pattern: str | None = Field(default=None, description="Regex: screen shows idle.")
    working_pattern: str | None = Field(default=None, description="Regex: screen shows work.")
    waiting_pattern: str | None = Field(
        default=None, description="Regex: screen asks the user something."
    )
    quiet_after_s: float = Field(
        default=3.0, gt=0, description="No screen change this long, no pattern: idle."
    )
    env: dict[str, str] = Field(default_factory=dict, description="Extra environment.")

    @field_validator("command")
    @classmethod
    def _command(cls, value: list[str]) -> list[str]:
        if not value or not value[0].strip():
            raise ValueError("expected a non-empty argv list, e.g. [aider, --yes]")
        return value

    @field_validator("idle_pattern", "working_pattern", "waiting_pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value


class WebConfig(_Section):
    host: str = Field(default="127.0.0.1", description="Address the dashboard binds.")
    port: int = Field(default=8080, ge=1, le=65535, description="Port of the dashboard.")
    token: SecretStr | None = Field(
        default=None,
        description="The API's token (default: one generated in the data directory's "
        "web-token file); mandatory when host is not loopback.",
    )
    public_url: str | None = Field(
        default=None,
        description="The dashboard's address when reached through a proxy or a DNS name "
        "(https://cco.example.org): its host and origin are accepted.",
        pattern=r"^https?://[^/?#@\s]+/?$",
    )
    max_body_bytes: PositiveInt = Field(
        default=1024 * 1024, description="Largest request body accepted (413 beyond)."
    )
    client_queue: PositiveInt = Field(
        default=2000, description="Events buffered per WebSocket client before it is dropped."
    )


class ConfigModel(BaseModel):
    """Every setting, with its default; the schema every source is checked against."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    data_dir: Path | None = Field(
        default=None, description="Database, logs and worktrees (default: XDG data dir)."
    )
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    worktrees: WorktreesConfig = Field(default_factory=WorktreesConfig)
    tmux: TmuxConfig = Field(default_factory=TmuxConfig)
    instances: InstancesConfig = Field(default_factory=InstancesConfig)
    tasks: TasksConfig = Field(default_factory=TasksConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    agents: dict[str, AgentConfig] = Field(
        default_factory=dict, description="Other agents by name: agents.<name>.command etc."
    )
    notifications: NotificationsConfig = Field(default_factory=NotificationsConfig)
    github: GithubConfig = Field(default_factory=GithubConfig)
    jira: JiraConfig = Field(default_factory=JiraConfig)
    mcp: McpConfig = Field(default_factory=McpConfig)
    backup: BackupConfig = Field(default_factory=BackupConfig)


class Settings(ConfigModel, BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_assignment=True,
    )
