"""The fleet's MCP server over real HTTP (uvicorn on 127.0.0.1), called with the official SDK's
own Streamable HTTP client: the tools, who may call them (the person's token; an agent's own
credential while its instance runs, opening nothing else), and refusals as tool errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from cc_orchestrator import agent_tokens
from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.models import TaskStatus
from tests.conftest import make_repo, wait_for
from tests.web.conftest import LiveServer

AGENT_TOOLS = {
    "create_task",
    "list_tasks",
    "get_task",
    "send_message",
    "report_progress",
    "request_review",
    "wait_for_task",
}
PERSON_TOOLS = {"approve", "reject", "answer", "fleet_status"}


def session(url: str, token: str, body: Callable[[ClientSession], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        wait = timedelta(seconds=30)
        async with (
            httpx.AsyncClient(headers=headers, timeout=30) as http,
            streamable_http_client(f"{url}/mcp", http_client=http) as (read, write, _),
            ClientSession(read, write, read_timeout_seconds=wait) as s,
        ):
            await s.initialize()
            return await body(s)

    return asyncio.run(run())


def call(url: str, token: str, tool: str, args: dict[str, Any]) -> tuple[bool, Any]:
    """(is_error, the JSON answer or the error's text)."""

    async def body(s: ClientSession) -> tuple[bool, Any]:
        result = await s.call_tool(tool, args)
        text = "".join(getattr(c, "text", "") for c in result.content)
        if result.isError:
            return True, text
        return False, json.loads(text)

    result: tuple[bool, Any] = session(url, token, body)
    return result


def running_task(services: App, repo: Path, prompt: str = "sleep 20") -> tuple[str, str]:
    t = services.tasks.add(title="Coordinate", prompt=prompt, repo=repo)

    def step() -> str | None:
        services.tasks.tick()
        current = services.tasks.get(t.id)
        return current.instance_id if current.status == TaskStatus.RUNNING else None

    instance_id = wait_for(step, timeout=30, what="the task running")
    return t.id, instance_id


def test_tools_are_listed_and_the_person_creates_and_lists(live: LiveServer, repo: Path) -> None:
    async def listing(s: ClientSession) -> set[str]:
        tools = await s.list_tools()
        for tool in tools.tools:
            assert tool.description and tool.inputSchema["type"] == "object"
        return {t.name for t in tools.tools}

    assert session(live.url, live.token, listing) == AGENT_TOOLS | PERSON_TOOLS
    error, made = call(
        live.url, live.token, "create_task", {"title": "By hand", "prompt": "x", "repo": str(repo)}
    )
    assert not error and made["title"] == "By hand" and made["parent_id"] is None
    error, listed = call(live.url, live.token, "list_tasks", {})
    assert [t["id"] for t in listed["tasks"]] == [made["id"]]
    error, status = call(live.url, live.token, "fleet_status", {})
    assert not error and "tasks" in json.dumps(status)


def test_an_agent_credential_is_scoped_and_dies_with_its_instance(
    live: LiveServer, services: App, repo: Path, tmp_path: Path
) -> None:
    task_id, instance_id = running_task(services, repo)
    token = agent_tokens.mint(live.token, instance_id)
    error, sub = call(live.url, token, "create_task", {"title": "Sub", "prompt": "sleep 20"})
    assert not error and sub["parent_id"] == task_id and sub["depth"] == 1
    error, _ = call(live.url, token, "report_progress", {"text": "split in one"})
    assert not error and services.tasks.get(task_id).progress == "split in one"
    # another repository, a cycle: refused with the reason, nothing made
    before = len(services.tasks.all())
    other = make_repo(tmp_path / "other")
    error, text = call(
        live.url, token, "create_task", {"title": "X", "prompt": "x", "repo": str(other)}
    )
    assert error and "in its own repository" in text
    loop = {"title": "Loop", "prompt": "x", "depends_on": [task_id], "wait": True}
    error, text = call(live.url, token, "create_task", loop)
    assert error and "cannot wait for a task that waits for it" in text
    assert len(services.tasks.all()) == before
    # the person's decisions are refused as a tool error with the reason
    error, text = call(live.url, token, "approve", {"task_id": sub["id"]})
    assert error and "person's decision" in text
    error, text = call(live.url, token, "get_task", {"task_id": "nosuch"})
    assert error and "no task 'nosuch' in your repository" in text
    # the credential opens the MCP endpoint only: never the API
    assert (
        httpx.get(f"{live.url}/api/tasks", headers={"authorization": f"Bearer {token}"}).status_code
        == 401
    )
    # once the instance is stopped, it opens nothing
    services.tasks.cancel(task_id)
    refused = httpx.post(
        f"{live.url}/mcp",
        headers={
            "authorization": f"Bearer {token}",
            "accept": "application/json, text/event-stream",
        },
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    )
    assert refused.status_code == 403 and "no longer works" in refused.text
    assert token not in refused.text


@pytest.mark.parametrize(
    "headers, status",
    [
        ({}, 401),
        ({"authorization": "Bearer wrong"}, 401),
        ({"authorization": "Bearer cco-agent.abcdef.0000"}, 401),
        ({"origin": "http://evil.example"}, 403),
        ({"host": "evil.example"}, 421),
    ],
)
def test_refusals_before_any_tool(live: LiveServer, headers: dict[str, str], status: int) -> None:
    base = {"accept": "application/json, text/event-stream"}
    if "origin" in headers or "host" in headers:
        base["authorization"] = f"Bearer {live.token}"
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    answer = httpx.post(f"{live.url}/mcp", headers={**base, **headers}, json=body)
    assert answer.status_code == status, answer.text
    assert live.token not in answer.text


def test_a_cookie_does_not_open_the_mcp_endpoint(live: LiveServer) -> None:
    from cc_orchestrator.web.security import session_value

    answer = httpx.post(
        f"{live.url}/mcp",
        headers={
            "accept": "application/json, text/event-stream",
            "cookie": f"cco_token={session_value(live.token)}",
        },
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    )
    assert answer.status_code == 401
