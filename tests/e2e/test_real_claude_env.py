"""The real Claude Code CLI gets the user's environment, not cco's (its venv, its settings).

cco is run the README's way, with its virtualenv's bin first on PATH and VIRTUAL_ENV set; the
agent's Bash tool must still find the user's python3.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.models import InstanceStatus
from tests.conftest import wait_for
from tests.support.fake_anthropic import FakeAnthropic, last_tool_results
from tests.support.real_claude import needs_real_claude

S = InstanceStatus
VENV = Path(sys.prefix)

pytestmark = [
    *needs_real_claude,
    pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="the tests do not run in a venv"),
]


@pytest.fixture
def faces_first_run_dialogs() -> bool:
    return False


@pytest.fixture
def agent_env() -> dict[str, str]:
    # cco run from its venv: the venv's bin first on PATH, VIRTUAL_ENV set.
    user_path = os.pathsep.join(
        p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != VENV / "bin"
    )
    return {
        "PATH": f"{VENV / 'bin'}{os.pathsep}{user_path}",
        "VIRTUAL_ENV": str(VENV),
        "IS_SANDBOX": "1",  # bypassPermissions as root
        "CC_ORCH_INSTANCES__PERMISSION_MODE": "bypassPermissions",
    }


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
