"""Records the services pass around, kept apart from how they are stored."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cc_orchestrator.domain.questions import Question


class WorktreeStatus(enum.StrEnum):
    CREATING = "creating"  # recorded before git runs, so a crash mid-way leaves a trace
    ACTIVE = "active"
    REMOVED = "removed"


class InstanceStatus(enum.StrEnum):
    STARTING = "starting"
    IDLE = "idle"
    WORKING = "working"
    WAITING_INPUT = "waiting_input"
    EXITED = "exited"
    FAILED = "failed"
    STOPPED = "stopped"


class TaskStatus(enum.StrEnum):
    PENDING = "pending"
    READY = "ready"
    RUNNING = "running"
    NEEDS_INPUT = "needs_input"
    REVIEW = "review"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Repository:
    id: int
    path: Path
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Worktree:
    id: str
    repo_id: int
    repo_path: Path
    name: str
    path: Path
    branch: str
    base_ref: str
    base_commit: str
    created_branch: bool
    status: WorktreeStatus
    created_at: datetime
    removed_at: datetime | None = None


@dataclass(frozen=True)
class Event:
    id: int
    ts: datetime
    kind: str
    entity_type: str
    entity_id: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewEvent:
    """An event about to be appended; the store gives it its id and time."""

    kind: str
    entity_type: str
    entity_id: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Instance:
    id: str
    name: str
    agent: str
    mode: str  # interactive | headless
    status: InstanceStatus
    session_name: str
    repo_id: int | None = None
    worktree_id: str | None = None
    owns_worktree: bool = False
    worktree_plan: str | None = None
    task_id: str | None = None
    permission_mode: str | None = None
    prompt: str | None = None
    status_reason: str | None = None
    status_at: datetime | None = None
    pane_pid: int | None = None
    exit_status: int | None = None
    agent_session_id: str | None = None
    # the agent's own record of the conversation, when it keeps one (a file path)
    transcript: str | None = None
    stop_requested: bool = False
    restarts: int = 0
    restart_after: datetime | None = None
    turns: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    # the agent adapter's own cursor in its files (JSON only that adapter reads)
    agent_state: dict[str, Any] = field(default_factory=dict)
    # what it asks while waiting_input (None otherwise); stored as JSON
    question: Question | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        if isinstance(self.question, dict):  # as stored
            object.__setattr__(self, "question", Question.from_json(self.question))


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    prompt: str
    status: TaskStatus
    repo_id: int | None = None
    repo_path: Path | None = None
    base_ref: str | None = None
    priority: int = 0
    status_reason: str | None = None
    labels: list[str] = field(default_factory=list)
    notify: list[str] = field(default_factory=list)  # notification channels it names
    agent: str | None = None
    mode: str | None = None
    max_turns: int | None = None
    max_cost_usd: float | None = None
    worktree_id: str | None = None
    instance_id: str | None = None
    attempts: int = 0
    turns_at_start: int = 0
    branch: str | None = None
    base_commit: str | None = None
    commits_ahead: int | None = None
    files_changed: int | None = None
    insertions: int | None = None
    deletions: int | None = None
    diff_stat: str | None = None
    feedback: str | None = None
    cost_usd: float = 0.0
    # set while an approve runs (recorded before the merge): how, into, the branch's commit
    approve_plan: dict[str, Any] | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    parent_id: str | None = None  # the task whose agent made this one (MCP create_task)
    depth: int = 0  # 0: made by a person or a tracker; parent's depth + 1 otherwise
    progress: str | None = None  # the line its agent last reported (report_progress)
    progress_at: datetime | None = None
    summary: str | None = None  # its agent's summary of the work (request_review)
    waiting_for: list[str] = field(default_factory=list)  # subtasks its agent waits on
    parked: bool = False  # its agent is held waiting (holds no slot of max_running)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    depends_on: tuple[str, ...] = ()


class MessageStatus(enum.StrEnum):
    PENDING = "pending"  # queued: its task's agent works, or has not started
    DELIVERED = "delivered"  # typed into the agent's conversation as a user turn
    DROPPED = "dropped"  # its task finished before the agent could take it


@dataclass(frozen=True)
class Message:
    """A message to a task's agent, from another task's agent or from a person; `wake` is
    cco's own, telling a waiting agent that the tasks it waited for are finished."""

    id: int
    to_task_id: str
    sender: str  # "task:ID" or "user"
    text: str
    status: MessageStatus = MessageStatus.PENDING
    kind: str = "message"  # message | wake
    from_task_id: str | None = None
    created_at: datetime | None = None
    delivered_at: datetime | None = None
