"""An index of the events by kind and time, for `cco stats` (the task.status events of a
period, without reading the rest of the table)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_kind_ts", "events", ["kind", "ts"])


def downgrade() -> None:
    op.drop_index("ix_events_kind_ts", table_name="events")
