"""The environment every agent adapter gives its agent."""

from __future__ import annotations

from collections.abc import Mapping

from cc_orchestrator.adapters.user_env import user_environment
from cc_orchestrator.ports import LaunchSpec


def agent_env(spec: LaunchSpec, extra: Mapping[str, str]) -> dict[str, str]:
    """The user's environment (cco's own venv and settings removed), configured variables, ours.

    This is the agent's whole environment: tmux's own is not inherited (see launch_env).
    """
    env = user_environment()
    env.update(extra)
    env.update(spec.env)
    env.update(
        {
            "CCO_INSTANCE_ID": spec.instance_id,
            "CCO_EVENTS_FILE": str(spec.files.events),
            "CCO_STREAM_FILE": str(spec.files.stream),
            "CCO_STDERR_FILE": str(spec.files.stderr),
            "CCO_PROMPT_FILE": str(spec.files.prompt),
            "CCO_STATUS_FILE": str(spec.files.status),
        }
    )
    return env
