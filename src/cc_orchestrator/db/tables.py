"""Tables, as typed SQLAlchemy 2 models. Portable SQL only: SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps always come back timezone-aware in UTC, whatever the backend keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# An autoincrementing 64-bit key on PostgreSQL that is still SQLite's INTEGER PRIMARY KEY.
BigIntKey = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RepositoryRow(Base):
    __tablename__ = "repositories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    path: Mapped[str] = mapped_column(String(4096), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorktreeRow(Base):
    __tablename__ = "worktrees"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(4096))
    branch: Mapped[str] = mapped_column(String(255))
    base_ref: Mapped[str] = mapped_column(String(255))
    base_commit: Mapped[str] = mapped_column(String(64))
    created_branch: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_worktrees_repo_status", "repo_id", "status"),)


class TaskRow(Base):
    __tablename__ = "tasks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    repo_id: Mapped[int | None] = mapped_column(
        ForeignKey("repositories.id", ondelete="SET NULL"), nullable=True
    )
    title: Mapped[str] = mapped_column(String(500))
    prompt: Mapped[str] = mapped_column(Text)
    base_ref: Mapped[str | None] = mapped_column(String(255), nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    # notification channels this task names (a channel with only_named hears of it alone)
    notify: Mapped[list[str]] = mapped_column(JSON, default=list)
    agent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    mode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    max_turns: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_cost_usd: Mapped[float | None] = mapped_column(Float, nullable=True)
    worktree_id: Mapped[str | None] = mapped_column(
        ForeignKey("worktrees.id", ondelete="SET NULL"), nullable=True
    )
    # The instance of the current attempt; its id is chosen before it is spawned, so a start
    # interrupted at any step can be recognized and finished or undone (no FK: it may not
    # exist yet).
    instance_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    turns_at_start: Mapped[int] = mapped_column(Integer, default=0)
    branch: Mapped[str | None] = mapped_column(String(255), nullable=True)
    base_commit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    commits_ahead: Mapped[int | None] = mapped_column(Integer, nullable=True)
    files_changed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    insertions: Mapped[int | None] = mapped_column(Integer, nullable=True)
    deletions: Mapped[int | None] = mapped_column(Integer, nullable=True)
    diff_stat: Mapped[str | None] = mapped_column(Text, nullable=True)
    feedback: Mapped[str | None] = mapped_column(Text, nullable=True)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    # An approve's intent, written before it merges (services/approval.py).
    approve_plan: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The task whose agent created this one (through the fleet's MCP server), and how deep in
    # that tree it is (0: made by a person or a tracker). No FK: a parent may be deleted.
    parent_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    # the short status line its agent reports (report_progress), shown on the board
    progress: Mapped[str | None] = mapped_column(Text, nullable=True)
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # what its agent said of its work when it asked for review (request_review)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    # the subtasks its agent waits for (create_task with wait): told when they are finished
    waiting_for: Mapped[list[str]] = mapped_column(JSON, default=list)
    # its agent is held (idle until its subtasks finish, or blocked in wait_for_task): its
    # instance holds no slot of instances.max_running meanwhile
    parked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MessageRow(Base):
    """A message to a task's agent (domain.models.Message): queued while that agent works,
    typed in as a user turn when it is idle."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    to_task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    from_task_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sender: Mapped[str] = mapped_column(String(64))  # "task:ID" or "user"
    kind: Mapped[str] = mapped_column(String(16), default="message")  # message | wake
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|delivered|dropped
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_messages_to_status", "to_task_id", "status", "id"),
        Index("ix_messages_from", "from_task_id", "id"),
    )


