"""Small protocols the services depend on; adapters and the database implement them."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from cc_orchestrator.domain.models import Event, NewEvent, Repository, Worktree, WorktreeStatus


@dataclass(frozen=True)
class GitWorktree:
    """One entry of `git worktree list --porcelain`."""

    path: Path
    head: str | None
    branch: str | None  # short name, without refs/heads/
    prunable: bool
    locked: bool
    bare: bool = False


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    output_tail: str
    timed_out: bool = False


class Vcs(Protocol):
    """Git, through its command line."""

    def repo_root(self, path: Path) -> Path: ...
    def resolve_commit(self, repo: Path, ref: str) -> str | None: ...
    def branch_exists(self, repo: Path, branch: str) -> bool: ...
    def check_branch_name(self, repo: Path, branch: str) -> None: ...
    def worktrees(self, repo: Path) -> list[GitWorktree]: ...
    def add_worktree(self, repo: Path, path: Path, *, branch: str, start: str | None) -> None: ...
    def remove_worktree(self, repo: Path, path: Path, *, force: bool) -> None: ...
    def prune_worktrees(self, repo: Path, *, dry_run: bool) -> list[str]: ...
    def delete_branch(self, repo: Path, branch: str, *, force: bool) -> None: ...
    def branches(self, repo: Path, prefix: str) -> list[str]: ...
    def is_dirty(self, worktree: Path) -> bool: ...
    def is_ancestor(self, repo: Path, ancestor: str, descendant: str) -> bool: ...


class Locks(Protocol):
    """Named inter-process locks."""

    def hold(self, name: str) -> AbstractContextManager[None]: ...


class CommandRunner(Protocol):
    """Runs a user's own shell command (a setup script), logging its output to a file."""

    def run_shell(
        self, command: str, *, cwd: Path, log_file: Path, timeout_s: float
    ) -> CommandResult: ...


class Tx(Protocol):
    """One transaction on the state database."""

    def repo_by_path(self, path: Path) -> Repository | None: ...
    def ensure_repo(self, path: Path) -> Repository: ...
    def repos(self) -> list[Repository]: ...
    def add_worktree(self, worktree: Worktree) -> None: ...
    def worktree(self, key: str) -> Worktree | None: ...
    def worktrees(
        self,
        *,
        repo_id: int | None = None,
        statuses: tuple[WorktreeStatus, ...] = (WorktreeStatus.ACTIVE,),
    ) -> list[Worktree]: ...
    def set_worktree_status(self, worktree_id: str, status: WorktreeStatus) -> None: ...
    def mark_worktree_removed(self, worktree_id: str, when: datetime) -> None: ...
    def append_event(self, event: NewEvent) -> Event: ...
    def events(
        self, *, after_id: int = 0, limit: int = 100, entity_id: str | None = None
    ) -> list[Event]: ...


class Store(Protocol):
    """The state database: write() takes the write lock up front; read() never blocks."""

    def write(self) -> AbstractContextManager[Tx]: ...
    def read(self) -> AbstractContextManager[Tx]: ...
