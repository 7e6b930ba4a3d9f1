"""cco driving the REAL Claude Code CLI (pinned) against the scripted fake model server.

What every tests/e2e/test_real_claude_*.py file shares: the marks that skip without the CLI or
tmux, the environment that makes the pinned CLI cco's agent (isolated, offline), and small
looks at an instance. The fixtures built on them live in tests/e2e/conftest.py.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.models import Instance
from tests.support.claude_cli import find_real_claude, isolated_claude_env
from tests.support.fake_anthropic import FakeAnthropic

CLAUDE = find_real_claude()
REQUIRED = os.environ.get("CCO_REQUIRE_REAL_CLAUDE") == "1"

needs_real_claude = [
    pytest.mark.skipif(
        CLAUDE is None and not REQUIRED,
        reason="the pinned Claude Code CLI is not installed (pip install claude-agent-sdk)",
    ),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def real_claude_env(
    fake_model: FakeAnthropic,
    tmp_path: Path,
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    faces_first_run_dialogs: bool = True,
) -> None:
    """The real CLI against the fake model, isolated, as cco's agent (os.environ).

    faces_first_run_dialogs: leave onboarding done (offline it cannot run), but let the
    orchestrator face the "trust this folder" and "use this API key?" dialogs itself; else
    they are pre-accepted."""
    assert CLAUDE is not None, "CCO_REQUIRE_REAL_CLAUDE=1 but the pinned CLI is not installed"
    env = isolated_claude_env(tmp_path, fake_model.url, [repo])
    if faces_first_run_dialogs:
        config = Path(env["CLAUDE_CONFIG_DIR"]) / ".claude.json"
        data = json.loads(config.read_text())
        data["projects"] = {}
        data["customApiKeyResponses"] = {"approved": [], "rejected": []}
        config.write_text(json.dumps(data))
    for key, value in env.items():
        if key not in ("PATH", "HOME", "USER", "LOGNAME", "SHELL"):
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("CC_ORCH_INSTANCES__CLAUDE_PATH", CLAUDE)
    monkeypatch.setenv("CC_ORCH_INSTANCES__RESTART", "never")


def look(app: App, inst_id: str) -> Instance:
    """The instance as it is now (one sync first)."""
    app.instances.sync()
    return app.instances.get(inst_id)


def statuses(app: App, inst_id: str) -> list[str]:
    """Every status the instance's events recorded, oldest first."""
    with app.store.read() as tx:
        return [
            e.data["status"]
            for e in tx.events(entity_id=inst_id, limit=1000)
            if e.kind == "instance.status"
        ]
