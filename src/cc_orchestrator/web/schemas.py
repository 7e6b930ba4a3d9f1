"""What the API answers: what a client needs, picked field by field from the domain's records
(never their bookkeeping: log offsets, cost bases, plans, pids), with the actions each record
allows now (domain/actions.py), so a client never re-encodes the status rules."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from cc_orchestrator.domain import instance_status as imachine
from cc_orchestrator.domain.actions import (
    ENDED,
    InstanceAction,
    TaskAction,
    instance_actions,
    is_finished,
    task_actions,
)
from cc_orchestrator.domain.models import (
    Event,
    Instance,
    InstanceStatus,
    Repository,
    Task,
    TaskStatus,
    Worktree,
    WorktreeStatus,
)
from cc_orchestrator.domain.questions import Question
from cc_orchestrator.services.overview import Owner
from cc_orchestrator.services.task_links import TaskLinks
from cc_orchestrator.web.schemas_links import IssueOut, PullRequestOut


class TaskOut(BaseModel):
    id: str
    title: str
    prompt: str
    status: TaskStatus
    status_reason: str | None
    repo_id: int | None
    repo_path: Path | None
    base_ref: str | None
    priority: int
    labels: list[str]
    notify: list[str]  # the notification channels it names
    agent: str | None
    mode: str | None
    max_turns: int | None
    max_cost_usd: float | None
    depends_on: list[str]
    worktree_id: str | None
    instance_id: str | None
    attempts: int
    branch: str | None
    base_commit: str | None
    commits_ahead: int | None
    files_changed: int | None
    insertions: int | None
    deletions: int | None
    diff_stat: str | None
    feedback: str | None
    cost_usd: float
    approving: bool  # an approve is under way (or a crash interrupted one: approve again)
    finished: bool  # done or cancelled: nothing is left to do for it
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    issue: IssueOut | None  # the tracker issue it was made from
    pull_request: PullRequestOut | None  # the pull request its work became
    actions: list[TaskAction]
    parent_id: str | None = None  # the task whose agent made it (the MCP server's create_task)
    depth: int = 0
    progress: str | None = None  # the line its agent last reported
    progress_at: datetime | None = None
    summary: str | None = None  # its agent's summary (request_review)
    waiting_for: list[str] = []  # subtasks its agent waits for
    parked: bool = False  # its agent is held waiting (holds no slot)

    @classmethod
    def from_domain(cls, t: Task, *, links: TaskLinks) -> TaskOut:
        """links: from TaskLinkService.of, one batch for every task of an answer."""
        return cls(
            id=t.id,
            title=t.title,
            prompt=t.prompt,
            status=t.status,
            status_reason=t.status_reason,
            repo_id=t.repo_id,
            repo_path=t.repo_path,
            base_ref=t.base_ref,
            priority=t.priority,
            labels=list(t.labels),
            notify=list(t.notify),
            agent=t.agent,
            mode=t.mode,
            max_turns=t.max_turns,
            max_cost_usd=t.max_cost_usd,
            depends_on=list(t.depends_on),
            worktree_id=t.worktree_id,
            instance_id=t.instance_id,
            attempts=t.attempts,
            branch=t.branch,
            base_commit=t.base_commit,
            commits_ahead=t.commits_ahead,
            files_changed=t.files_changed,
            insertions=t.insertions,
            deletions=t.deletions,
            diff_stat=t.diff_stat,
            feedback=t.feedback,
            cost_usd=t.cost_usd,
            approving=t.approve_plan is not None,
            parent_id=t.parent_id,
            depth=t.depth,
            progress=t.progress,
            progress_at=t.progress_at,
            summary=t.summary,
            waiting_for=list(t.waiting_for),
            parked=t.parked,
            finished=is_finished(t),
            started_at=t.started_at,
            finished_at=t.finished_at,
            created_at=t.created_at,
            updated_at=t.updated_at,
            issue=IssueOut.from_domain(links.issue) if links.issue else None,
            pull_request=(
                PullRequestOut.from_domain(links.pull_request) if links.pull_request else None
            ),
            actions=task_actions(t),
        )


class ChoiceOut(BaseModel):
    key: str
    label: str
    kind: str


class QuestionOut(BaseModel):
    """What a waiting agent asks; channel: how cco can answer it (hook, keys, or none)."""

    id: str
    tool: str
    command: str | None
    file_path: str | None
    description: str | None
    edit: str | None
    channel: str
    choices: list[ChoiceOut]
    reason: str | None
    answered: str | None

    @classmethod
    def from_domain(cls, q: Question) -> QuestionOut:
        return cls(
            id=q.id,
            tool=q.tool,
            command=q.command,
            file_path=q.file_path,
            description=q.description,
            edit=q.edit,
            channel=q.channel,
            choices=[ChoiceOut(key=c.key, label=c.label, kind=c.kind) for c in q.choices],
            reason=q.reason,
            answered=q.answered,
        )


class InstanceOut(BaseModel):
    id: str
    name: str
    agent: str
    mode: str
    status: InstanceStatus
    live: bool  # its agent runs (or is starting); an ended one can only be restarted
    status_reason: str | None
    status_at: datetime | None
    session_name: str
    repo_id: int | None
    worktree_id: str | None
    task_id: str | None
    permission_mode: str | None
    prompt: str | None
    exit_status: int | None
    agent_session_id: str | None
    restarts: int
    turns: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    question: QuestionOut | None  # while it waits for input only
    created_at: datetime | None
    updated_at: datetime | None
    actions: list[InstanceAction]

    @classmethod
    def from_domain(cls, i: Instance, *, worktrees: Collection[str] | None = None) -> InstanceOut:
        """worktrees: the ids of the active worktrees (None: its own is taken to exist)."""
        has_worktree = worktrees is None or (i.worktree_id or "") in worktrees
        asked = i.question if i.status == InstanceStatus.WAITING_INPUT else None
        return cls(
            id=i.id,
            name=i.name,
            agent=i.agent,
            mode=i.mode,
            status=i.status,
            live=i.status in imachine.LIVE,
            status_reason=i.status_reason,
            status_at=i.status_at,
            session_name=i.session_name,
            repo_id=i.repo_id,
            worktree_id=i.worktree_id,
            task_id=i.task_id,
            permission_mode=i.permission_mode,
            prompt=i.prompt,
            exit_status=i.exit_status,
            agent_session_id=i.agent_session_id,
            restarts=i.restarts,
            turns=i.turns,
            input_tokens=i.input_tokens,
            output_tokens=i.output_tokens,
            cost_usd=i.cost_usd,
            question=QuestionOut.from_domain(asked) if asked is not None else None,
            created_at=i.created_at,
            updated_at=i.updated_at,
            actions=instance_actions(i, has_worktree=has_worktree),
        )


class OwnerOut(BaseModel):
    """Who works in a worktree: its instance (the live one, else the latest) and task."""

    instance_id: str | None
    instance_status: InstanceStatus | None
    task_id: str | None
    task_title: str | None

    @classmethod
    def from_domain(cls, o: Owner) -> OwnerOut:
        return cls(
            instance_id=o.instance_id,
            instance_status=InstanceStatus(o.instance_status) if o.instance_status else None,
            task_id=o.task_id,
            task_title=o.task_title,
        )


class WorktreeOut(BaseModel):
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
    exists: bool  # its folder is there
    owner: OwnerOut | None
    created_at: datetime
    removed_at: datetime | None

    @classmethod
    def from_domain(cls, w: Worktree, *, exists: bool, owner: Owner | None) -> WorktreeOut:
        return cls(
            id=w.id,
            repo_id=w.repo_id,
            repo_path=w.repo_path,
            name=w.name,
            path=w.path,
            branch=w.branch,
            base_ref=w.base_ref,
            base_commit=w.base_commit,
            created_branch=w.created_branch,
            status=w.status,
            exists=exists,
            owner=OwnerOut.from_domain(owner) if owner is not None else None,
            created_at=w.created_at,
            removed_at=w.removed_at,
        )


class EventOut(BaseModel):
    id: int
    ts: datetime
    kind: str
    entity_type: str
    entity_id: str
    data: dict[str, Any]

    @classmethod
    def from_domain(cls, e: Event) -> EventOut:
        return cls(
            id=e.id,
            ts=e.ts,
            kind=e.kind,
            entity_type=e.entity_type,
            entity_id=e.entity_id,
            data=e.data,
        )


class RepositoryOut(BaseModel):
    id: int
    path: Path
    name: str
    created_at: datetime

    @classmethod
    def from_domain(cls, r: Repository) -> RepositoryOut:
        return cls(id=r.id, path=r.path, name=r.name, created_at=r.created_at)


class Health(BaseModel):
    status: str
    version: str
    daemon: str


class NeedsYou(BaseModel):
    kind: Literal["instance", "task", "notifications"]  # notifications: failed deliveries
    id: str
    why: str
    task_id: str | None = None
    title: str | None = None


class StatusGroups(BaseModel):
    """Which statuses are over and which are not, from the domain's rules (a client lists
    what is open in full, and only the newest of what is over)."""

    open_tasks: list[TaskStatus]
    finished_tasks: list[TaskStatus]
    live_instances: list[InstanceStatus]
    ended_instances: list[InstanceStatus]

    @classmethod
    def from_domain(cls) -> StatusGroups:
        return cls(
            open_tasks=[s for s in TaskStatus if s not in ENDED],
            finished_tasks=[s for s in TaskStatus if s in ENDED],
            live_instances=[s for s in InstanceStatus if s in imachine.LIVE],
            ended_instances=[s for s in InstanceStatus if s not in imachine.LIVE],
        )


class Status(BaseModel):
    daemon: str
    instances: dict[str, int]
    tasks: dict[str, int]
    cost_usd: float
    needs_you: list[NeedsYou]  # the first few of each kind
    needs_you_total: int  # how many there are in all
    failed_deliveries: int  # notifications refused for good or given up on (retry them)
    groups: StatusGroups


class DepsOut(BaseModel):
    task: TaskOut
    depends_on: list[TaskOut]
    dependents: list[TaskOut]


class LogLines(BaseModel):
    lines: list[str]
    offset: int
    source: Literal["events", "transcript", "stream"]  # offsets belong to one source


class Removed(BaseModel):
    notes: list[str]


class ErrorBody(BaseModel):
    type: str
    message: str
    hint: str | None = None


class ErrorOut(BaseModel):
    error: ErrorBody
