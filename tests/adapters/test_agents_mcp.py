"""How each agent adapter hands an agent the fleet's MCP server (ports.McpAccess): Claude
Code a 0600 --mcp-config file and its tools allowed; Codex its CODEX_HOME config naming the
variable its token is in. The token is never on the command line."""

from __future__ import annotations

import json
import stat
import tomllib
from pathlib import Path

from cc_orchestrator.adapters.claude import launch as claude_launch
from cc_orchestrator.adapters.codex.agent import CodexAgent
from cc_orchestrator.adapters.codex.launch import codex_home
from cc_orchestrator.config import InstancesConfig
from cc_orchestrator.ports import InstanceFiles, LaunchSpec, McpAccess

TOKEN = "cco-agent.abc123.deadbeef" + "0" * 56


def spec(tmp_path: Path, mcp: McpAccess | None) -> LaunchSpec:
    return LaunchSpec(
        instance_id="abc123",
        cwd=tmp_path,
        repo_root=tmp_path,
        files=InstanceFiles(tmp_path / "inst"),
        mode="interactive",
        prompt="hi",
        session_id="00000000-0000-0000-0000-000000000001",
        resume=False,
        permission_mode="acceptEdits",
        model=None,
        env={},
        mcp=mcp,
    )


def test_claude_code_gets_a_private_mcp_config_and_the_tools_allowed(tmp_path: Path) -> None:
    fake = tmp_path / "claude"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    config = InstancesConfig(claude_path=str(fake))
    access = McpAccess(url="http://127.0.0.1:8080/mcp", token=TOKEN)
    launched = claude_launch.launch(config, spec(tmp_path, access))
    argv = launched.argv
    assert TOKEN not in " ".join(argv) and TOKEN not in json.dumps(launched.env)
    path = Path(argv[argv.index("--mcp-config") + 1])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    server = json.loads(path.read_text())["mcpServers"]["cco"]
    assert server == {
        "type": "http",
        "url": "http://127.0.0.1:8080/mcp",
        "headers": {"Authorization": f"Bearer {TOKEN}"},
    }
    settings = json.loads(argv[argv.index("--settings") + 1])
    assert settings["permissions"] == {"allow": ["mcp__cco"]}
    # mcp.enabled off (no access): no server, nothing allowed
    plain = claude_launch.launch(config, spec(tmp_path, None)).argv
    assert "--mcp-config" not in plain
    assert "permissions" not in json.loads(plain[plain.index("--settings") + 1])


def test_codex_names_the_server_and_the_variable_its_token_is_in(tmp_path: Path) -> None:
    fake = tmp_path / "codex"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    agent = CodexAgent(InstancesConfig(codex_path=str(fake)))
    access = McpAccess(url="http://127.0.0.1:8080/mcp", token=TOKEN)
    launched = agent.launch(spec(tmp_path, access))
    assert TOKEN not in " ".join(launched.argv)
    assert launched.env["CCO_MCP_TOKEN"] == TOKEN  # the pane gets it through a 0600 file
    home = codex_home(tmp_path / "inst")
    text = (home / "config.toml").read_text()
    assert TOKEN not in text
    assert tomllib.loads(text)["mcp_servers"]["cco"] == {
        "url": "http://127.0.0.1:8080/mcp",
        "bearer_token_env_var": "CCO_MCP_TOKEN",
    }
