"""instances.agent_state: the agent adapter's own cursor, replacing the offsets kept for Claude
Code (events_offset, stream_offset, transcript_offset, cost_base_usd); transcript_path becomes
transcript (any agent's)

The offsets an instance had read are copied into the cursor, so an instance mid-run goes on
from where it was (nothing read twice, nothing counted twice); the downgrade copies them back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 02:10:00.000000
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = ("events_offset", "stream_offset", "transcript_offset", "cost_base_usd")


def _state(row: Any) -> dict[str, Any]:
    """The Claude Code adapter's cursor (adapters/claude/cursor.py) from the old columns."""
    return {
        "events": int(row.events_offset or 0),
        "stream": int(row.stream_offset or 0),
        "transcript": int(row.transcript_offset or 0),
        "transcript_of": row.transcript_path,
        # what the transcript's tokens added up to: the instance's tokens came from it alone
        "transcript_input": int(row.input_tokens or 0),
        "transcript_output": int(row.output_tokens or 0),
        # the cost the current process reported so far (cost = base + what it reported)
        "run_cost": round(float(row.cost_usd or 0) - float(row.cost_base_usd or 0), 6),
    }


def upgrade() -> None:
    with op.batch_alter_table("instances", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("agent_state", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, events_offset, stream_offset, transcript_offset, transcript_path,"
            " input_tokens, output_tokens, cost_usd, cost_base_usd FROM instances"
        )
    ).fetchall()
    update = sa.text("UPDATE instances SET agent_state = :state WHERE id = :id").bindparams(
        sa.bindparam("state", type_=sa.JSON())
    )
    for row in rows:
        bind.execute(update, {"state": _state(row), "id": row.id})
    with op.batch_alter_table("instances", schema=None) as batch_op:
        for name in _OLD:
            batch_op.drop_column(name)
        # not only Claude Code's: any agent may name the file it keeps the conversation in
        batch_op.alter_column(
            "transcript_path", new_column_name="transcript", existing_type=sa.String(4096)
        )


def downgrade() -> None:
    with op.batch_alter_table("instances", schema=None) as batch_op:
        batch_op.alter_column(
            "transcript", new_column_name="transcript_path", existing_type=sa.String(4096)
        )
        for name in _OLD[:3]:
            batch_op.add_column(
                sa.Column(name, sa.BigInteger(), nullable=False, server_default=sa.text("0"))
            )
        batch_op.add_column(
            sa.Column("cost_base_usd", sa.Float(), nullable=False, server_default=sa.text("0"))
        )
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, cost_usd, agent_state FROM instances")).fetchall()
    update = sa.text(
        "UPDATE instances SET events_offset = :e, stream_offset = :s, transcript_offset = :t,"
        " cost_base_usd = :base WHERE id = :id"
    )
    for row in rows:
        state = row.agent_state
        if isinstance(state, str):
            state = json.loads(state)
        state = state if isinstance(state, dict) else {}
        base = round(float(row.cost_usd or 0) - float(state.get("run_cost") or 0), 6)
        values = {
            "e": int(state.get("events") or 0),
            "s": int(state.get("stream") or 0),
            "t": int(state.get("transcript") or 0),
            "base": base,
            "id": row.id,
        }
        bind.execute(update, values)
    with op.batch_alter_table("instances", schema=None) as batch_op:
        batch_op.drop_column("agent_state")
