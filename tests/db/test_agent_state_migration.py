"""0005_agent_state: an instance mid-run at 0004 keeps its place in its agent's files (nothing
read or counted twice on the next look), and the downgrade gives the old columns back; on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from cc_orchestrator.adapters.claude import ClaudeAgent
from cc_orchestrator.config import InstancesConfig
from cc_orchestrator.db.engine import _alembic_config, make_engine
from cc_orchestrator.db.store import SqlStore
from cc_orchestrator.domain.models import InstanceStatus
from cc_orchestrator.ports import InstanceFiles
from cc_orchestrator.services.instance_apply import Pending
from tests.db.test_postgres import pg_cluster  # noqa: F401  (the session's PostgreSQL)
from tests.pg import PgCluster

S = InstanceStatus
OLD = {"events_offset", "stream_offset", "transcript_offset", "cost_base_usd"}


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.db'}"
        return
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    made = cluster.create_database()
    yield made
    cluster.drop_database(str(make_url(made).database))


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    cfg = _alembic_config(engine)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)
        conn.commit()


def _assistant(msg_id: str, tokens_in: int, tokens_out: int) -> str:
    usage = {"input_tokens": tokens_in, "output_tokens": tokens_out}
    record = {"type": "assistant", "message": {"id": msg_id, "usage": usage}}
    return json.dumps(record) + "\n"


def _hook(name: str) -> str:
    return json.dumps({"cco_ts": "1.5", "event": {"hook_event_name": name}}) + "\n"


def test_an_instance_mid_run_keeps_its_offsets(url: str, tmp_path: Path) -> None:
    files = InstanceFiles(tmp_path / "instances" / "i1")
    files.folder.mkdir(parents=True)
    transcript = tmp_path / "t.jsonl"
    # What the old code had read and counted: one turn, 10 in / 2 out, $0.50 of which the
    # current process reported $0.20 (its status line says so), the runs before $0.30.
    old_events = _hook("UserPromptSubmit") + _hook("Stop")
    old_transcript = _assistant("m1", 10, 2)
    files.events.write_text(old_events)
    transcript.write_text(old_transcript)
    files.status.write_text(json.dumps({"cost": {"total_cost_usd": 0.2}}))

    engine = make_engine(url)
    _migrate(engine, "0004")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO instances (id, name, agent, mode, status, session_name, status_at,"
                " created_at, updated_at, owns_worktree, stop_requested, restarts, turns,"
                " input_tokens, output_tokens, cost_usd, cost_base_usd, events_offset,"
                " stream_offset, transcript_offset, transcript_path) VALUES ('i1', 'i1',"
                " 'claude', 'interactive', 'idle', 'cco-i1', CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :f, :f, 0, 1, 10, 2, 0.5, 0.3, :e, 0,"
                " :t, :path)"
            ),
            {
                "e": len(old_events.encode()),
                "t": len(old_transcript.encode()),
                "path": str(transcript),
                "f": False,
            },
        )
    engine.dispose()

    store = SqlStore.open(url)  # migrates to the head, as cco does
    try:
        with store.read() as tx:
            inst = tx.instance("i1")
        assert inst is not None
        assert inst.agent_state["events"] == len(old_events.encode())
        assert inst.agent_state["run_cost"] == pytest.approx(0.2)
        assert inst.transcript == str(transcript)  # transcript_path, renamed
        columns = {c["name"] for c in inspect(store.engine).get_columns("instances")}
        assert "agent_state" in columns and not columns & OLD

        # The agent goes on: one more turn, one more message, the process at $0.35.
        with files.events.open("a") as fh:
            fh.write(_hook("UserPromptSubmit") + _hook("Stop"))
        with transcript.open("a") as fh:
            fh.write(_assistant("m2", 5, 1))
        files.status.write_text(json.dumps({"cost": {"total_cost_usd": 0.35}}))
        adapter = ClaudeAgent(InstancesConfig())
        p = Pending(instance=inst, status=inst.status)
        p.take(adapter.observe(inst, files, inst.agent_state, deep=True, memo={}))
        # only what is new: one turn, 15 in, 3 out, $0.65 in all; nothing counted twice
        assert p.updates["turns"] == 2
        assert (p.updates["input_tokens"], p.updates["output_tokens"]) == (15, 3)
        assert p.updates["cost_usd"] == pytest.approx(0.65)
        assert p.status == S.IDLE and [s for s, _ in p.changes] == [S.WORKING, S.IDLE]
        with store.write() as tx:
            tx.set_instance("i1", **p.updates, status=p.status)
        end_events = files.events.stat().st_size
    finally:
        store.close()

    engine = make_engine(url)
    try:
        _migrate(engine, "0004", down=True)
        columns = {c["name"] for c in inspect(engine).get_columns("instances")}
        assert columns >= OLD and "agent_state" not in columns
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT events_offset, transcript_offset, cost_base_usd, cost_usd"
                    " FROM instances WHERE id = 'i1'"
                )
            ).one()
        assert row.events_offset == end_events
        assert row.transcript_offset == transcript.stat().st_size
        # cost = base + what the current process reported: 0.65 = 0.30 + 0.35
        assert row.cost_base_usd == pytest.approx(0.3) and row.cost_usd == pytest.approx(0.65)
        _migrate(engine, "head")  # and up again
    finally:
        engine.dispose()
