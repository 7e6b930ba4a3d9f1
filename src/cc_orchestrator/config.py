"""Configuration: defaults < user file < project file < environment < command-line flags.

Built on pydantic-settings. Each source is validated on its own first, so an error names the
file (or variable) it came from; then the sources are deep-merged in order of precedence.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from cc_orchestrator.config_trust import check_project_file
from cc_orchestrator.domain.errors import ConfigError, InvalidInput
from cc_orchestrator.domain.names import check_ref
from cc_orchestrator.logs import is_secret_name, redact_text, register_secrets
from cc_orchestrator.masking import masked_dump, secret_values

APP_NAME = "cc-orchestrator"
PROJECT_FILE_NAME = ".cc-orchestrator.yaml"
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
    scheduler_interval_s: float = Field(
        default=1.0, gt=0, le=60, description="How often the daemon schedules."
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


class Settings(ConfigModel, BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_assignment=True,
    )


# --------------------------------------------------------------------------- files and paths


def user_config_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return Path(base) / APP_NAME


def user_config_file(env: Mapping[str, str] | None = None) -> Path:
    return user_config_dir(env) / "config.yaml"


def default_data_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    home = Path(env.get("HOME", "~")).expanduser()
    base = env.get("XDG_DATA_HOME") or str(home / ".local" / "share")
    return Path(base) / APP_NAME


def find_repo_root(start: Path) -> Path | None:
    """The nearest folder at or above start holding .git (a checkout or a worktree)."""
    current = start.resolve()
    for folder in (current, *current.parents):
        if (folder / ".git").exists():
            return folder
    return None


def read_yaml_file(path: Path) -> dict[str, Any]:
    """A config file as a dict; a missing file is empty; anything malformed is a ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the file: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{where} is not valid YAML", hint="fix or remove it") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    return data


def describe_validation_error(source: str, exc: ValidationError) -> str:
    """One line naming the source, the key and what is expected."""
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    message = err["msg"]
    if err["type"] == "extra_forbidden":
        message = "unknown key (see `cco config show` for the known keys)"
    got = err.get("input")
    shown = "" if err["type"] == "extra_forbidden" or isinstance(got, dict) else f" (got {got!r})"
    if is_secret_name(key):
        shown = ""
    more = f" and {len(exc.errors()) - 1} more" if len(exc.errors()) > 1 else ""
    return redact_text(f"{source}: {key}: {message}{shown}{more}")


def validate_source(source: str, data: Mapping[str, Any]) -> None:
    try:
        ConfigModel.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(source, exc)) from None


def deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class LoadedConfig:
    """The effective settings and where they came from."""

    settings: Settings
    user_file: Path
    project_file: Path | None
    data_dir: Path
    layers: dict[str, dict[str, Any]]

    @property
    def database_url(self) -> str:
        return self.settings.database.url or f"sqlite:///{self.data_dir / 'state.db'}"


def _env_layer() -> dict[str, Any]:
    data = EnvSettingsSource(Settings)()
    try:
        ConfigModel.model_validate(data)
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        var = ENV_PREFIX + "__".join(str(p) for p in loc).upper()
        raise ConfigError(describe_validation_error(f"environment variable {var}", exc)) from None
    return data


def load_config(
    *,
    cwd: Path | None = None,
    project_root: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    pending: Mapping[Path, dict[str, Any]] | None = None,
) -> LoadedConfig:
    """Build the effective settings for a command run in cwd (or for project_root's repo).

    pending: file contents about to be written, used in place of what is on disk, so a change
    can be checked against the whole configuration before anything is written.
    """
    pending = pending or {}

    def read(path: Path) -> dict[str, Any]:
        return pending[path] if path in pending else read_yaml_file(path)

    user_file = user_config_file()
    root = project_root or find_repo_root(cwd or Path.cwd())
    project_file = root / PROJECT_FILE_NAME if root else None

    user = read(user_file)
    validate_source(str(user_file), user)
    project = read(project_file) if project_file else {}
    if project_file:
        validate_source(str(project_file), project)
        check_project_file(project_file, project)
    env = _env_layer()
    cli = dict(overrides or {})
    validate_source("command-line flags", cli)

    layers = {"user": user, "project": project, "environment": env, "flags": cli}

    class _Effective(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (
                InitSettingsSource(settings_cls, init_kwargs=cli),
                env_settings,
                InitSettingsSource(settings_cls, init_kwargs=project),
                InitSettingsSource(settings_cls, init_kwargs=user),
            )

    try:
        effective = _Effective()
    except ValidationError as exc:
        raise ConfigError(describe_validation_error("configuration", exc)) from None
    settings = Settings.model_construct(**{k: getattr(effective, k) for k in Settings.model_fields})
    register_secrets(secret_values(settings, os.environ))
    data_dir = (settings.data_dir or default_data_dir()).expanduser().absolute()
    return LoadedConfig(
        settings=settings,
        user_file=user_file,
        project_file=project_file,
        data_dir=data_dir,
        layers=layers,
    )


# --------------------------------------------------------------------------- keys


def known_key(key: str) -> None:
    """Refuse a dotted key that names no setting (dict sections take any name: agents.<name>)."""
    unknown = ConfigError(f"unknown key {key!r}", hint="`cco config show` lists every key")
    model: type[BaseModel] | None = ConfigModel
    parts = key.split(".")
    i = 0
    while i < len(parts):
        if model is None:
            raise unknown
        field = model.model_fields.get(parts[i])
        if field is None:
            raise unknown
        annotation = field.annotation
        is_last = i == len(parts) - 1
        if get_origin(annotation) is dict and not is_last:
            value_type = get_args(annotation)[1]
            i += 1  # the free name, e.g. agents.<name>
            if i == len(parts) - 1:
                return
            model = (
                value_type
                if isinstance(value_type, type) and issubclass(value_type, BaseModel)
                else None
            )
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if is_last:
                raise ConfigError(
                    f"{key!r} is a section, not a value", hint=f"set one of its keys, {key}.<key>"
                )
            model = annotation
        elif not is_last:
            raise unknown
        i += 1


def get_key(data: Mapping[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        node = node[part]
    return node


def set_key(data: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """A copy of data with the dotted key set."""
    parts = key.split(".")
    out = deep_merge({}, data)
    node = out
    for part in parts[:-1]:
        child = node.get(part)
        node[part] = dict(child) if isinstance(child, dict) else {}
        node = node[part]
    node[parts[-1]] = value
    return out


def public_dump(settings: ConfigModel) -> dict[str, Any]:
    """Settings as plain JSON-able data, with secrets masked (see masking.py)."""
    return masked_dump(settings)
