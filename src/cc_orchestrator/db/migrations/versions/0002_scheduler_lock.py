"""scheduler lock holder

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 23:30:00

Who holds the one-scheduler-per-database lock (host, pid, data directory), so that a second
`cco up` on the same database can name it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduler_lock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("data_dir", sa.String(length=4096), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_lock")),
    )


def downgrade() -> None:
    op.drop_table("scheduler_lock")
