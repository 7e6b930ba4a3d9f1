"""The outbox: outbox_intake (events not yet turned into deliveries, one row per event,
written in the event's transaction) and deliveries (one message for one channel); tasks.notify
(the notification channels a task names)

Events recorded before this revision are history: none is queued for delivery.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigIntKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def UTCDateTime() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox_intake",
        sa.Column("event_id", BigIntKey, primary_key=True, autoincrement=False),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", BigIntKey, primary_key=True, autoincrement=True),
        sa.Column("subscriber", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("dedupe_key", sa.String(255), nullable=False, unique=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("give_up_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("digest_of", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_deliveries_channel_status", "deliveries", ["channel", "status", "id"])
    op.create_index("ix_deliveries_status", "deliveries", ["status", "id"])
    op.create_index(
        "ix_deliveries_burst", "deliveries", ["channel", "entity_id", "kind", "created_at"]
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notify", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("notify")
    op.drop_index("ix_deliveries_burst", table_name="deliveries")
    op.drop_index("ix_deliveries_status", table_name="deliveries")
    op.drop_index("ix_deliveries_channel_status", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("outbox_intake")
