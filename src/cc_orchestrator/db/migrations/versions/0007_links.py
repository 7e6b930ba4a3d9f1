"""The outside world's side of tasks: issue_links (the tracker issue a task came from),
pull_requests (the PR its work became), inbox (webhook deliveries, applied by the daemon) and
sync_state (each tracker project's last sync and rate limit)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigIntKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def UTCDateTime() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "issue_links",
        sa.Column(
            "task_id",
            sa.String(32),
            sa.ForeignKey("tasks.id", ondelete="CASCADE", name="fk_issue_links_task_id_tasks"),
            primary_key=True,
        ),
        sa.Column("tracker", sa.String(16), nullable=False),
        sa.Column("project", sa.String(255), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("tracker", "project", "key", name="uq_issue_links_tracker"),
    )
    op.create_table(
        "pull_requests",
        sa.Column(
            "task_id",
            sa.String(32),
            sa.ForeignKey("tasks.id", ondelete="CASCADE", name="fk_pull_requests_task_id_tasks"),
            primary_key=True,
        ),
        sa.Column("repo", sa.String(255), nullable=False),
        sa.Column("head", sa.String(255), nullable=False),
        sa.Column("base", sa.String(255), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("head_sha", sa.String(64), nullable=True),
        sa.Column("checks", sa.String(16), nullable=True),
        sa.Column("ci_rounds", sa.Integer(), nullable=False),
        sa.Column("review_rounds", sa.Integer(), nullable=False),
        sa.Column("fed", sa.JSON(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_pull_requests_state", "pull_requests", ["state"])
    op.create_index("ix_pull_requests_repo_number", "pull_requests", ["repo", "number"])
    op.create_table(
        "inbox",
        sa.Column("id", BigIntKey, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("delivery_id", sa.String(128), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.UniqueConstraint("source", "delivery_id", name="uq_inbox_source"),
    )
    op.create_index("ix_inbox_status", "inbox", ["status", "id"])
    op.create_table(
        "sync_state",
        sa.Column("tracker", sa.String(16), primary_key=True),
        sa.Column("project", sa.String(255), primary_key=True),
        sa.Column("last_sync_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("rate_limit", sa.Integer(), nullable=True),
        sa.Column("rate_remaining", sa.Integer(), nullable=True),
        sa.Column("rate_reset_at", UTCDateTime(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
    op.drop_index("ix_inbox_status", table_name="inbox")
    op.drop_table("inbox")
    op.drop_index("ix_pull_requests_repo_number", table_name="pull_requests")
    op.drop_index("ix_pull_requests_state", table_name="pull_requests")
    op.drop_table("pull_requests")
    op.drop_table("issue_links")
