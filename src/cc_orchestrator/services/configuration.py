"""Reading and changing configuration files; nothing is written unless the result is valid."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, SecretStr

from cc_orchestrator.config import (
    PROJECT_FILE_NAME,
    ConfigModel,
    LoadedConfig,
    find_repo_root,
    get_key,
    known_key,
    load_config,
    public_dump,
    read_yaml_file,
    set_key,
    user_config_file,
    validate_source,
)
from cc_orchestrator.config_trust import is_user_only, refusal
from cc_orchestrator.domain.errors import ConfigError

Scope = Literal["user", "project"]


@dataclass(frozen=True)
class ConfigPaths:
    user_file: Path
    project_file: Path | None
    data_dir: Path
    database: str
    log_file: Path


def paths(config: LoadedConfig) -> ConfigPaths:
    return ConfigPaths(
        user_file=config.user_file,
        project_file=config.project_file,
        data_dir=config.data_dir,
        database=config.database_url,
        log_file=config.data_dir / "logs" / "cco.log",
    )


def effective(config: LoadedConfig) -> dict[str, Any]:
    data = public_dump(config.settings)
    data["data_dir"] = str(config.data_dir)
    return data


def get_value(config: LoadedConfig, key: str) -> Any:
    known_key(key)
    return get_key(effective(config), key)


def _plain(value: Any) -> Any:
    """A validated value as YAML can store it (secrets in clear: it is the user's own file)."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, BaseModel):
        return {k: _plain(getattr(value, k)) for k in type(value).model_fields}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _target(scope: Scope, cwd: Path) -> Path:
    if scope == "user":
        return user_config_file()
    root = find_repo_root(cwd)
    if root is None:
        raise ConfigError(
            f"{cwd} is not inside a git repository, so there is no project file",
            hint="run this in the repository, or use --user",
        )
    return root / PROJECT_FILE_NAME


def parse_value(raw: str) -> Any:
    """VALUE as typed on a command line: YAML scalars and lists (`[a, b]`), else the text."""
    try:
        return yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        return raw


def _write_atomically(path: Path, data: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def set_value(key: str, raw: str, *, scope: Scope, cwd: Path, overrides: Mapping[str, Any]) -> Path:
    """Set KEY in the user or project file; validated alone and merged before writing."""
    known_key(key)
    if scope == "project" and is_user_only(key):
        raise refusal(PROJECT_FILE_NAME, [key])
    target = _target(scope, cwd)
    current = read_yaml_file(target)
    candidate = set_key(current, key, parse_value(raw))
    validate_source(f"{target} (after setting {key})", candidate)
    model = ConfigModel.model_validate(candidate)
    candidate = set_key(current, key, get_key(_plain(model), key))
    _check_merged(target, candidate, cwd, overrides)
    _write_atomically(target, candidate)
    return target


def unset_value(key: str, *, scope: Scope, cwd: Path, overrides: Mapping[str, Any]) -> Path:
    known_key(key, removed_ok=True)
    target = _target(scope, cwd)
    current = read_yaml_file(target)
    parts = key.split(".")
    node: Any = current
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict) or parts[-1] not in node:
        raise ConfigError(f"{key!r} is not set in {target}")
    del node[parts[-1]]
    _check_merged(target, current, cwd, overrides)
    _write_atomically(target, current)
    return target


def _check_merged(
    target: Path, candidate: dict[str, Any], cwd: Path, overrides: Mapping[str, Any]
) -> None:
    """The whole configuration must still load with the new file in place."""
    load_config(cwd=cwd, overrides=overrides, pending={target: candidate})


def validate(cwd: Path, overrides: Mapping[str, Any]) -> LoadedConfig:
    return load_config(cwd=cwd, overrides=overrides)
