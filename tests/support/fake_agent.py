"""Put the fake ``claude`` CLI (``fake_claude.py`` beside this file) on a test's PATH."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

FAKE_CLAUDE_SCRIPT = Path(__file__).resolve().with_name("fake_claude.py")


def install_fake_claude(bin_dir: Path) -> Path:
    """Write an executable ``claude`` into ``bin_dir`` and return its path.

    It is a tiny sh wrapper exec'ing the current interpreter (``sys.executable``, isolated
    ``-I -S`` for a fast start) on fake_claude.py, so it works whatever PATH holds.
    """
    bin_dir.mkdir(parents=True, exist_ok=True)
    target = bin_dir / "claude"
    tmp = bin_dir / ".claude.tmp"
    tmp.write_text(
        "#!/bin/sh\n"
        f'exec {shlex.quote(sys.executable)} -I -S {shlex.quote(str(FAKE_CLAUDE_SCRIPT))} "$@"\n',
        encoding="utf-8",
    )
    tmp.chmod(0o755)
    os.replace(tmp, target)
    return target


def fake_claude_env(bin_dir: Path, config_dir: Path, **extra: str) -> dict[str, str]:
    """A copy of os.environ with ``bin_dir`` first on PATH and CLAUDE_CONFIG_DIR set."""
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env["CLAUDE_CONFIG_DIR"] = str(config_dir)
    env.update(extra)
    return env
