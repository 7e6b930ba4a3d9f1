"""The user's environment, minus what is cco's own, as the base of every agent's environment.

Run from its virtualenv (the README's `.venv/bin/cco`, or an activated venv), cco's process has
that venv's `bin` first on PATH, VIRTUAL_ENV, maybe a PYTHONPATH pointing into cco, and its own
CC_ORCH_* settings. An agent that inherited them would run cco's python3 and pip instead of the
project's ("No module named pytest"). Everything else is the user's and is kept.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import cc_orchestrator

# Variables that describe cco's process or the terminal cco runs in, never the agent's.
_OWN = ("TMUX", "TMUX_PANE", "__PYVENV_LAUNCHER__", "PYTHONEXECUTABLE")


def _same(a: str, b: Path) -> bool:
    try:
        return Path(a).resolve() == b.resolve()
    except (OSError, RuntimeError, ValueError):
        return False


def _inside(path: str, folders: list[Path]) -> bool:
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError, ValueError):
        return False
    return any(resolved == f or f in resolved.parents for f in folders)


def cco_folders() -> tuple[Path | None, list[Path]]:
    """cco's virtualenv (None when it runs on a system Python) and where its code lives."""
    venv = Path(sys.prefix).resolve() if sys.prefix != sys.base_prefix else None
    package = Path(cc_orchestrator.__file__).resolve().parent
    code = [package.parent]  # site-packages, or the checkout's src/ when run from source
    if venv is not None:
        code.append(venv)
    return venv, code


def user_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """environ (default: cco's own) without cco's venv, its Python paths and CC_ORCH_*."""
    environ = os.environ if environ is None else environ
    venv, code = cco_folders()
    env = {
        key: value
        for key, value in environ.items()
        if not key.startswith("CC_ORCH_") and key not in _OWN
    }
    if venv is not None:
        if _same(env.get("VIRTUAL_ENV", ""), venv):
            env.pop("VIRTUAL_ENV", None)
            env.pop("VIRTUAL_ENV_PROMPT", None)
        if "PATH" in env:
            venv_bin = venv / "bin"
            kept = [p for p in env["PATH"].split(os.pathsep) if not (p and _same(p, venv_bin))]
            env["PATH"] = os.pathsep.join(kept)
    for key in ("PYTHONPATH", "PYTHONHOME"):
        if key in env:
            kept = [p for p in env[key].split(os.pathsep) if p and not _inside(p, code)]
            if kept:
                env[key] = os.pathsep.join(kept)
            else:
                del env[key]
    return env
