"""An agent removed from the configuration while its instances live: everything that reads or
manages existing records goes on working; only new starts need the agent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import build_app
from tests.conftest import Cco, wait_for
from tests.web.conftest import api_client


@pytest.fixture(autouse=True)
def _tmux(tmux_socket: str) -> None:
    return None


def test_an_agent_removed_from_config_bricks_nothing(cco: Cco, repo: Path, tmp_path: Path) -> None:
    script = tmp_path / "rawcat.sh"
    script.write_text("#!/bin/sh\necho 'READY>'\nexec cat\n")
    script.chmod(0o755)
    cco("config", "set", "--user", "agents.rawcat.command", json.dumps([str(script)]))
    inst = json.loads(
        cco(
            "instances",
            "spawn",
            "--repo",
            str(repo),
            "--agent",
            "rawcat",
            "--json",
            "--prompt",
            "hi",
        ).output
    )
    task_id = json.loads(
        cco(
            "tasks", "add", "t", "--repo", str(repo), "--agent", "rawcat", "--json", "--prompt", "p"
        ).output
    )["id"]
    cco("config", "unset", "--user", "agents.rawcat")

    # reads: CLI and API
    assert "instances: 1 " in cco("status").output
    assert inst["id"] in cco("instances", "list").output
    assert task_id in cco("tasks", "list").output
    assert "rawcat" in cco("instances", "show", inst["id"]).output
    app = build_app(log_to_file=False)
    try:
        client = api_client(app)
        assert client.get("/api/status").status_code == 200
        listed = client.get("/api/instances")
        assert listed.status_code == 200 and [i["id"] for i in listed.json()] == [inst["id"]]
        app.monitor.reconcile()  # what `cco up` runs first
        # the scheduler's pass does not raise: the task that needs the agent fails, clearly
        app.tasks.tick()
        failed = app.tasks.get(task_id)
        assert failed.status.value == "failed"
        assert "unknown agent 'rawcat'" in (failed.status_reason or "")
    finally:
        app.close()
    # new starts refuse it with one clear line; managing the live one still works
    restart = cco("instances", "restart", inst["id"], ok=False)
    assert restart.exit_code != 0 and "unknown agent 'rawcat'" in restart.output
    spawn = cco("instances", "spawn", "--repo", str(repo), "--agent", "rawcat", ok=False)
    assert "unknown agent 'rawcat'" in spawn.output
    cco("instances", "stop", inst["id"])
    stopped = json.loads(cco("instances", "show", inst["id"], "--json").output)
    assert stopped["status"] == "stopped"
    wait_for(lambda: inst["id"] in cco("instances", "list").output, what="list after stop")
