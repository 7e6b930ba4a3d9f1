"""The one place that picks an agent's adapter (see docs/agents.md to add one)."""

from __future__ import annotations

from collections.abc import Mapping

from cc_orchestrator.adapters.claude import ClaudeAgent
from cc_orchestrator.adapters.codex.agent import CodexAgent
from cc_orchestrator.adapters.generic_agent import GenericAgent
from cc_orchestrator.config import AgentConfig, InstancesConfig
from cc_orchestrator.domain.errors import InvalidInput
from cc_orchestrator.ports import Agent


def make_agent(name: str, instances: InstancesConfig, agents: Mapping[str, AgentConfig]) -> Agent:
    """A configured command-line agent (the `agents` settings) wins over a built-in name."""
    if name in agents:
        return GenericAgent(name, agents[name])
    if name == "claude":
        return ClaudeAgent(instances)
    if name == "codex":
        return CodexAgent(instances)
    known = ", ".join(sorted({"claude", "codex", *agents}))
    raise InvalidInput(f"unknown agent {name!r}", hint=f"known agents: {known}")
