"""`cco instances answer` as a user runs it, with real tmux and the fake claude CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cco, wait_for


@pytest.fixture(autouse=True)
def _agent(fake_claude: Path) -> None:
    return None


def spawn(cco: Cco, repo: Path, prompt: str) -> str:
    out = cco("instances", "spawn", "--repo", str(repo), "--prompt", prompt, "--json").output
    inst_id: str = json.loads(out)["id"]
    return inst_id


def status(cco: Cco, inst_id: str) -> str:
    data = json.loads(cco("instances", "show", inst_id, "--json").output)
    return str(data["status"])


def test_show_the_question_then_refuse_what_cannot_be_typed(cco: Cco, repo: Path) -> None:
    inst = spawn(cco, repo, "ask touch ok.txt")
    wait_for(lambda: status(cco, inst) == "waiting_input", what="the question")
    shown = cco("instances", "answer", inst).output
    assert "asks:     Bash: touch ok.txt" in shown
    assert "could not read the dialog's choices" in shown
    assert "Bash: touch ok.txt" in cco("instances", "list").output
    assert "asks:     Bash: touch ok.txt" in cco("instances", "show", inst).output
    refused = cco("instances", "answer", inst, "--deny", ok=False)
    assert refused.exit_code == 1, refused.output
    assert "will not type into instance" in refused.output
    assert f"answer in the terminal: cco instances attach {inst}" in refused.output
    assert status(cco, inst) == "waiting_input"


def test_usage_errors(cco: Cco, repo: Path) -> None:
    inst = spawn(cco, repo, "hello")
    wait_for(lambda: status(cco, inst) == "idle", what="idle")
    both = cco("instances", "answer", inst, "--allow", "--choice", "1", ok=False)
    assert both.exit_code == 2 and "give one answer" in both.output
    lonely = cco("instances", "answer", inst, "--message", "why", ok=False)
    assert lonely.exit_code == 2 and "--message goes with --deny" in lonely.output
    assert "asks nothing" in cco("instances", "answer", inst).output
    idle = cco("instances", "answer", inst, "--allow", ok=False)
    assert idle.exit_code == 1 and "is not waiting for an answer (it is idle)" in idle.output
    missing = cco("instances", "answer", "nope", "--allow", ok=False)
    assert "no instance 'nope'" in missing.output