class TaskDependencyRow(Base):
    __tablename__ = "task_dependencies"

    task_id: Mapped[str] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    depends_on_id: Mapped[str] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class InstanceRow(Base):
    __tablename__ = "instances"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    repo_id: Mapped[int | None] = mapped_column(
        ForeignKey("repositories.id", ondelete="SET NULL"), nullable=True
    )
    worktree_id: Mapped[str | None] = mapped_column(
        ForeignKey("worktrees.id", ondelete="SET NULL"), nullable=True
    )
    owns_worktree: Mapped[bool] = mapped_column(Boolean, default=False)
    # The id the worktree will get, recorded before it is created (no FK: not there yet).
    worktree_plan: Mapped[str | None] = mapped_column(String(32), nullable=True)
    task_id: Mapped[str | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), nullable=True, index=True
    )
    agent: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))
    permission_mode: Mapped[str | None] = mapped_column(String(32), nullable=True)
    prompt: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="starting", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    status_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    session_name: Mapped[str] = mapped_column(String(128))
    pane_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    exit_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    agent_session_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    transcript: Mapped[str | None] = mapped_column(String(4096), nullable=True)
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    restarts: Mapped[int] = mapped_column(Integer, default=0)
    restart_after: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    turns: Mapped[int] = mapped_column(Integer, default=0)
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    # The agent adapter's cursor in its own files (offsets read, what it counted), written
    # with the status it produced; only that adapter reads it.
    agent_state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the permission question it waits on (domain.questions.Question as JSON)
    question: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class EventRow(Base):
    """Append-only: every state change, with a monotonic id that feeds live updates."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_events_entity", "entity_type", "entity_id", "id"),
        Index("ix_events_kind_ts", "kind", "ts"),  # cco stats: one kind over a period
    )


class OutboxIntakeRow(Base):
    """An event not yet turned into deliveries: written in the event's own transaction, deleted
    in the one that records its deliveries (so no event is skipped, none taken twice)."""

    __tablename__ = "outbox_intake"

    event_id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=False)


class DeliveryRow(Base):
    """One message for one channel (domain.outbox.Delivery): the outbox."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    subscriber: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    digest_of: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_deliveries_channel_status", "channel", "status", "id"),
        Index("ix_deliveries_status", "status", "id"),
        Index("ix_deliveries_burst", "channel", "entity_id", "kind", "created_at"),
    )


class IssueLinkRow(Base):
    """The tracker issue a task came from (domain.links.IssueLink)."""

    __tablename__ = "issue_links"

    task_id: Mapped[str] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    tracker: Mapped[str] = mapped_column(String(16))
    project: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="open")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("tracker", "project", "key", name="uq_issue_links_tracker"),)


class PullRequestRow(Base):
    """The pull request a task's work became (domain.links.PullRequest)."""

    __tablename__ = "pull_requests"

    task_id: Mapped[str] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    repo: Mapped[str] = mapped_column(String(255))
    head: Mapped[str] = mapped_column(String(255))
    base: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default="opening")
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    head_sha: Mapped[str | None] = mapped_column(String(64), nullable=True)
    checks: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ci_rounds: Mapped[int] = mapped_column(Integer, default=0)
    review_rounds: Mapped[int] = mapped_column(Integer, default=0)
    fed: Mapped[list[str]] = mapped_column(JSON, default=list)
    etag: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_pull_requests_state", "state"),
        Index("ix_pull_requests_repo_number", "repo", "number"),
    )


class InboxRow(Base):
    """A webhook delivery as received (domain.links.InboxItem), applied by the daemon."""

    __tablename__ = "inbox"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(16))
    delivery_id: Mapped[str] = mapped_column(String(128))
    event: Mapped[str] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(64), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        UniqueConstraint("source", "delivery_id", name="uq_inbox_source"),
        Index("ix_inbox_status", "status", "id"),
    )


class SyncStateRow(Base):
    """A tracker project's last sync (domain.links.SyncState)."""

    __tablename__ = "sync_state"

    tracker: Mapped[str] = mapped_column(String(16), primary_key=True)
    project: Mapped[str] = mapped_column(String(255), primary_key=True)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    etag: Mapped[str | None] = mapped_column(Text, nullable=True)
    rate_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rate_remaining: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rate_reset_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SchedulerLockRow(Base):
    """Who holds the one-scheduler lock of this database (informative: the lock itself is an
    flock on SQLite, an advisory lock on PostgreSQL). One row, rewritten by each holder."""

    __tablename__ = "scheduler_lock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    data_dir: Mapped[str] = mapped_column(String(4096))
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


__all__ = [
    "Base",
    "DeliveryRow",
    "EventRow",
    "InboxRow",
    "InstanceRow",
    "IssueLinkRow",
    "MessageRow",
    "OutboxIntakeRow",
    "PullRequestRow",
    "RepositoryRow",
    "SchedulerLockRow",
    "SyncStateRow",
    "TaskDependencyRow",
    "TaskRow",
    "WorktreeRow",
]
