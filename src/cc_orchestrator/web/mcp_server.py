"""The fleet's MCP server (docs/mcp.md): the official SDK's FastMCP, its tools thin shapes over
services/coordination.py. Streamable HTTP at `/mcp` in the web app (stateless, JSON answers:
a daemon restart loses no session), stdio for `cco mcp`.

Who calls comes from the transport, never from a tool's arguments: over HTTP the Guard
(web/security.py) checked the bearer token and `McpEndpoint` below turned it into a Caller (an
agent's, refused once its instance stopped, or the person's); over stdio it is the person who
ran `cco mcp`. A CcoError becomes a tool error whose text is the message and its hint.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
from mcp.server.fastmcp import Context, FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import Receive, Scope, Send

from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.domain.models import Message, Task
from cc_orchestrator.logs import get_logger
from cc_orchestrator.services.coordination import Caller, Coordination
from cc_orchestrator.web.security import AGENT_KEY, CALLER_KEY

log = get_logger("cco.mcp")

INSTRUCTIONS = """\
cco runs a fleet of coding agents, one task each, in its own git worktree and branch.
With these tools you can split your work into subtasks (create_task; with wait=true your task
is held at the end of your turn until they are finished, and you are then told how each
ended), see the tasks of your repository (list_tasks, get_task), message another task's agent
(send_message: it reads it when its turn ends), show a progress line on the board
(report_progress), wait for tasks (wait_for_task), and say you are done (request_review).
Limits apply (how many subtasks, how deep); a refusal says why."""


def task_view(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "status": task.status.value,
        "status_reason": task.status_reason,
        "parent_id": task.parent_id,
        "depth": task.depth,
        "depends_on": list(task.depends_on),
        "branch": task.branch,
        "commits_ahead": task.commits_ahead,
        "files_changed": task.files_changed,
        "diff_stat": task.diff_stat,
        "progress": task.progress,
        "summary": task.summary,
        "waiting_for": list(task.waiting_for),
    }


def message_view(msg: Message) -> dict[str, Any]:
    return {
        "id": msg.id,
        "to": msg.to_task_id,
        "from": msg.from_task_id,
        "sender": msg.sender,
        "kind": msg.kind,
        "status": msg.status.value,
        "text": msg.text,
        "at": msg.created_at.isoformat() if msg.created_at else None,
    }


def build_mcp(services: App, *, default_caller: Caller | None = None) -> FastMCP:
    """The server; `default_caller` is who calls when the transport names nobody (stdio)."""
    mcp = FastMCP(
        name="cco",
        instructions=INSTRUCTIONS,
        stateless_http=True,
        json_response=True,
        streamable_http_path="/mcp",
        # the Guard checks Host and Origin for every path, this one included
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )

    def coord() -> Coordination:  # built on first use
        return services.coordination

    def caller_of(ctx: Context[Any, Any, Any]) -> Caller:
        request = ctx.request_context.request if ctx.request_context else None
        scope = getattr(request, "scope", None)
        found = (scope or {}).get("state", {}).get(CALLER_KEY) if scope else None
        if isinstance(found, Caller):
            return found
        if default_caller is not None and scope is None:
            return default_caller
        raise ToolError("this call carries no credential cco knows")

    async def call(ctx: Context[Any, Any, Any], tool: str, work: Callable[[Caller], Any]) -> Any:
        caller = caller_of(ctx)
        log.info("mcp.call", tool=tool, caller=caller.label)
        try:
            return await anyio.to_thread.run_sync(work, caller)
        except CcoError as exc:
            log.info("mcp.refused", tool=tool, caller=caller.label, error=exc.message)
            raise ToolError(str(exc)) from None

    @mcp.tool()
    async def create_task(
        ctx: Context[Any, Any, Any],
        title: str,
        prompt: str,
        depends_on: list[str] | None = None,
        wait: bool = False,
        priority: int = 0,
        labels: list[str] | None = None,
        repo: str | None = None,
    ) -> dict[str, Any]:
        """Create a task (from an agent: a subtask of yours, in your repository). depends_on:
        ids of tasks it starts after. wait: your own task is held at the end of your turn until
        this one is finished, and you are told how it ended. repo: the person's calls only
        (a path to a git repository)."""
        from pathlib import Path

        def work(caller: Caller) -> Any:
            made = coord().create_task(
                caller,
                title=title,
                prompt=prompt,
                depends_on=depends_on or (),
                wait=wait,
                priority=priority,
                labels=labels or (),
                repo=Path(repo) if repo else None,
            )
            return task_view(made)

        result: dict[str, Any] = await call(ctx, "create_task", work)
        return result

    @mcp.tool()
    async def list_tasks(
        ctx: Context[Any, Any, Any], status: str | None = None, limit: int = 50
    ) -> dict[str, Any]:
        """The newest tasks (an agent sees its repository's), with their status and branch.
        status: pending, ready, running, needs_input, review, done, failed, cancelled, blocked."""

        def work(caller: Caller) -> Any:
            found = coord().list_tasks(caller, status=status, limit=limit)
            return {"tasks": [task_view(t) for t in found]}

        result: dict[str, Any] = await call(ctx, "list_tasks", work)
        return result

    @mcp.tool()
    async def get_task(ctx: Context[Any, Any, Any], task_id: str) -> dict[str, Any]:
        """One task: status, branch, diff stat, its agent's summary and progress, its
        subtasks and its last messages."""

        def work(caller: Caller) -> Any:
            detail = coord().get_task(caller, task_id)
            return {
                **task_view(detail.task),
                "prompt": detail.task.prompt,
                "children": detail.children,
                "messages": [message_view(m) for m in detail.messages],
            }

        result: dict[str, Any] = await call(ctx, "get_task", work)
        return result

    @mcp.tool()
    async def send_message(ctx: Context[Any, Any, Any], task_id: str, text: str) -> dict[str, Any]:
        """Send text to another task's agent: queued, and typed into its conversation as a
        user turn when its current turn ends. Shown on both tasks."""

        def work(caller: Caller) -> Any:
            return message_view(coord().send_message(caller, task_id, text))

        result: dict[str, Any] = await call(ctx, "send_message", work)
        return result

    @mcp.tool()
    async def report_progress(ctx: Context[Any, Any, Any], text: str) -> dict[str, Any]:
        """A short line on how your task is going, shown on the board (one line, 200 chars)."""

        def work(caller: Caller) -> Any:
            task = coord().report_progress(caller, text)
            return {"id": task.id, "progress": task.progress}

        result: dict[str, Any] = await call(ctx, "report_progress", work)
        return result

    @mcp.tool()
    async def request_review(ctx: Context[Any, Any, Any], summary: str) -> dict[str, Any]:
        """Say you are done, with a summary of what you did: end your turn right after; your
        task then goes to review (no queued message or wait holds it)."""

        def work(caller: Caller) -> Any:
            task = coord().request_review(caller, summary)
            return {"id": task.id, "summary": task.summary, "next": "end your turn now"}

        result: dict[str, Any] = await call(ctx, "request_review", work)
        return result

    @mcp.tool()
    async def wait_for_task(
        ctx: Context[Any, Any, Any], task_ids: list[str], timeout_s: float = 600
    ) -> dict[str, Any]:
        """Block until every task named is in review or done (or failed, cancelled, blocked),
        or timeout_s passed (at most mcp.max_wait_s). Your agent holds no slot meanwhile."""

        def work(caller: Caller) -> Any:
            result = coord().wait_for_task(caller, task_ids, timeout_s)
            return {
                "timed_out": result.timed_out,
                "waited_s": result.waited_s,
                "tasks": [task_view(t) for t in result.tasks],
            }

        result: dict[str, Any] = await call(ctx, "wait_for_task", work)
        return result

    @mcp.tool()
    async def approve(ctx: Context[Any, Any, Any], task_id: str) -> dict[str, Any]:
        """The person's: approve a task in review (merge its branch as tasks.merge says)."""
        result: dict[str, Any] = await call(
            ctx, "approve", lambda c: task_view(coord().approve(c, task_id))
        )
        return result

    @mcp.tool()
    async def reject(ctx: Context[Any, Any, Any], task_id: str, feedback: str) -> dict[str, Any]:
        """The person's: send a task in review back to its agent with feedback."""
        result: dict[str, Any] = await call(
            ctx, "reject", lambda c: task_view(coord().reject(c, task_id, feedback))
        )
        return result

    @mcp.tool()
    async def answer(
        ctx: Context[Any, Any, Any], task_id: str, choice: str, message: str | None = None
    ) -> dict[str, Any]:
        """The person's: answer the question a task's agent asks (task or instance id):
        "allow", "deny" (message: what to tell the agent), or a choice its dialog offers."""

        def work(caller: Caller) -> Any:
            inst = coord().answer(caller, task_id, choice, message=message)
            return {"instance_id": inst.id, "status": inst.status.value}

        result: dict[str, Any] = await call(ctx, "answer", work)
        return result

    @mcp.tool()
    async def fleet_status(ctx: Context[Any, Any, Any]) -> dict[str, Any]:
        """The person's: counts of tasks and instances by status, what needs you, the cost."""
        result: dict[str, Any] = await call(
            ctx,
            "fleet_status",
            lambda c: json.loads(json.dumps(coord().fleet_status(c), default=str)),
        )
        return result

    return mcp


class McpEndpoint:
    """The ASGI app at /mcp: an agent token's instance checked (in a worker thread: it reads
    the database) and made the call's Caller, then the SDK's Streamable HTTP handler."""

    def __init__(self, services: App, manager: StreamableHTTPSessionManager) -> None:
        self.services = services
        self.manager = manager

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.setdefault("state", {})
        instance_id = scope.get(AGENT_KEY)
        if instance_id is not None:
            try:
                caller = await anyio.to_thread.run_sync(
                    self.services.coordination.agent, instance_id
                )
            except CcoError as exc:
                await _refuse(send, 403, str(exc))
                return
            state[CALLER_KEY] = caller
        elif not isinstance(state.get(CALLER_KEY), Caller):
            await _refuse(send, 401, "a valid token is required")
            return
        await self.manager.handle_request(scope, receive, send)


async def _refuse(send: Send, status: int, message: str) -> None:
    kind = "Forbidden" if status == 403 else "Unauthorized"
    body = json.dumps({"error": {"type": kind, "message": message, "hint": ""}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
