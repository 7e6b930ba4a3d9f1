"""Agents' credentials on the fleet's MCP server (agent_tokens.py), and where an agent is told
to find the server (App.mcp_access)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cc_orchestrator import agent_tokens
from cc_orchestrator.bootstrap import build_app
from cc_orchestrator.logs import redact_text

WEB = "w" * 43


def test_a_credential_names_its_instance_and_nothing_else_passes() -> None:
    token = agent_tokens.mint(WEB, "abc123")
    assert token.startswith("cco-agent.abc123.") and agent_tokens.verify(WEB, token) == "abc123"
    assert agent_tokens.verify("x" * 43, token) is None  # another web token: revoked
    forged = token.replace("abc123", "abc124")
    assert agent_tokens.verify(WEB, forged) is None  # another instance's name, same MAC
    for bad in (
        None,
        "",
        WEB,
        token[:-1],
        token + "0",
        "cco-agent..",
        "cco-agent.ABC.x",
        "cco-agent.a/b." + "0" * 64,
        "cco-agent.\udcff." + "0" * 64,
        token * 5,
    ):
        assert agent_tokens.verify(WEB, bad) is None, bad
    with pytest.raises(ValueError):
        agent_tokens.mint(WEB, "../x")


@pytest.mark.parametrize(
    "host, url",
    [
        ("127.0.0.1", "http://127.0.0.1:9001/mcp"),
        ("0.0.0.0", "http://127.0.0.1:9001/mcp"),
        ("::", "http://[::1]:9001/mcp"),
        ("::1", "http://[::1]:9001/mcp"),
        ("myhost.lan", "http://myhost.lan:9001/mcp"),
    ],
)
def test_where_agents_find_the_server(
    host: str, url: str, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    app = build_app(log_to_file=False)
    try:
        app.web_address = (host, 9001)  # as `cco up --host H --port 9001` sets it
        access = app.mcp_access("abc123")
        assert access is not None and access.url == url
        assert agent_tokens.verify(app.web_token, access.token) == "abc123"
        assert access.token not in redact_text(f"token {access.token}")  # never in a log line
        app.web_address = None  # cco up --no-web
        assert app.mcp_access("abc123") is None
    finally:
        app.close()
    monkeypatch.setenv("CC_ORCH_MCP__ENABLED", "false")
    off = build_app(log_to_file=False)
    try:
        assert off.mcp_access("abc123") is None
    finally:
        off.close()
