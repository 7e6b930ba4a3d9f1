"""Shared fixtures: an isolated home, data directory and real git repositories per test."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cc_orchestrator.cli.main import cli
from tests.support.event_check import events_match_their_definitions  # noqa: F401 (autouse)
from tests.support.fake_github_fixture import (  # noqa: F401 (a fake GitHub, its webhooks' receiver)
    fake_github,
    hook_catcher,
)
from tests.support.fake_jira_fixture import jira  # noqa: F401 (a fake Jira Cloud site)
from tests.support.receivers import (  # noqa: F401 (fixtures: a fake service per channel type)
    discord_receiver,
    ntfy_receiver,
    slack_receiver,
    smtp_receiver,
    webhook_receiver,
)
from tests.support.wait import wait_for as wait_for  # re-exported: tests import it from here


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def make_repo(path: Path, *, files: dict[str, str] | None = None) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    for name, content in (files or {"README.md": "hello\n"}).items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "initial")
    return path


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """HOME, XDG folders and the data directory inside tmp_path; no CC_ORCH_* leaks in."""
    home = tmp_path / "home"
    home.mkdir()
    for key in list(os.environ):
        if key.startswith("CC_ORCH_"):
            monkeypatch.delenv(key)
    # no GitHub credentials of the machine's: a test that wants one sets it (and an installed,
    # logged-in gh finds an empty config here)
    for key in (
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "GH_HOST",
        "GH_ENTERPRISE_TOKEN",
        "JIRA_EMAIL",
        "JIRA_API_TOKEN",
        "JIRA_OAUTH_TOKEN",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("GH_CONFIG_DIR", str(home / ".config" / "gh"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("CC_ORCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@example.com")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.chdir(tmp_path)
    yield home


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


class Cco:
    """Runs the real CLI in-process and keeps what it printed."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True, input: str | None = None) -> Result:
        result = self.runner.invoke(cli, list(args), input=input, catch_exceptions=False)
        if ok and result.exit_code != 0:
            raise AssertionError(
                f"cco {' '.join(args)} exited {result.exit_code}:\n{result.output}"
            )
        return result


@pytest.fixture
def cco() -> Cco:
    return Cco()


@pytest.fixture
def tmux_socket(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private tmux server for this test; killed (with every session on it) afterwards."""
    name = f"ccotest-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("CC_ORCH_TMUX__SOCKET", name)
    yield name
    subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True, check=False)
    socket_dir = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
    (socket_dir / name).unlink(missing_ok=True)


@pytest.fixture
def fake_claude(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tmux_socket: str) -> Path:
    """The fake `claude` CLI as the configured agent binary, with its own config dir."""
    from tests.support.fake_agent import install_fake_claude

    binary = install_fake_claude(tmp_path / "bin")
    monkeypatch.setenv("CC_ORCH_INSTANCES__CLAUDE_PATH", str(binary))
    # the fake draws its dialog only after the PermissionRequest hook returns: no waiting hook
    monkeypatch.setenv("CC_ORCH_INSTANCES__ANSWER_WAIT_S", "0")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude-config"))
    monkeypatch.setenv("FAKE_CLAUDE_IDLE_NOTIFY_DELAY", "-1")
    monkeypatch.setenv("CC_ORCH_INSTANCES__RESTART_BACKOFF_S", "0")
    return binary
