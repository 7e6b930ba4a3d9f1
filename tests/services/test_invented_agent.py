"""Adding an agent needs no service change: an adapter speaking an invented dialect (its own
file, its own words) is spawned, followed, asked, watched, logged and stopped by the same
services, in a real tmux session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cc_orchestrator.adapters.agent_env import agent_env
from cc_orchestrator.adapters.watch import make_file_watch
from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.errors import Conflict
from cc_orchestrator.domain.instance_status import Change
from cc_orchestrator.domain.models import Instance, InstanceStatus
from cc_orchestrator.domain.observations import (
    AgentState,
    Denial,
    LogSource,
    Observation,
    Observed,
    ScreenLook,
)
from cc_orchestrator.domain.questions import Choice, Question
from cc_orchestrator.lines import read_lines
from cc_orchestrator.ports import Agent, InstanceFiles, Launch, LaunchSpec, ScreenWant
from cc_orchestrator.services.instance_monitor import InstanceMonitor
from cc_orchestrator.services.instances import InstanceService
from tests.conftest import wait_for

S = InstanceStatus
# The invented agent: says what it does in its own file, one word and some numbers a line.
SCRIPT = """
log="$CCO_INSTANCE_DIR/chatter.txt"
echo "BUSY" >> "$log"
echo "SPENT 5 2 0.01" >> "$log"
echo "MAY-I rm -rf build" >> "$log"
while [ ! -f "$CCO_INSTANCE_DIR/go" ]; do sleep 0.05; done
echo "SPENT 1 1 0.02" >> "$log"
echo "RESTING" >> "$log"
exec sleep 60
"""


class ChatterAgent:
    """An agent that writes BUSY / RESTING / SPENT in out usd / MAY-I command lines."""

    name = "chatter"

    def check(self) -> None:
        return None

    def check_prompt(self, prompt: str) -> None:
        return None

    def launch(self, spec: LaunchSpec) -> Launch:
        env = {**agent_env(spec, {}), "CCO_INSTANCE_DIR": str(spec.files.folder)}
        return Launch(argv=["/bin/sh", "-c", SCRIPT], env=env)

    def new_run(self, files: InstanceFiles, state: AgentState) -> dict[str, Any]:
        return dict(state)

    def can_resume(self, files: InstanceFiles) -> bool:
        return False

    def prompt_submitted(self, files: InstanceFiles) -> bool:
        return False

    def exit_command(self) -> str | None:
        return None

    def watched(self, inst: Instance, files: InstanceFiles, state: AgentState) -> dict[str, int]:
        return {str(files.folder / "chatter.txt"): int(state.get("read") or 0)}

    def observe(
        self,
        inst: Instance,
        files: InstanceFiles,
        state: AgentState,
        *,
        deep: bool,
        memo: dict[str, Any],
    ) -> Observed:
        lines, end = read_lines(files.folder / "chatter.txt", int(state.get("read") or 0))
        found = []
        for line in lines:
            word, _, rest = line.partition(" ")
            if word == "BUSY":
                found.append(Observation(change=Change(S.WORKING, "busy, it says")))
            elif word == "RESTING":
                found.append(Observation(change=Change(S.IDLE, "resting, it says")))
            elif word == "SPENT":
                tokens_in, tokens_out, usd = rest.split()
                found.append(
                    Observation(
                        turns=1,
                        input_tokens=int(tokens_in),
                        output_tokens=int(tokens_out),
                        cost_usd=float(usd),
                    )
                )
            elif word == "MAY-I":
                asked = Question(id="q1", tool="Shell", command=rest, reason="in the terminal")
                found.append(
                    Observation(change=Change(S.WAITING_INPUT, f"asks: {rest}"), question=asked)
                )
        return Observed(tuple(found), {**state, "read": end})

    def screen_wanted(self, status: InstanceStatus) -> ScreenWant | None:
        return None

    def read_screen(self, screen: str, quiet_for_s: float) -> ScreenLook:
        return ScreenLook()

    def observed_status(self, pid: int) -> Change | None:
        return None

    def unseen_question(self, instance_id: str, now: datetime) -> Question:
        return Question(id="unseen", tool="chatter")

    def reads_choices_on_screen(self) -> bool:
        return False

    def read_choices(
        self, screen: str, question: Question
    ) -> tuple[tuple[Choice, ...], str | None]:
        return (), "never"

    def answer_by_hook(
        self, files: InstanceFiles, question: Question, allow: bool, message: str | None
    ) -> None:
        raise Conflict("no")

    def choice_keys(self, choice: Choice) -> list[str]:
        return [choice.key]

    def log_source(self, inst: Instance, files: InstanceFiles) -> LogSource:
        return LogSource(files.folder / "chatter.txt", "events")

    def render_log_line(self, line: str) -> str | None:
        return f"chatter says {line.lower()}"

    def last_turn_refusals(self, files: InstanceFiles) -> list[Denial]:
        return []

    def refusal_advice(self) -> tuple[str, str]:
        return "Chatter", "tell it to"


@pytest.fixture
def app(tmux_socket: str) -> Iterator[App]:
    app = build_app(log_to_file=False)
    yield app
    app.close()


def test_an_invented_dialect_runs_through_the_services(app: App, repo: Path) -> None:
    chatter: Agent = ChatterAgent()
    lifecycle = InstanceService(
        store=app.store,
        mux=app.tmux,
        locks=app.locks,
        worktrees=app.worktrees,
        agents=lambda name: chatter if name == "chatter" else app.agent(name),
        config=app.config.settings.instances,
        tmux=app.config.settings.tmux,
        data_dir=app.data_dir,
    )
    monitor = InstanceMonitor(lifecycle, watch_factory=make_file_watch)
    try:
        inst = lifecycle.spawn(repo=repo, agent="chatter", prompt="hi")
        log = lifecycle.files(inst.id).folder / "chatter.txt"

        def status() -> Instance:
            monitor.sync()
            return lifecycle.get(inst.id)

        asking = wait_for(lambda: (i := status()).status == S.WAITING_INPUT and i, what="asks")
        assert asking.question is not None and asking.question.command == "rm -rf build"
        assert (asking.turns, asking.input_tokens, asking.output_tokens) == (1, 5, 2)
        assert asking.cost_usd == 0.01
        # between passes the daemon waits on the file the adapter named, and applies its lines
        assert monitor.wait_for_hooks(0) == set()
        (lifecycle.files(inst.id).folder / "go").touch()

        def daemon_wait() -> Instance | None:  # what the daemon does between its passes
            monitor.look_at_hooks(monitor.wait_for_hooks(0.2))
            current = lifecycle.get(inst.id)
            return current if current.status == S.IDLE else None

        idle = wait_for(daemon_wait, what="idle, told between passes")
        assert (idle.turns, idle.input_tokens, idle.output_tokens) == (2, 6, 3)
        assert idle.cost_usd == 0.03 and idle.question is None
        assert idle.agent_state == {"read": log.stat().st_size}
        # a look again counts nothing twice
        monitor.sync()
        assert replace(lifecycle.get(inst.id), updated_at=None) == replace(idle, updated_at=None)
        history = [
            (e.data.get("previous"), e.data["status"])
            for e in lifecycle.events()
            if e.kind == "instance.status" and e.entity_id == inst.id
        ]
        assert history == [
            ("starting", "working"),
            ("working", "waiting_input"),
            ("waiting_input", "idle"),
        ]
        lines, _, kind = lifecycle.structured_log(inst.id)
        assert kind == "events" and lines[0] == "chatter says busy"
        stopped = lifecycle.stop(inst.id)
        assert stopped.status == S.STOPPED and not app.tmux.has_session(inst.session_name)
    finally:
        monitor.close()
    assert os.path.exists(log)
