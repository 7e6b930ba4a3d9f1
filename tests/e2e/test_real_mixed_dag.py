"""Claude Code and Codex tasks in one DAG, through the real daemon (`cco up` in its own process):
a Codex task depends on a Claude Code task; both real CLIs run against their fake model servers
and both tasks reach review, the Codex one stacked on the Claude one's branch."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from tests.conftest import Cco, git, wait_for
from tests.support.claude_cli import find_real_claude, isolated_claude_env
from tests.support.codex_cli import cco_codex_env, codex_required, find_real_codex
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.fake_openai import FakeOpenAI

CLAUDE = find_real_claude()
CODEX = find_real_codex()
pytestmark = [
    pytest.mark.skipif(
        CLAUDE is None and os.environ.get("CCO_REQUIRE_REAL_CLAUDE") != "1",
        reason="the pinned Claude Code CLI is not installed (pip install claude-agent-sdk)",
    ),
    pytest.mark.skipif(
        CODEX is None and not codex_required(),
        reason="the pinned Codex CLI is not installed (bash scripts/install-codex)",
    ),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


@pytest.fixture
def app(
    tmp_path: Path, repo: Path, tmux_socket: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[App, FakeAnthropic, FakeOpenAI]]:
    assert CLAUDE is not None and CODEX is not None, "a required real CLI is missing"
    with FakeAnthropic() as claude_model, FakeOpenAI() as codex_model:
        env = isolated_claude_env(tmp_path, claude_model.url, [repo])
        for key, value in env.items():
            if key not in ("PATH", "HOME", "USER", "LOGNAME", "SHELL"):
                monkeypatch.setenv(key, value)
        monkeypatch.setenv("CC_ORCH_INSTANCES__CLAUDE_PATH", CLAUDE)
        for key, value in cco_codex_env(CODEX, codex_model.url).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("CC_ORCH_INSTANCES__RESTART", "never")
        app = build_app(log_to_file=False)
        yield app, claude_model, codex_model
        app.close()
        assert codex_model.spec_errors == []


def test_a_codex_task_after_a_claude_task_through_the_daemon(
    app: tuple[App, FakeAnthropic, FakeOpenAI], cco: Cco, repo: Path
) -> None:
    services, claude_model, codex_model = app
    claude_model.script_write_file("from_claude.txt", "written by claude\n")
    codex_model.script_patch("from_codex.txt", "written by codex\n", final="codex done")

    def add(name: str, *extra: str) -> str:
        args = ["tasks", "add", name, "--repo", str(repo), "--prompt", f"do {name}", "--json"]
        return str(json.loads(cco(*args, *extra).output)["id"])

    first = add("first", "--agent", "claude")
    second = add("second", "--agent", "codex", "--depends-on", first)
    daemon = subprocess.Popen(
        [sys.executable, "-m", "cc_orchestrator", "up", "--no-web"],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        def both_in_review() -> bool:
            listed = {t["id"]: t for t in json.loads(cco("tasks", "list", "--json").output)}
            bad = [t for t in listed.values() if t["status"] in ("failed", "blocked", "cancelled")]
            assert not bad, bad
            return all(listed[i]["status"] == "review" for i in (first, second))

        wait_for(both_in_review, timeout=240, interval=0.5, what="both tasks in review")
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGINT)
        out, _ = daemon.communicate(timeout=60)
    assert "cc-orchestrator stopped" in out, out[-2000:]
    tasks = {t.id: t for t in services.tasks.all()}
    agents = {services.instances.get(tasks[i].instance_id or "").agent for i in (first, second)}
    assert agents == {"claude", "codex"}
    files = git(repo, "ls-tree", "--name-only", tasks[second].branch or "").split()
    assert "from_claude.txt" in files and "from_codex.txt" in files  # stacked on the first
    git(repo, "merge-base", "--is-ancestor", tasks[first].branch or "", tasks[second].branch or "")
    with services.store.read() as tx:
        order = [
            (e.entity_id, e.data["status"])
            for e in tx.events(limit=10_000)
            if e.kind == "task.status"
        ]
    assert order.index((first, "review")) < order.index((second, "running"))
