"""Configuration: defaults < user file < project file < environment < command-line flags.

Built on pydantic-settings. Each source is validated on its own first, so an error names the
file (or variable) it came from; then the sources are deep-merged in order of precedence.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    ValidationError,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
)

from cc_orchestrator.config_github import GithubConfig
from cc_orchestrator.config_jira import JiraConfig
from cc_orchestrator.config_mcp import McpConfig
from cc_orchestrator.config_models import (
    ENV_PREFIX,
    AgentConfig,
    ConfigModel,
    DatabaseConfig,
    InstancesConfig,
    LoggingConfig,
    Settings,
    TasksConfig,
    TmuxConfig,
    WebConfig,
    WorktreesConfig,
)
from cc_orchestrator.config_notify import ChannelConfig, NotificationsConfig
from cc_orchestrator.config_trust import check_project_file
from cc_orchestrator.domain.errors import ConfigError
from cc_orchestrator.logs import is_secret_name, redact_text, register_secrets
from cc_orchestrator.masking import masked_dump, secret_values

APP_NAME = "cc-orchestrator"
PROJECT_FILE_NAME = ".cc-orchestrator.yaml"
# Settings that were removed, and what to do instead: said when a source still sets one.
REMOVED_KEYS = {
    "tasks.scheduler_interval_s": "removed: the daemon schedules on each of its passes, every "
    "instances.monitor_interval_s (and at once when a task's agent ends a turn); delete it",
}

# The settings model (one section per area) lives in config_models.py; its names are part of
# this module's interface too, so `from cc_orchestrator.config import X` works for all of them.
__all__ = [
    "APP_NAME",
    "ENV_PREFIX",
    "PROJECT_FILE_NAME",
    "REMOVED_KEYS",
    "AgentConfig",
    "ChannelConfig",
    "ConfigModel",
    "DatabaseConfig",
    "GithubConfig",
    "InstancesConfig",
    "JiraConfig",
    "LoadedConfig",
    "LoggingConfig",
    "McpConfig",
    "NotificationsConfig",
    "Settings",
    "TasksConfig",
    "TmuxConfig",
    "WebConfig",
    "WorktreesConfig",
    "deep_merge",
    "default_data_dir",
    "describe_validation_error",
    "find_repo_root",
    "get_key",
    "known_key",
    "load_config",
    "public_dump",
    "read_yaml_file",
    "set_key",
    "user_config_dir",
    "user_config_file",
    "validate_source",
]


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
    key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
    message = err["msg"].removeprefix("Value error, ")
    if message[:1].isalpha() and ": " in message and " " not in message.split(": ", 1)[0]:
        field, message = message.split(": ", 1)  # a model's own check names its field
        key = f"{key}.{field}"
    if err["type"] == "extra_forbidden":
        message = REMOVED_KEYS.get(key, "unknown key (see `cco config show` for the known keys)")
    got = err.get("input")
    shown = "" if err["type"] == "extra_forbidden" or isinstance(got, dict) else f" (got {got!r})"
    if is_secret_name(key) or key.rsplit(".", 1)[-1] in ("url", "secret", "token"):
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


def known_key(key: str, *, removed_ok: bool = False) -> None:
    """Refuse a dotted key that names no setting (dict sections take any name: agents.<name>).
    removed_ok: a removed key is fine (`config unset` deletes one a file still sets)."""
    if key in REMOVED_KEYS:
        if removed_ok:
            return
        raise ConfigError(f"{key!r}: {REMOVED_KEYS[key]}")
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
