"""Tasks and their dependencies in a transaction (ports.TaskRows)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields
from pathlib import Path
from typing import Unpack

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import aliased

from cc_orchestrator.db.rows import OnSession, chunks, columns
from cc_orchestrator.db.tables import RepositoryRow, TaskDependencyRow, TaskRow
from cc_orchestrator.domain.models import Task, TaskStatus
from cc_orchestrator.domain.updates import TASK_UPDATE_FIELDS, TaskUpdate

_DERIVED = ("repo_path", "depends_on")  # from other tables, not columns of tasks


class TaskTx(OnSession):
    def _task(
        self,
        row: TaskRow,
        deps: Collection[str] | None = None,
        repo_paths: dict[int, str] | None = None,
    ) -> Task:
        """A record from a row; deps and repo paths may come preloaded for a whole list."""
        values = {f.name: getattr(row, f.name) for f in fields(Task) if f.name not in _DERIVED}
        values["status"] = TaskStatus(row.status)
        values["labels"] = list(row.labels or [])
        values["waiting_for"] = list(row.waiting_for or [])
        values["notify"] = list(row.notify or [])
        if repo_paths is None:
            repo = self.session.get(RepositoryRow, row.repo_id) if row.repo_id else None
            repo_path = repo.path if repo else None
        else:
            repo_path = repo_paths.get(row.repo_id) if row.repo_id else None
        if deps is None:
            deps = list(
                self.session.scalars(
                    select(TaskDependencyRow.depends_on_id)
                    .where(TaskDependencyRow.task_id == row.id)
                    .order_by(TaskDependencyRow.depends_on_id)
                )
            )
        return Task(
            **values,
            repo_path=Path(repo_path) if repo_path else None,
            depends_on=tuple(sorted(deps)),
        )

    def add_task(self, task: Task) -> Task:
        values = {f.name: getattr(task, f.name) for f in fields(Task) if f.name not in _DERIVED}
        values["status"] = task.status.value
        for key in ("created_at", "updated_at"):
            if values[key] is None:
                values.pop(key)
        row = TaskRow(**values)
        self.session.add(row)
        self.session.flush()
        for dep in task.depends_on:
            self.session.add(TaskDependencyRow(task_id=task.id, depends_on_id=dep))
        self.session.flush()
        return self._task(row)

    def task(self, key: str) -> Task | None:
        row = self.session.get(TaskRow, key)
        return self._task(row) if row else None

    def tasks(
        self,
        *,
        statuses: Collection[TaskStatus] | None = None,
        repo_id: int | None = None,
        limit: int | None = None,
        offset: int = 0,
        after: str | None = None,
    ) -> list[Task]:
        """Oldest first; dependencies and repositories loaded in two queries for the page.

        after: the tasks that come after this one in that order (keyset paging: every page
        costs what the first does, where a deep offset makes the database step over rows).
        """
        query = select(TaskRow).order_by(TaskRow.created_at, TaskRow.id)
        if after is not None:
            anchor = select(TaskRow.created_at).where(TaskRow.id == after).scalar_subquery()
            query = query.where(
                or_(
                    TaskRow.created_at > anchor,
                    and_(TaskRow.created_at == anchor, TaskRow.id > after),
                )
            )
        if statuses is not None:
            query = query.where(TaskRow.status.in_([s.value for s in statuses]))
        if repo_id is not None:
            query = query.where(TaskRow.repo_id == repo_id)
        if limit is not None:
            query = query.limit(limit).offset(offset)
        rows = list(self.session.scalars(query))
        deps: dict[str, list[str]] = {r.id: [] for r in rows}
        for chunk in chunks(deps):
            for task_id, dep in self.session.execute(
                select(TaskDependencyRow.task_id, TaskDependencyRow.depends_on_id).where(
                    TaskDependencyRow.task_id.in_(chunk)
                )
            ):
                deps[task_id].append(dep)
        repo_paths = {
            r_id: path
            for r_id, path in self.session.execute(select(RepositoryRow.id, RepositoryRow.path))
        }
        return [self._task(r, deps[r.id], repo_paths) for r in rows]

    def update_task(self, task_id: str, **values: Unpack[TaskUpdate]) -> Task:
        row = self.session.get(TaskRow, task_id)
        if row is None:
            raise KeyError(task_id)
        for key, value in columns(values, TASK_UPDATE_FIELDS).items():
            setattr(row, key, value)
        self.session.flush()
        return self._task(row)

    # dependencies -----------------------------------------------------------------------
    def set_dependencies(self, task_id: str, depends_on: Collection[str]) -> None:
        self.session.execute(delete(TaskDependencyRow).where(TaskDependencyRow.task_id == task_id))
        for dep in sorted(set(depends_on)):
            self.session.add(TaskDependencyRow(task_id=task_id, depends_on_id=dep))
        self.session.flush()

    def dependency_edges(self) -> dict[str, list[str]]:
        edges: dict[str, list[str]] = {}
        for task_id, dep in self.session.execute(
            select(TaskDependencyRow.task_id, TaskDependencyRow.depends_on_id)
        ):
            edges.setdefault(task_id, []).append(dep)
        return edges

    def dependents(self, task_id: str) -> list[str]:
        return list(
            self.session.scalars(
                select(TaskDependencyRow.task_id)
                .where(TaskDependencyRow.depends_on_id == task_id)
                .order_by(TaskDependencyRow.task_id)
            )
        )

    def task_statuses(self, ids: Collection[str]) -> dict[str, TaskStatus]:
        found: dict[str, TaskStatus] = {}
        for chunk in chunks(ids):
            rows = self.session.execute(
                select(TaskRow.id, TaskRow.status).where(TaskRow.id.in_(chunk))
            )
            found.update((i, TaskStatus(s)) for i, s in rows)
        return found

    def dependency_statuses(
        self, statuses: Collection[TaskStatus]
    ) -> dict[str, tuple[TaskStatus, dict[str, TaskStatus]]]:
        """For each task in these statuses: its status and its dependencies' statuses.

        One query (tasks joined with their dependencies and those tasks), no task objects:
        what the scheduler re-checks on every pass for every waiting task.
        """
        dep = aliased(TaskRow)
        query = (
            select(TaskRow.id, TaskRow.status, dep.id, dep.status)
            .outerjoin(TaskDependencyRow, TaskDependencyRow.task_id == TaskRow.id)
            .outerjoin(dep, dep.id == TaskDependencyRow.depends_on_id)
            .where(TaskRow.status.in_([s.value for s in statuses]))
        )
        found: dict[str, tuple[TaskStatus, dict[str, TaskStatus]]] = {}
        for task_id, status, dep_id, dep_status in self.session.execute(query):
            entry = found.setdefault(task_id, (TaskStatus(status), {}))
            if dep_id is not None:
                entry[1][dep_id] = TaskStatus(dep_status)
        return found
