"""What a transaction may change on a record: one TypedDict per entity, so an update with a
misspelled field or a value of the wrong type is a mypy error at its call site.

    tx.update_instance(inst.id, status=InstanceStatus.IDLE, turns=3)   # checked
    tx.update_instance(inst.id, stauts=...)                            # mypy: unexpected keyword

Every field of the record but its identity (id), what the database keeps itself (created_at,
updated_at) and what is derived from other tables (a task's repo_path, depends_on). Values
are the domain's types, except a question, which is stored as its JSON
(`Question.to_json()`). The store takes its list of columns from these definitions, and
tests/db/test_updates.py checks they name exactly the record's other fields with the same
types: a field added to `Instance` or `Task` is added here too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from cc_orchestrator.domain.models import InstanceStatus, TaskStatus


class InstanceUpdate(TypedDict, total=False):
    name: str
    agent: str
    mode: str
    status: InstanceStatus
    session_name: str
    repo_id: int | None
    worktree_id: str | None
    owns_worktree: bool
    worktree_plan: str | None
    task_id: str | None
    permission_mode: str | None
    prompt: str | None
    status_reason: str | None
    status_at: datetime
    pane_pid: int | None
    exit_status: int | None
    agent_session_id: str | None
    transcript: str | None
    stop_requested: bool
    restarts: int
    restart_after: datetime | None
    turns: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    agent_state: dict[str, Any]  # the agent adapter's cursor (domain/observations.py)
    question: dict[str, Any] | None  # Question.to_json(), or None when it asks nothing


class TaskUpdate(TypedDict, total=False):
    title: str
    prompt: str
    status: TaskStatus
    repo_id: int | None
    base_ref: str | None
    priority: int
    status_reason: str | None
    labels: list[str]
    notify: list[str]
    agent: str | None
    mode: str | None
    max_turns: int | None
    max_cost_usd: float | None
    worktree_id: str | None
    instance_id: str | None
    attempts: int
    turns_at_start: int
    branch: str | None
    base_commit: str | None
    commits_ahead: int | None
    files_changed: int | None
    insertions: int | None
    deletions: int | None
    diff_stat: str | None
    feedback: str | None
    cost_usd: float
    approve_plan: dict[str, Any] | None
    started_at: datetime | None
    finished_at: datetime | None
    parent_id: str | None
    depth: int
    progress: str | None
    progress_at: datetime | None
    summary: str | None
    waiting_for: list[str]
    parked: bool


# The field names, for the store's runtime check (callers typed as Any are not checked).
INSTANCE_UPDATE_FIELDS: frozenset[str] = InstanceUpdate.__optional_keys__
TASK_UPDATE_FIELDS: frozenset[str] = TaskUpdate.__optional_keys__
