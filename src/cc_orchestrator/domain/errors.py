"""The one exception hierarchy. Every error a user can cause is a CcoError with a message
that says what to do; the CLI prints it as one line and the web layer maps it to a status."""

from __future__ import annotations


class CcoError(Exception):
    """Base of every error the user can cause or fix."""

    exit_code = 1
    http_status = 400

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InvalidInput(CcoError):
    """A name, ref, path or value the user gave is not acceptable."""

    exit_code = 2
    http_status = 422


class NotFound(CcoError):
    """An id or name that matches nothing."""

    http_status = 404


class Conflict(CcoError):
    """The request clashes with current state (branch checked out, dirty worktree...)."""

    http_status = 409


class PermissionDenied(CcoError):
    """The caller may not do this (an agent outside its task's scope, a stopped instance)."""

    http_status = 403


class LimitReached(CcoError):
    """A configured limit refuses the request."""

    http_status = 429


class ConfigError(CcoError):
    """A configuration file, variable or flag holds an invalid value."""

    exit_code = 2
    http_status = 422


class ExternalError(CcoError):
    """An outside program (git, tmux, an agent, a setup command) failed."""

    http_status = 502


class StorageError(CcoError):
    """The state database cannot be used."""

    http_status = 503


class DamagedDatabase(StorageError):
    """The state database is missing, empty, truncated or corrupt where one existed: cco
    refuses to touch it (never migrates or rewrites the evidence) until the user restores it."""

    exit_code = 3


class DamagedBackup(CcoError):
    """A backup that is not whole (truncated, altered, unreadable) or not one of ours."""

    exit_code = 3
    http_status = 422
