"""Repositories and worktrees in a transaction (ports.RepoRows, ports.WorktreeRows)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from cc_orchestrator.db.rows import OnSession, chunks, to_repo
from cc_orchestrator.db.tables import RepositoryRow, WorktreeRow
from cc_orchestrator.db.tx_events import EventTx
from cc_orchestrator.domain.events import repo_added
from cc_orchestrator.domain.models import Repository, Worktree, WorktreeStatus


class RepoTx(EventTx):
    def repo_by_path(self, path: Path) -> Repository | None:
        row = self.session.scalar(select(RepositoryRow).where(RepositoryRow.path == str(path)))
        return to_repo(row) if row else None

    def ensure_repo(self, path: Path) -> Repository:
        row = self.session.scalar(select(RepositoryRow).where(RepositoryRow.path == str(path)))
        if row is None:
            row = RepositoryRow(path=str(path), name=path.name)
            self.session.add(row)
            self.session.flush()
            self.append_event(repo_added(row.id, path))
        return to_repo(row)

    def repos(self) -> list[Repository]:
        return [to_repo(r) for r in self.session.scalars(select(RepositoryRow).order_by("id"))]


class WorktreeTx(OnSession):
    def _worktree(self, row: WorktreeRow) -> Worktree:
        repo = self.session.get(RepositoryRow, row.repo_id)
        assert repo is not None
        return Worktree(
            id=row.id,
            repo_id=row.repo_id,
            repo_path=Path(repo.path),
            name=row.name,
            path=Path(row.path),
            branch=row.branch,
            base_ref=row.base_ref,
            base_commit=row.base_commit,
            created_branch=row.created_branch,
            status=WorktreeStatus(row.status),
            created_at=row.created_at,
            removed_at=row.removed_at,
        )

    def add_worktree(self, worktree: Worktree) -> None:
        self.session.add(
            WorktreeRow(
                id=worktree.id,
                repo_id=worktree.repo_id,
                name=worktree.name,
                path=str(worktree.path),
                branch=worktree.branch,
                base_ref=worktree.base_ref,
                base_commit=worktree.base_commit,
                created_branch=worktree.created_branch,
                status=worktree.status.value,
                created_at=worktree.created_at,
            )
        )
        self.session.flush()

    def worktree(self, key: str) -> Worktree | None:
        """By id, else by name among active worktrees (when the name is unique)."""
        row = self.session.get(WorktreeRow, key)
        if row is None:
            rows = list(
                self.session.scalars(
                    select(WorktreeRow).where(
                        WorktreeRow.name == key, WorktreeRow.status == WorktreeStatus.ACTIVE.value
                    )
                )
            )
            row = rows[0] if len(rows) == 1 else None
        return self._worktree(row) if row else None

    def worktrees(
        self,
        *,
        repo_id: int | None = None,
        statuses: tuple[WorktreeStatus, ...] = (WorktreeStatus.ACTIVE,),
        ids: Collection[str] | None = None,
    ) -> list[Worktree]:
        query = select(WorktreeRow).order_by(WorktreeRow.created_at, WorktreeRow.id)
        if repo_id is not None:
            query = query.where(WorktreeRow.repo_id == repo_id)
        if statuses:
            query = query.where(WorktreeRow.status.in_([s.value for s in statuses]))
        if ids is None:
            return [self._worktree(r) for r in self.session.scalars(query)]
        found = [
            row
            for part in chunks(ids)
            for row in self.session.scalars(query.where(WorktreeRow.id.in_(part)))
        ]
        found.sort(key=lambda r: (r.created_at, r.id))
        return [self._worktree(r) for r in found]

    def set_worktree_status(self, worktree_id: str, status: WorktreeStatus) -> None:
        row = self.session.get(WorktreeRow, worktree_id)
        if row is not None:
            row.status = status.value
            self.session.flush()

    def mark_worktree_removed(self, worktree_id: str, when: datetime) -> None:
        row = self.session.get(WorktreeRow, worktree_id)
        if row is not None:
            row.status = WorktreeStatus.REMOVED.value
            row.removed_at = when
            self.session.flush()
