"""The fleet's MCP server with the REAL Claude Code CLI (pinned, scripted fake model) under the
real daemon (`cco up`, its web port free): every agent cco starts has the server, as itself.

1. A coordinator task's agent calls mcp__cco__create_task three times (one subtask after
   another), then mcp__cco__wait_for_task, and ends its turn only after the three reached
   review; they ran within instances.max_running (the waiting coordinator held no slot), and
   the API's DAG has the edges.
2. Past the fan-out limit the agent gets a tool error with the reason, and nothing is made.
3. send_message from one real agent arrives as a user turn in the other's conversation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cc_orchestrator.bootstrap import build_app
from tests.conftest import wait_for
from tests.support.fake_anthropic import FakeAnthropic, TextStep, ToolUseStep
from tests.support.real_claude import CLAUDE, needs_real_claude
from tests.web.browser import Server, _free_port, running_server

pytestmark = needs_real_claude
JSON = dict[str, Any]


@pytest.fixture
def agent_env() -> dict[str, str]:
    return {
        "CC_ORCH_INSTANCES__MONITOR_INTERVAL_S": "0.2",
        "CC_ORCH_INSTANCES__MAX_RUNNING": "2",
        "CC_ORCH_MCP__MAX_SUBTASKS": "3",
    }


@pytest.fixture
def server(real_claude: FakeAnthropic, request: pytest.FixtureRequest) -> Iterator[Server]:
    # `cco up --port N` (not web.port): the agents find /mcp where it really listens
    with running_server(request.node.name, port=_free_port()) as running:
        yield running


def tool_results(body: JSON) -> list[tuple[bool, str]]:
    """Every tool result of the conversation so far: (is_error, its text)."""
    out = []
    for message in body.get("messages", []):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                inner = block.get("content")
                text = (
                    "".join(c.get("text", "") for c in inner if isinstance(c, dict))
                    if isinstance(inner, list)
                    else str(inner or "")
                )
                out.append((bool(block.get("is_error")), text))
    return out


def made_ids(body: JSON) -> list[str]:
    ids = []
    for error, text in tool_results(body):
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if not error and isinstance(value, dict) and value.get("parent_id"):
            ids.append(value["id"])
    return ids


def chain(*steps: tuple[str, Any]) -> ToolUseStep:
    """Tool calls one after the other in one turn, then the text "done"."""
    then: ToolUseStep | TextStep = TextStep("done")
    for name, make in reversed(steps):
        then = ToolUseStep(name=name, make_input=make, then=then)
    assert isinstance(then, ToolUseStep)
    return then


def subtask(title: str, *, after_first: bool = False) -> Any:
    def make(body: JSON, _cwd: str | None) -> JSON:
        spec: JSON = {"title": title, "prompt": f"Write {title}.txt", "wait": True}
        if after_first:
            spec["depends_on"] = made_ids(body)[:1]
        return spec

    return make


def running_spans(server: Server, task_ids: list[str]) -> list[tuple[float, float]]:
    spans = []
    for task_id in task_ids:
        events = server.api("GET", f"/api/events?entity_id={task_id}&limit=1000")
        at = {
            e["data"]["status"]: datetime.fromisoformat(e["ts"]).timestamp()
            for e in events
            if e["kind"] == "task.status"
        }
        spans.append((at["running"], at["review"]))  # (its last of each)
    return spans


def test_a_coordinator_fans_out_waits_and_finishes_after_its_subtasks(
    server: Server, real_claude: FakeAnthropic, repo: Path
) -> None:
    real_claude.script(
        chain(
            ("mcp__cco__create_task", subtask("alpha")),
            ("mcp__cco__create_task", subtask("beta")),
            ("mcp__cco__create_task", subtask("gamma", after_first=True)),
            ("mcp__cco__create_task", subtask("delta")),  # one past mcp.max_subtasks
            (
                "mcp__cco__wait_for_task",
                lambda body, _cwd: {"task_ids": made_ids(body), "timeout_s": 300},
            ),
        )
    )
    for name in ("alpha", "beta", "gamma"):
        real_claude.script_write_file(f"{name}.txt", f"{name}\n")
    body = {"title": "Coordinate", "prompt": "split it", "repo": str(repo), "base": "main"}
    boss = server.api("POST", "/api/tasks", body)["id"]

    wait_for(lambda: server.task(boss)["status"] == "review", timeout=300, what="the boss")
    subs = [t for t in server.api("GET", "/api/tasks") if t.get("parent_id") == boss]
    ids = {t["title"]: t["id"] for t in subs}
    assert sorted(ids) == ["alpha", "beta", "gamma"]  # delta was refused
    assert all(t["status"] == "review" for t in subs), [(t["title"], t["status"]) for t in subs]
    # the DAG: gamma after alpha, the coordinator after all three
    assert server.task(ids["gamma"])["depends_on"] == [ids["alpha"]]
    assert sorted(server.task(boss)["depends_on"]) == sorted(ids.values())
    # what the agent was told: the refusal with its reason, then the wait's end
    told = [r for b in real_claude.main_requests() for r in tool_results(b)]
    refusals = [text for error, text in told if error]
    assert any("mcp.max_subtasks (3)" in t for t in refusals), refusals
    waited = [json.loads(t) for e, t in told if not e and '"timed_out"' in t]
    assert waited and waited[-1]["timed_out"] is False
    assert {t["status"] for t in waited[-1]["tasks"]} == {"review"}
    # the coordinator reached review only after its subtasks; no more than two at a time
    spans = running_spans(server, list(ids.values()))
    boss_review = running_spans(server, [boss])[0][1]
    assert all(end <= boss_review for _, end in spans)
    assert max(sum(s <= t < e for s, e in spans) for t, _ in spans) <= 2
    # gamma started only after alpha was in review
    alpha, gamma = running_spans(server, [ids["alpha"], ids["gamma"]])
    assert gamma[0] >= alpha[1]


def test_send_message_reaches_the_other_agent_as_a_user_turn(
    server: Server, real_claude: FakeAnthropic, repo: Path
) -> None:
    note = "Heads up from the sender: the API moved to v2."
    real_claude.script(TextStep("working on it", delay_s=12))  # the receiver's long turn
    receiver = server.api(
        "POST", "/api/tasks", {"title": "Receiver", "prompt": "work", "repo": str(repo)}
    )["id"]
    wait_for(lambda: server.task(receiver)["status"] == "running", timeout=60, what="receiver")
    wait_for(lambda: real_claude.pending_steps == 0, timeout=60, what="its turn to start")

    def other(body: JSON, _cwd: str | None) -> JSON:
        for error, text in tool_results(body):
            if not error and '"tasks"' in text:
                found = [t["id"] for t in json.loads(text)["tasks"] if t["title"] == "Receiver"]
                return {"task_id": found[0], "text": note}
        raise AssertionError("list_tasks was not answered")

    real_claude.script(
        chain(("mcp__cco__list_tasks", lambda b, c: {}), ("mcp__cco__send_message", other))
    )
    sender = server.api(
        "POST", "/api/tasks", {"title": "Sender", "prompt": "tell them", "repo": str(repo)}
    )["id"]
    wait_for(lambda: server.task(sender)["status"] == "review", timeout=120, what="sender")
    wait_for(lambda: server.task(receiver)["status"] == "review", timeout=120, what="receiver")
    # the receiver's conversation got it as a user turn, saying who sent it
    said = json.dumps(f"[cco] Message from the agent of task {sender}:\n{note}")[1:-1]
    turns = [
        m
        for b in real_claude.main_requests()
        for m in b.get("messages", [])
        if m.get("role") == "user" and said in json.dumps(m)
    ]
    assert turns, "the message never reached the receiver's conversation"
    app = build_app(log_to_file=False)
    try:
        inst = app.instances.get(server.task(receiver)["instance_id"])
        lines = Path(inst.transcript or "").read_text().splitlines()
        transcript = [json.loads(line) for line in lines if line.strip()]
    finally:
        app.close()
    users = [r for r in transcript if r.get("type") == "user" and note in json.dumps(r)]
    assert users, "not in the receiver's transcript"
    # shown on both tasks
    kinds = [e["kind"] for e in server.api("GET", f"/api/events?entity_id={sender}&limit=500")]
    assert "task.message_sent" in kinds
    kinds = [e["kind"] for e in server.api("GET", f"/api/events?entity_id={receiver}&limit=500")]
    assert "task.message" in kinds and "task.messages_delivered" in kinds


def person_claude(tmp_path: Path, prompt: str) -> JSON:
    """The person's own Claude Code (the real CLI, headless) with `cco mcp` as its server, as
    `claude mcp add cco -- cco mcp` configures it; its final result."""
    config = tmp_path / "person-mcp.json"
    server = {"command": sys.executable, "args": ["-m", "cc_orchestrator", "mcp"]}
    config.write_text(json.dumps({"mcpServers": {"cco": server}}))
    done = subprocess.run(
        [CLAUDE or "claude", "-p", prompt, "--output-format", "json", "--mcp-config", str(config),
         "--allowedTools", "mcp__cco"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=dict(os.environ),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    result: JSON = json.loads(done.stdout)
    return result


def test_the_persons_claude_code_adds_and_approves_a_task(
    server: Server, real_claude: FakeAnthropic, repo: Path, tmp_path: Path
) -> None:
    spec = {"title": "From my session", "prompt": "Write hello.txt", "repo": str(repo)}
    real_claude.script(chain(("mcp__cco__create_task", lambda b, c: spec)))
    real_claude.script_write_file("hello.txt", "hello\n")  # the agent cco starts for it
    person_claude(tmp_path, "add a task for hello.txt")
    made = [t for t in server.api("GET", "/api/tasks") if t["title"] == "From my session"]
    assert len(made) == 1 and made[0]["parent_id"] is None
    task_id = made[0]["id"]
    wait_for(lambda: server.task(task_id)["status"] == "review", timeout=120, what="review")

    real_claude.script(chain(("mcp__cco__approve", lambda b, c: {"task_id": task_id})))
    person_claude(tmp_path, "approve it")
    assert server.task(task_id)["status"] == "done"
    assert (repo / "hello.txt").read_text() == "hello\n"  # merged into the checkout
    told = [r for b in real_claude.main_requests() for r in tool_results(b)]
    approved = [json.loads(t) for e, t in told if not e and '"done"' in t]
    assert approved and approved[-1]["id"] == task_id
