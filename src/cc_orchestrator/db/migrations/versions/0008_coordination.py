"""Coordination between agents: a task's parent (the task whose agent made it), its depth in
that tree, the progress line its agent reports, the tasks it waits for, and messages between
tasks (queued while the receiver works, delivered as a user turn when it is idle)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 21:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigIntKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def UTCDateTime() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.String(32), nullable=True))
        batch_op.add_column(
            sa.Column("depth", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.add_column(sa.Column("progress", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("progress_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("summary", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("waiting_for", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("parked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_tasks_parent_id", ["parent_id"])
    op.create_table(
        "messages",
        sa.Column("id", BigIntKey, primary_key=True, autoincrement=True),
        sa.Column(
            "to_task_id",
            sa.String(32),
            sa.ForeignKey("tasks.id", ondelete="CASCADE", name="fk_messages_to_task_id_tasks"),
            nullable=False,
        ),
        sa.Column("from_task_id", sa.String(32), nullable=True),
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_messages_to_status", "messages", ["to_task_id", "status", "id"])
    op.create_index("ix_messages_from", "messages", ["from_task_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_messages_from", table_name="messages")
    op.drop_index("ix_messages_to_status", table_name="messages")
    op.drop_table("messages")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_parent_id")
        for name in (
            "parked",
            "waiting_for",
            "summary",
            "progress_at",
            "progress",
            "depth",
            "parent_id",
        ):
            batch_op.drop_column(name)
