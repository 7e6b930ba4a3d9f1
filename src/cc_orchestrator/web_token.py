"""The web token: web.token when set, else one generated once per data directory (0600).
It opens the API and the MCP server, and agents' own credentials derive from it
(agent_tokens.py); kept out of web/ so the services can mint those."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from cc_orchestrator.domain.errors import ConfigError

TOKEN_FILE = "web-token"


def token_file(data_dir: Path) -> Path:
    return data_dir / TOKEN_FILE


def load_or_create_token(data_dir: Path) -> str:
    """The data directory's generated token: read, or created once (0600, atomically: two
    processes starting together end with the same token)."""
    path = token_file(data_dir)
    for _ in range(3):
        with contextlib.suppress(FileNotFoundError):
            return _read_token(path)
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{TOKEN_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_urlsafe(32) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)  # atomic, and never replaces a token another process made
        finally:
            tmp.unlink(missing_ok=True)
    return _read_token(path)


def _read_token(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{path} (the web token) can be read by other users",
            hint=f"delete it (a new one is made at the next start) or run: chmod 600 {path}",
        )
    token = path.read_text(encoding="ascii", errors="replace").strip()
    if len(token) < 16:
        raise ConfigError(
            f"{path} does not hold a usable web token",
            hint="delete it: a new one is made at the next start",
        )
    return token


def effective_token(configured: str | None, data_dir: Path) -> str:
    """web.token when set, else the data directory's generated one: there is always one."""
    return configured if configured else load_or_create_token(data_dir)
