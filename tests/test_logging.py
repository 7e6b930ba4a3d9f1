"""Logs: JSON lines in the data directory, ids on every line, and no secret ever."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

from cc_orchestrator.logs import get_logger, redact_text, setup_logging
from tests.conftest import Cco


def test_json_file_and_redaction(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "cco.log"
    terminal = io.StringIO()
    setup_logging(verbosity=1, log_file=log_file, stream=terminal)
    log = get_logger("test", instance_id="i123", task_id="t9")
    log.info(
        "spawned",
        api_key="sk-ant-api03-abcdefghijklmnop",
        cmd="tmux new-session -e "
        "ANTHROPIC_API_KEY=sk-ant-api03-zzzzzzzzzzzz -e GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuv",
        url="postgresql://user:hunter2@db/x",
        header="Bearer abcdefghijklmnop",
    )
    logging.getLogger().handlers[1].flush()
    [line] = log_file.read_text().splitlines()
    record = json.loads(line)
    assert record["instance_id"] == "i123" and record["task_id"] == "t9"
    assert record["event"] == "spawned" and record["level"] == "info"
    everything = line + terminal.getvalue()
    for secret in ("abcdefghijklmnop", "zzzzzzzzzzzz", "ghp_abcdefghijklmnopqrstuv", "hunter2"):
        assert secret not in everything
    assert "ANTHROPIC_API_KEY=***" in record["cmd"]


def test_levels(tmp_path: Path) -> None:
    terminal = io.StringIO()
    setup_logging(verbosity=-1, log_file=None, stream=terminal)
    get_logger("t").warning("hidden-when-quiet")
    get_logger("t").error("shown")
    assert "hidden-when-quiet" not in terminal.getvalue() and "shown" in terminal.getvalue()


def test_rotation(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "cco.log"
    setup_logging(verbosity=0, log_file=log_file, max_bytes=2000, backups=2, stream=io.StringIO())
    for i in range(200):
        get_logger("t").info("line", i=i, pad="x" * 50)
    files = sorted(p.name for p in log_file.parent.iterdir())
    assert files == ["cco.log", "cco.log.1", "cco.log.2"]
    assert all(p.stat().st_size <= 2200 for p in log_file.parent.iterdir())


def test_redact_text() -> None:
    assert redact_text("CC_ORCH_WEB__TOKEN=abc123 x") == "CC_ORCH_WEB__TOKEN=*** x"
    assert redact_text("nothing to see") == "nothing to see"


def test_cli_writes_log_file_without_secrets(cco: Cco, data_dir: Path, repo: Path) -> None:
    cco(
        "-c",
        "database.url=sqlite:///" + str(data_dir / "state.db"),
        "-v",
        "worktrees",
        "create",
        "--repo",
        str(repo),
        "x",
        "--base",
        "main",
    )
    cco(
        "-c",
        "database.url=postgresql://u:supersecretvalue123@127.0.0.1:1/x",
        "-vv",
        "worktrees",
        "list",
        ok=False,
    )
    text = (data_dir / "logs" / "cco.log").read_text()
    assert "worktree.created" in text and "worktree_id" in text
    assert "supersecretvalue123" not in text
