"""Answering permission questions with the fake `claude` and a generic agent: nothing is ever
typed into a dialog cco has not read, and every refusal says what to do."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.errors import Conflict, InvalidInput
from cc_orchestrator.domain.models import Instance, InstanceStatus
from cc_orchestrator.domain.questions import Answer
from tests.conftest import wait_for

S = InstanceStatus


@pytest.fixture
def app(fake_claude: Path) -> Iterator[App]:
    app = build_app(log_to_file=False)
    yield app
    app.close()


def look(app: App, inst_id: str) -> Instance:
    app.instances.sync()
    return app.instances.get(inst_id)


def waiting(app: App, inst_id: str) -> Instance:
    return wait_for(
        lambda: i if (i := look(app, inst_id)).status == S.WAITING_INPUT and i.question else None,
        what="the question",
    )


def answered_events(app: App, inst_id: str) -> list[dict[str, object]]:
    with app.store.read() as tx:
        events = tx.events(entity_id=inst_id, limit=1000)
    return [e.data for e in events if e.kind == "instance.answered"]


def test_an_instance_that_asks_nothing_is_a_conflict(app: App, repo: Path) -> None:
    inst = app.instances.spawn(repo=repo, prompt="hello")
    wait_for(lambda: look(app, inst.id).status == S.IDLE, what="idle")
    with pytest.raises(
        Conflict, match=re.escape("is not waiting for an answer (it is idle)")
    ) as err:
        app.instances.answer(inst.id, Answer("allow"))
    assert "nothing was typed" in (err.value.hint or "")
    assert answered_events(app, inst.id) == []


def test_a_dialog_cco_cannot_read_whole_gets_no_key(app: App, repo: Path) -> None:
    """The fake's dialog has no `Esc to cancel` footer: it is not read with certainty, so no
    choice is offered and nothing is typed; the question still says what is asked."""
    inst = app.instances.spawn(repo=repo, prompt="ask touch approved.txt")
    q = waiting(app, inst.id).question
    assert q is not None
    assert (q.tool, q.command, q.channel, q.choices) == ("Bash", "touch approved.txt", "keys", ())
    assert "could not read the dialog's choices" in (q.reason or "")
    assert look(app, inst.id).status_reason == "asks permission for Bash: touch approved.txt"
    with pytest.raises(Conflict, match=r"will not type into instance .*: cco could not read"):
        app.instances.answer(inst.id, Answer("deny"))
    with pytest.raises(Conflict, match="will not type"):
        app.instances.answer(inst.id, Answer("choice", choice="2"))
    after = look(app, inst.id)
    assert after.status == S.WAITING_INPUT and after.question == q
    wt = app.worktrees.get(inst.worktree_id or "")
    assert not (wt.path / "approved.txt").exists()
    assert answered_events(app, inst.id) == []


def test_bad_answers_are_refused_before_anything(app: App, repo: Path) -> None:
    inst = app.instances.spawn(repo=repo, prompt="ask touch approved.txt")
    q = waiting(app, inst.id).question
    assert q is not None
    with pytest.raises(InvalidInput, match="a message goes with a denial only"):
        app.instances.answer(inst.id, Answer("allow", message="why"))
    with pytest.raises(InvalidInput, match="name the choice"):
        app.instances.answer(inst.id, Answer("choice"))
    with pytest.raises(
        Conflict, match=re.escape("asks another question now (Bash: touch approved.txt)")
    ):
        app.instances.answer(inst.id, Answer("deny", question_id="12.5"))


def test_through_the_hook_allow_runs_it(
    fake_claude: Path, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The waiting hook takes cco's decision (the fake honours PermissionRequest decisions)."""
    monkeypatch.setenv("CC_ORCH_INSTANCES__ANSWER_WAIT_S", "30")
    app = build_app(log_to_file=False)
    try:
        inst = app.instances.spawn(repo=repo, prompt="ask touch approved.txt")
        q = waiting(app, inst.id).question
        assert q is not None and q.channel == "hook"
        done = app.instances.answer(inst.id, Answer("allow", question_id=q.id, by="api"))
        assert done.question is not None and done.question.answered == "Allow once (hook)"
        # refused: already answered, or (the fake goes on quickly) no longer waiting
        again = r"already answered: Allow once \(hook\)|is not waiting for an answer"
        with pytest.raises(Conflict, match=again):
            app.instances.answer(inst.id, Answer("deny"))
        wait_for(lambda: look(app, inst.id).status == S.IDLE, what="the allowed turn to end")
        wt = app.worktrees.get(inst.worktree_id or "")
        assert (wt.path / "approved.txt").exists()
        assert look(app, inst.id).question is None
        [event] = answered_events(app, inst.id)
        assert (event["via"], event["choice"], event["by"], event["question_id"]) == (
            "hook",
            "allow",
            "api",
            q.id,
        )
        answers = app.instances.files(inst.id).folder / "answers"
        assert [p.name for p in answers.iterdir()] == [f"{q.id}.json"]
    finally:
        app.close()


def test_a_generic_agent_offers_no_choice(
    app: App, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cc_orchestrator.config import AgentConfig

    script = tmp_path / "asker.sh"
    script.write_text("#!/bin/sh\necho 'Apply the change? (Y)es/(N)o'\nread answer\nsleep 30\n")
    script.chmod(0o755)
    agents = dict(app.config.settings.agents)
    agents["asker"] = AgentConfig(command=[str(script)], waiting_pattern=r"\(Y\)es/\(N\)o")
    monkeypatch.setattr(app.config.settings, "agents", agents)
    inst = app.instances.spawn(repo=repo, agent="asker", prompt="go")
    q = waiting(app, inst.id).question
    assert q is not None and q.channel == "none" and q.choices == ()
    assert "no structured channel" in (q.reason or "")
    assert f"cco instances attach {inst.id}" in (q.reason or "")
    with pytest.raises(Conflict, match="cco cannot answer instance") as err:
        app.instances.answer(inst.id, Answer("allow"))
    assert err.value.hint == f"answer in the terminal: cco instances attach {inst.id}"
