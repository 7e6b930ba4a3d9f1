"""Fixtures of the end-to-end tests that drive the REAL Claude Code CLI (test_real_claude_*).

`fake_model` is the scripted fake Anthropic server; `real_claude` makes the pinned CLI, talking
to it, cco's agent (os.environ, isolated, offline); `app` is cco built on that. A file changes
what it needs by overriding a small fixture: `faces_first_run_dialogs` (False: the trust and
API-key dialogs are pre-accepted) or `agent_env` (more environment, set before the app is built).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.real_claude import real_claude_env


@pytest.fixture
def fake_model() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def faces_first_run_dialogs() -> bool:
    """Whether cco answers Claude Code's first-run dialogs itself (the default) or finds them
    already accepted."""
    return True


@pytest.fixture
def agent_env() -> dict[str, str]:
    """Environment variables (settings included) set after the real CLI's, before the app."""
    return {}


@pytest.fixture
def real_claude(
    fake_model: FakeAnthropic,
    tmp_path: Path,
    repo: Path,
    tmux_socket: str,
    monkeypatch: pytest.MonkeyPatch,
    faces_first_run_dialogs: bool,
    agent_env: dict[str, str],
) -> FakeAnthropic:
    """os.environ set so that cco's agent is the real CLI against fake_model (returned)."""
    real_claude_env(
        fake_model, tmp_path, repo, monkeypatch, faces_first_run_dialogs=faces_first_run_dialogs
    )
    for key, value in agent_env.items():
        monkeypatch.setenv(key, value)
    return fake_model


@pytest.fixture
def app(real_claude: FakeAnthropic) -> Iterator[App]:
    """cco, its agent the real CLI (only for the files that ask for it by name)."""
    app = build_app(log_to_file=False)
    yield app
    app.close()


from tests.support.github_flow import github  # noqa: E402,F401 (a fixture: the fake GitHub)
