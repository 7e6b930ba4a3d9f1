"""`cco config ...`: show, get, set, unset, validate, path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml

from cc_orchestrator.cli.context import CliState, pass_state
from cc_orchestrator.cli.output import echo_json
from cc_orchestrator.config import load_config
from cc_orchestrator.services import configuration


def _loaded(state: CliState) -> Any:
    return load_config(cwd=Path.cwd(), overrides=state.overrides)


@click.group()
def config() -> None:
    """Read and change settings (defaults < user file < project file < env < flags)."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def show(state: CliState, as_json: bool) -> None:
    """Print the effective settings (secrets masked)."""
    data = configuration.effective(_loaded(state))
    if as_json:
        echo_json(data)
    else:
        click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip())


@config.command("get")
@click.argument("key")
@pass_state
def get(state: CliState, key: str) -> None:
    """Print one setting, e.g. `cco config get instances.max_running`."""
    value = configuration.get_value(_loaded(state), key)
    if isinstance(value, dict | list):
        click.echo(json.dumps(value))
    else:
        click.echo(
            "" if value is None else str(value).lower() if isinstance(value, bool) else value
        )


def _scope(user: bool, project: bool) -> configuration.Scope:
    if user and project:
        raise click.UsageError("choose one of --user and --project")
    return "project" if project else "user"


@config.command("set", context_settings={"ignore_unknown_options": True})
@click.argument("key")
@click.argument("value")
@click.option("--user", is_flag=True, help="Write the user file (the default).")
@click.option("--project", is_flag=True, help="Write .cc-orchestrator.yaml of this repository.")
@pass_state
def set_(state: CliState, key: str, value: str, user: bool, project: bool) -> None:
    """Set KEY to VALUE in a config file; nothing is written if the result is invalid.

    VALUE is read as YAML: 4, true, "[.env, .env.local]".
    """
    target = configuration.set_value(
        key, value, scope=_scope(user, project), cwd=Path.cwd(), overrides=state.overrides
    )
    click.echo(f"set {key} in {target}")


@config.command("unset")
@click.argument("key")
@click.option("--user", is_flag=True, help="Change the user file (the default).")
@click.option("--project", is_flag=True, help="Change .cc-orchestrator.yaml of this repository.")
@pass_state
def unset(state: CliState, key: str, user: bool, project: bool) -> None:
    """Remove KEY from a config file, so the next source down applies again."""
    target = configuration.unset_value(
        key, scope=_scope(user, project), cwd=Path.cwd(), overrides=state.overrides
    )
    click.echo(f"unset {key} in {target}")


@config.command("validate")
@pass_state
def validate(state: CliState) -> None:
    """Check every source (files, environment, flags); exit 2 naming the first bad value."""
    loaded = configuration.validate(Path.cwd(), state.overrides)
    sources = [f"user file {loaded.user_file}" + ("" if loaded.user_file.exists() else " (none)")]
    if loaded.project_file is not None:
        exists = loaded.project_file.exists()
        sources.append(f"project file {loaded.project_file}" + ("" if exists else " (none)"))
    sources.append("environment")
    click.echo("configuration is valid: " + ", ".join(sources))


@config.command("path")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def path(state: CliState, as_json: bool) -> None:
    """Where the config files, data directory, database and log file are."""
    info = configuration.paths(_loaded(state))
    if as_json:
        echo_json(info)
        return
    click.echo(f"user config:    {info.user_file}")
    click.echo(f"project config: {info.project_file or '(not in a git repository)'}")
    click.echo(f"data dir:       {info.data_dir}")
    click.echo(f"database:       {info.database}")
    click.echo(f"log file:       {info.log_file}")
