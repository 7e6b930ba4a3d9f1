"""`cco mcp`: the fleet's MCP server over stdio, as you (docs/mcp.md).

For MCP clients that start their servers as commands, your own Claude Code above all:
`claude mcp add cco -- cco mcp`. It reads the data directory like every cco command, so no
token is ever on a command line; stdout carries the protocol only (logs go to stderr and the
log file). The tools act at once on the database; the daemon (`cco up`) runs what they queue.
"""

from __future__ import annotations

import anyio
import click

from cc_orchestrator.cli.context import CliState, pass_state
from cc_orchestrator.services.coordination import Caller


@click.command(name="mcp")
@pass_state
def mcp(state: CliState) -> None:
    """The fleet's MCP server on stdin/stdout, as you: add it to your own Claude Code with

    \b
        claude mcp add cco -- cco mcp

    Its tools: create_task, list_tasks, get_task, send_message, wait_for_task, approve,
    reject, answer, fleet_status (and report_progress, request_review for agents). The
    agents cco starts reach the same tools at the daemon's /mcp with their own credentials.
    """
    from cc_orchestrator.web.mcp_server import build_mcp

    server = build_mcp(state.app(), default_caller=Caller.user())
    anyio.run(server.run_stdio_async)
