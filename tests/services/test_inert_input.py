"""Steering text reaches the agent as text: no escape sequence, control key or lost ';'.

A generic agent in real tmux prints exactly what it reads (every byte, made visible by od), so
a keystroke smuggled through the text would show.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.config import AgentConfig, user_config_file
from cc_orchestrator.domain.errors import InvalidInput
from cc_orchestrator.domain.models import InstanceStatus
from cc_orchestrator.domain.text import inert_text
from tests.conftest import Cco, wait_for

S = InstanceStatus
# Asks a question, then shows what the answer line held, byte by byte, and asks again.
ASKER = """#!/bin/sh
stty -echo -icanon min 1 2>/dev/null
n=0
while :; do
  n=$((n+1))
  echo "Answer $n (y/n)? "
  line=$(head -c 1 | od -An -c)
  echo "got $n:$line"
  sleep 0.2
done
"""


@pytest.fixture
def app(fake_claude: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    app = build_app(log_to_file=False)
    yield app
    app.close()


def test_inert_text_rules() -> None:
    assert inert_text("a\r\nb\rc\td") == "a\nb\nc\td"
    for hostile, name in (
        ("hello\x1b[201~\x03\r", "ESC"),
        ("\x1b[Z", "ESC"),
        ("stop\x03", "Ctrl-C"),
        ("x\x9b201~", "CSI"),
        ("nul\x00", r"U\+0000"),
        ("bs\x08", r"U\+0008"),
    ):
        with pytest.raises(InvalidInput, match=name):
            inert_text(hostile)


def _screen_agent(app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    path = tmp_path / "asker.sh"
    path.write_text(script)
    path.chmod(0o755)
    agents = dict(app.config.settings.agents)
    agents["asker"] = AgentConfig(command=[str(path)], waiting_pattern=r"\(y/n\)\?\s*$")
    monkeypatch.setattr(app.config.settings, "agents", agents)
    # the same agent for `cco` commands run in this test
    user_file = user_config_file()
    user_file.parent.mkdir(parents=True, exist_ok=True)
    user_file.write_text(
        yaml.safe_dump({"agents": {"asker": agents["asker"].model_dump(exclude_defaults=True)}})
    )


def test_short_answers_typed_exactly(
    app: App, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "lines.sh"
    script.write_text(
        "#!/bin/sh\nwhile :; do echo 'Answer (y/n)? '; IFS= read -r a; echo \"got[$a]\"; done\n"
    )
    script.chmod(0o755)
    agents = dict(app.config.settings.agents)
    agents["lines"] = AgentConfig(command=[str(script)], waiting_pattern=r"\(y/n\)\?\s*$")
    monkeypatch.setattr(app.config.settings, "agents", agents)
    inst = app.instances.spawn(repo=repo, agent="lines")
    for answer in ("yes;", "-1", "a\\;", ";;"):
        wait_for(
            lambda: (app.instances.sync(), app.instances.get(inst.id))[1].status == S.WAITING_INPUT,
            what="the question",
        )
        app.instances.send(inst.id, answer)
        wait_for(
            lambda a=answer: f"got[{a}]" in app.tmux.capture(inst.session_name),  # type: ignore[misc]
            what=f"the agent to read {answer!r}",
        )


def test_hostile_text_refused_and_nothing_typed(
    app: App, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cco: Cco
) -> None:
    _screen_agent(app, tmp_path, monkeypatch, ASKER)
    inst = app.instances.spawn(repo=repo, agent="asker")
    wait_for(
        lambda: (app.instances.sync(), app.instances.get(inst.id))[1].status == S.WAITING_INPUT,
        what="the question",
    )
    for hostile in ("\x1b[Z", "\x03", "hello\x1b[201~\x03\r", "y\x1b[A"):
        with pytest.raises(InvalidInput, match="control character"):
            app.instances.send(inst.id, hostile)
    # the CLI (and the API, which calls the same service) says so in one line
    refused = cco("instances", "send", inst.id, "-", input="n\x1b[Z\n", ok=False)
    assert refused.exit_code == 2, refused.output
    assert "control character (ESC, which starts an escape sequence) at position 1" in (
        refused.output
    )
    # a plain answer is the first byte the agent reads: nothing was typed before it
    app.instances.send(inst.id, "y")
    wait_for(lambda: "got 1:   y" in app.tmux.capture(inst.session_name), what="the answer")
    # and no byte of the refused texts is left waiting in the terminal either
    wait_for(lambda: "Answer 2" in app.tmux.capture(inst.session_name), what="question 2")
    wait_for(
        lambda: (app.instances.sync(), app.instances.get(inst.id))[1].status == S.WAITING_INPUT,
        what="the second question",
    )
    app.instances.send(inst.id, "n")
    wait_for(lambda: "got 2:   n" in app.tmux.capture(inst.session_name), what="answer 2")


def test_typed_spawn_prompt_refused_before_anything_exists(
    app: App, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _screen_agent(app, tmp_path, monkeypatch, ASKER)  # no {prompt}: the prompt is typed
    with pytest.raises(InvalidInput, match="control character"):
        app.instances.spawn(repo=repo, agent="asker", prompt="go\x1b[201~\x03")
    with app.store.read() as tx:
        assert tx.instances() == []
    assert app.worktrees.views() == []
    assert app.tmux.sessions() == []
