"""`cco mcp`: the fleet's MCP server over stdio, started as a real subprocess by the official
SDK's stdio client, acting as the person (the data directory's, no token anywhere)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from cc_orchestrator.bootstrap import build_app


def run(calls: list[tuple[str, dict[str, Any]]]) -> list[tuple[bool, str]]:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "cc_orchestrator", "mcp"], env=dict(os.environ)
    )

    async def body() -> list[tuple[bool, str]]:
        out = []
        async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
            await s.initialize()
            names = {t.name for t in (await s.list_tools()).tools}
            assert {"create_task", "approve", "fleet_status"} <= names
            for tool, args in calls:
                result = await s.call_tool(tool, args)
                out.append(
                    (result.isError, "".join(getattr(c, "text", "") for c in result.content))
                )
        return out

    return asyncio.run(body())


def test_the_person_creates_lists_and_is_refused_clearly(repo: Path, fake_claude: Path) -> None:
    made, listed, bad, wrong = run(
        [
            (
                "create_task",
                {"title": "Mine", "prompt": "write a.txt 1", "repo": str(repo)},
            ),
            ("list_tasks", {}),
            ("create_task", {"title": "No repo", "prompt": "x"}),
            ("get_task", {"task_id": "nosuch"}),
        ]
    )
    assert not made[0]
    task = json.loads(made[1])
    assert task["title"] == "Mine" and task["status"] == "ready"
    assert [t["id"] for t in json.loads(listed[1])["tasks"]] == [task["id"]]
    assert bad[0] and "say which repository" in bad[1]
    assert wrong[0] and "no task 'nosuch'" in wrong[1]
    app = build_app(log_to_file=False)
    try:
        assert app.tasks.get(task["id"]).title == "Mine"  # the same database
        with app.store.read() as tx:
            assert [e.kind for e in tx.events(entity_id=task["id"])] == ["task.created"]
    finally:
        app.close()
