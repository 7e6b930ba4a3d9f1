"""Generates docs/cli.md from --help and docs/configuration.md from the settings model.

`python -m cc_orchestrator.cli.docgen` rewrites both; a test fails when they are out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel

from cc_orchestrator.cli.main import cli
from cc_orchestrator.config import ConfigModel
from cc_orchestrator.config_trust import USER_ONLY


def _walk(
    command: click.Command, path: list[str], parent: click.Context | None = None
) -> list[tuple[list[str], str]]:
    """Help texts of a command and its subcommands, with contexts chained as at run time."""
    ctx = click.Context(
        command,
        info_name=path[-1],
        parent=parent,
        terminal_width=100,
        **command.context_settings,
    )
    found = [(path, command.get_help(ctx))]
    if isinstance(command, click.Group):
        for name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                found += _walk(sub, [*path, name], ctx)
    return found


def cli_reference() -> str:
    parts = [
        "# Command-line reference",
        "",
        "Generated from `--help` by `python -m cc_orchestrator.cli.docgen`; do not edit by hand.",
        "`cco` is a short alias of `cc-orchestrator`.",
        "",
    ]
    for path, text in _walk(cli, ["cco"]):
        parts += [f"## `{' '.join(path)}`", "", "```text", text.rstrip(), "```", ""]
    return "\n".join(parts)


def _fields(model: type[BaseModel], prefix: str) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    defaults = model()
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        value: Any = getattr(defaults, name)
        if isinstance(value, BaseModel):
            rows += _fields(type(value), f"{key}.")
            continue
        shown = "(none)" if value is None else repr(value) if isinstance(value, str) else value
        rows.append((key, f"`{shown}`", (field.description or "").replace("|", "\\|")))
    return rows


def config_reference() -> str:
    lines = [
        "# Configuration reference",
        "",
        "Generated from the settings model by `python -m cc_orchestrator.cli.docgen`.",
        "",
        "Sources, lowest precedence first; nested sections merge key by key:",
        "",
        "1. defaults (below)",
        "2. the user file `$XDG_CONFIG_HOME/cc-orchestrator/config.yaml`"
        " (`~/.config/cc-orchestrator/config.yaml`)",
        "3. the project file `.cc-orchestrator.yaml` at the repository root",
        "4. environment variables `CC_ORCH_<SECTION>__<KEY>`, e.g."
        " `CC_ORCH_INSTANCES__MAX_RUNNING=4`, `CC_ORCH_DATA_DIR=/srv/cco`",
        "5. command-line flags: `--data-dir`, and `-c KEY=VALUE` for any key",
        "",
        "An invalid value anywhere stops the command with one line naming the file (or"
        " variable), the key and what is expected. `cco config set` writes nothing unless"
        " the file and the whole merged configuration stay valid.",
        "",
        "`cco config show`, `cco config get` and `GET /api/config` mask secrets: `web.token`,"
        " every value whose name says secret (`token`, `password`, `secret`, `api_key`,"
        " a name ending in `KEY` such as `instances.env.OPENAI_KEY`, ...), passwords in URLs"
        " and known key shapes (`sk-ant-...`, `ghp_...`, `Bearer ...`). Each such value is"
        " also redacted by value wherever cco would print it (any other setting, progress"
        " lines, error messages, log lines at any `-v`), as are the secret-named variables"
        " of the environment cco runs in (`ANTHROPIC_API_KEY`, ...). Your files keep them"
        " in clear: they are yours.",
        "",
        "A project file comes with the repository, from whoever can push to it, so it may"
        " only say how work in that repository is prepared and run. These keys are refused"
        " in a project file (the command stops, naming the file and the key) and come only"
        " from your user file, the environment or flags:",
        "",
        *[f"- `{key}`: {why}" for key, why in USER_ONLY.items()],
        "",
        "`worktrees.setup` stays allowed: it is the project's own install command, run in"
        " its own worktrees, like running `npm ci` in a checkout yourself; read it before"
        " you run cco on a repository you do not trust.",
        "",
        "| key | default | meaning |",
        "|---|---|---|",
    ]
    for key, default, meaning in _fields(ConfigModel, ""):
        lines.append(f"| `{key}` | {default} | {meaning} |")
    lines += [
        "",
        "Example project file:",
        "",
        "```yaml",
        "worktrees:",
        "  copy_files: [.env, config/local.json]",
        "  setup: npm ci",
        "instances:",
        "  max_running: 4",
        "```",
        "",
    ]
    return "\n".join(lines)


def write(docs: Path) -> list[Path]:
    targets = {docs / "cli.md": cli_reference(), docs / "configuration.md": config_reference()}
    for path, text in targets.items():
        path.write_text(text)
    return list(targets)


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")
    for written in write(root):
        print(f"wrote {written}")
