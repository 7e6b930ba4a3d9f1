"""A pane's environment through a 0600 file, never through a command line.

tmux keeps the argv of the command that started its server (readable by every local user in
/proc/<pid>/cmdline), and `-e KEY=VALUE` would put every secret of an agent's environment there
and in cco's own log lines. Instead the environment is written to a private file, and the pane
runs a fixed script that starts from an empty environment (keeping only what tmux sets for its
panes: TERM, TMUX, TMUX_PANE), reads the file, deletes it and execs the agent. The agent's
environment is then exactly the one cco computed, whatever the tmux server inherited.
"""

from __future__ import annotations

import os
import re
import shlex
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# $0 is the environment file; "$@" the agent's argv. The inner shell runs under `env -i`.
_INNER = '. "$0" && rm -f -- "$0" && exec "$@"'
ENV_WRAPPER = (
    'exec /usr/bin/env -i TERM="$TERM" TMUX="$TMUX" TMUX_PANE="$TMUX_PANE"'
    f" /bin/sh -c {shlex.quote(_INNER)}"
    ' "$0" "$@"'
)


def write_env_file(folder: Path, env: Mapping[str, str]) -> Path:
    """A new file only the owner can read, with one `export NAME='value'` line per variable."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        f"export {key}={shlex.quote(value)}\n" for key, value in env.items() if _NAME.fullmatch(key)
    ]
    fd, name = tempfile.mkstemp(dir=folder, prefix=".env-", suffix=".sh")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.writelines(lines)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def wrapped_argv(env_file: Path, argv: Sequence[str]) -> list[str]:
    """argv run with exactly the environment in env_file (which it deletes once read)."""
    return ["/bin/sh", "-c", ENV_WRAPPER, str(env_file), *argv]
