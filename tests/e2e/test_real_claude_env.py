"""The real Claude Code CLI gets the user's environment, not cco's (its venv, its settings).

cco is run the README's way, with its virtualenv's bin first on PATH and VIRTUAL_ENV set; the
agent's Bash tool must still find the user's python3.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.models import InstanceStatus
from tests.conftest import wait_for
from tests.support.claude_cli import find_real_claude, isolated_claude_env
from tests.support.fake_anthropic import FakeAnthropic, last_tool_results

S = InstanceStatus
CLAUDE = find_real_claude()
_REQUIRED = os.environ.get("CCO_REQUIRE_REAL_CLAUDE") == "1"
VENV = Path(sys.prefix)

pytestmark = [
    pytest.mark.skipif(
        CLAUDE is None and not _REQUIRED,
        reason="the pinned Claude Code CLI is not installed (pip install claude-agent-sdk)",
    ),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="the tests do not run in a venv"),
]


@pytest.fixture
def fake_model() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def app(
    fake_model: FakeAnthropic,
    tmp_path: Path,
    repo: Path,
    tmux_socket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[App]:
    assert CLAUDE is not None, "CCO_REQUIRE_REAL_CLAUDE=1 but the pinned CLI is not installed"
    env = isolated_claude_env(tmp_path, fake_model.url, [repo])
    for key, value in env.items():
        if key not in ("PATH", "HOME", "USER", "LOGNAME", "SHELL"):
            monkeypatch.setenv(key, value)
    # cco run from its venv: the venv's bin first on PATH, VIRTUAL_ENV set.
    user_path = os.pathsep.join(
        p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != VENV / "bin"
    )
    monkeypatch.setenv("PATH", f"{VENV / 'bin'}{os.pathsep}{user_path}")
    monkeypatch.setenv("VIRTUAL_ENV", str(VENV))
    monkeypatch.setenv("IS_SANDBOX", "1")  # bypassPermissions as root
    monkeypatch.setenv("CC_ORCH_INSTANCES__CLAUDE_PATH", CLAUDE)
    monkeypatch.setenv("CC_ORCH_INSTANCES__RESTART", "never")
    monkeypatch.setenv("CC_ORCH_INSTANCES__PERMISSION_MODE", "bypassPermissions")
    app = build_app(log_to_file=False)
    yield app
    app.close()


def test_agent_python3_is_the_users_not_ccos_venv(
    app: App, fake_model: FakeAnthropic, repo: Path
) -> None:
    user_python = shutil.which("python3", path=os.environ["PATH"].split(os.pathsep, 1)[1])
    assert user_python is not None, "the machine has no python3 outside the venv"
    fake_model.script_bash(
        "command -v python3; python3 -c 'import sys; print(sys.prefix)';"
        ' echo "VIRTUAL_ENV=${VIRTUAL_ENV-unset} CC_ORCH=$(env | grep -c ^CC_ORCH_)"'
    )
    inst = app.instances.spawn(repo=repo, prompt="which python?", mode="headless")
    done = wait_for(
        lambda: (
            i
            if (app.instances.sync(), i := app.instances.get(inst.id))[1].status
            in (S.IDLE, S.FAILED)
            else None
        ),
        timeout=90,
        what="the headless turn",
    )
    assert done.status == S.IDLE, done.status_reason
    results = [r for body in fake_model.main_requests() for r in last_tool_results(body)]
    assert results, "the Bash tool never ran"
    output = json.dumps(results[-1].get("content"))
    assert str(VENV) not in output, output
    assert user_python in output or str(Path(user_python).resolve()) in output, output
    assert "VIRTUAL_ENV=unset CC_ORCH=0" in output, output
