"""The `cc-orchestrator` / `cco` command line."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click
import yaml

from cc_orchestrator import __version__
from cc_orchestrator.cli.backup_cmd import backup, backups, restore
from cc_orchestrator.cli.config_cmd import config
from cc_orchestrator.cli.context import CliState
from cc_orchestrator.cli.daemon_cmd import status, up, web
from cc_orchestrator.cli.github_cmd import github
from cc_orchestrator.cli.instances_cmd import instances
from cc_orchestrator.cli.jira_cmd import jira
from cc_orchestrator.cli.mcp_cmd import mcp
from cc_orchestrator.cli.notifications_cmd import notifications
from cc_orchestrator.cli.stats_cmd import stats
from cc_orchestrator.cli.sync_cmd import sync
from cc_orchestrator.cli.tasks_cmd import tasks
from cc_orchestrator.cli.webhooks_cmd import webhooks
from cc_orchestrator.cli.worktrees_cmd import worktrees
from cc_orchestrator.config import set_key
from cc_orchestrator.domain.errors import CcoError, ConfigError
from cc_orchestrator.logs import TRACE_LOGGER, get_logger, redact_text, setup_logging


def _parse_set(values: tuple[str, ...]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. instances.max_running=4")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        overrides = set_key(overrides, key, value)
    return overrides


class CcoGroup(click.Group):
    """Turns every CcoError into one clear line and a non-zero exit; tracebacks only with -v."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CcoError as exc:
            click.echo(f"error: {redact_text(str(exc))}", err=True)
            if _verbosity(ctx) > 0:
                traceback.print_exc()
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (`cco tasks list | head -1`): end quietly, as git does.
            _silence_stdout()
            ctx.exit(SIGPIPE_EXIT)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:
            get_logger(TRACE_LOGGER).exception("internal_error")
            click.echo(
                f"internal error: {type(exc).__name__}: {redact_text(str(exc))} "
                "(run again with -v for the traceback; please report it)",
                err=True,
            )
            if _verbosity(ctx) > 0:
                traceback.print_exc()
            ctx.exit(70)
        finally:
            state = ctx.find_object(CliState)
            if state is not None:
                state.close()


SIGPIPE_EXIT = 128 + 13  # what a shell reports for a process ended by SIGPIPE (git log | head)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush at exit cannot fail again
    on the closed pipe (and print "Exception ignored ... BrokenPipeError")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a real file (tests), nothing to flush
        pass


def _verbosity(ctx: click.Context) -> int:
    state = ctx.find_object(CliState)
    return state.verbosity if state else 0


@click.group(cls=CcoGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cc-orchestrator")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Database, logs and worktrees live here (env CC_ORCH_DATA_DIR).",
)
@click.option(
    "-c",
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a setting for this command, e.g. -c instances.max_running=4.",
)
@click.option("-v", "--verbose", count=True, help="More output; -vv for debug, tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on the terminal.")
@click.pass_context
def cli(
    ctx: click.Context,
    data_dir: Path | None,
    settings: tuple[str, ...],
    verbose: int,
    quiet: bool,
) -> None:
    """cc-orchestrator (cco): run many Claude Code instances, each in its own git worktree."""
    state = CliState(verbosity=-1 if quiet else verbose)
    ctx.obj = state
    # Terminal logging for every command; commands that open the data dir add the file.
    setup_logging(verbosity=state.verbosity)
    try:
        overrides = _parse_set(settings)
    except CcoError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(exc.exit_code)
    if data_dir is not None:
        overrides["data_dir"] = str(data_dir.expanduser().absolute())
    state.overrides = overrides


for command in (
    up,
    status,
    web,
    tasks,
    instances,
    worktrees,
    notifications,
    sync,
    github,
    jira,
    webhooks,
    mcp,
    stats,
    backup,
    backups,
    restore,
    config,
):
    cli.add_command(command)


def main() -> None:
    try:
        try:
            cli.main(prog_name=Path(sys.argv[0]).name if sys.argv else "cco")
        finally:
            sys.stdout.flush()  # here, not in the interpreter's exit, so a closed pipe is seen
    except BrokenPipeError:  # outside a command (`--help | head -1`) or at the last flush
        _silence_stdout()
        sys.exit(SIGPIPE_EXIT)
