"""No secret of an agent's environment on any command line; the agent's environment is exact."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import cc_orchestrator
from cc_orchestrator.adapters.launch_env import wrapped_argv, write_env_file
from cc_orchestrator.adapters.user_env import user_environment
from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.models import InstanceStatus
from tests.conftest import wait_for

S = InstanceStatus
SECRET = "sk-ant-api03-cmdline-secret-4f1d2c"
TOKEN = "auth-token-value-9c8b7a"
DB_PASSWORD = "db-password-value-77aa11"


@pytest.fixture
def app(fake_claude: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv(
        "CC_ORCH_INSTANCES__ENV", f'{{"DATABASE_URL": "postgresql://u:{DB_PASSWORD}@h/db"}}'
    )
    app = build_app(log_to_file=False)
    yield app
    app.close()


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def _server_pid(socket: str) -> int:
    out = subprocess.run(
        ["tmux", "-L", socket, "display-message", "-p", "#{pid}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def test_no_secret_on_the_tmux_server_command_line(app: App, repo: Path, tmux_socket: str) -> None:
    inst = app.instances.spawn(repo=repo, prompt="hello")
    idle = wait_for(
        lambda: (
            i
            if (i := (app.instances.sync(), app.instances.get(inst.id))[1]).status == S.IDLE
            else None
        ),
        what="idle",
    )
    server = _cmdline(_server_pid(tmux_socket))
    for secret in (SECRET, TOKEN, DB_PASSWORD):
        assert secret not in server, server
    assert idle.pane_pid
    agent = _environ(idle.pane_pid)
    assert agent["ANTHROPIC_API_KEY"] == SECRET
    assert agent["ANTHROPIC_AUTH_TOKEN"] == TOKEN
    assert DB_PASSWORD in agent["DATABASE_URL"]
    assert SECRET not in _cmdline(idle.pane_pid)


def test_env_file_is_private_and_gone_once_read(app: App, repo: Path) -> None:
    inst = app.instances.spawn(repo=repo, prompt="hello")
    wait_for(
        lambda: (app.instances.sync(), app.instances.get(inst.id))[1].status == S.IDLE,
        what="idle",
    )
    folder = app.instances.files(inst.id).folder
    assert not list(folder.glob(".env-*")), "the environment file outlived the launch"


def test_env_file_mode_and_quoting(tmp_path: Path) -> None:
    hostile = 'it\'s $HOME `id` "q"\nsecond line; rm -rf /'
    path = write_env_file(tmp_path, {"A": hostile, "not-a-name": "x", "B": ""})
    assert path.stat().st_mode & 0o777 == 0o600
    out = subprocess.run(
        wrapped_argv(path, ["/usr/bin/env"]),
        capture_output=True,
        text=True,
        check=True,
        env={"TERM": "xterm", "LEAK": "1"},
    ).stdout
    assert f"A={hostile}\n" in out and "B=\n" in out
    assert "LEAK" not in out and "not-a-name" not in out
    assert not path.exists()
    # a value os.environ holds with surrogate escapes (bytes that are not UTF-8) stays intact
    path = write_env_file(tmp_path, {"C": os.fsdecode(b"caf\xe9")})
    raw = subprocess.run(
        wrapped_argv(path, ["/usr/bin/env"]), capture_output=True, check=True, env={}
    ).stdout
    assert b"C=caf\xe9\n" in raw


def test_user_environment_drops_ccos_own(tmp_path: Path) -> None:
    venv = Path(sys.prefix)
    package_root = Path(cc_orchestrator.__file__).resolve().parent.parent
    env = user_environment(
        {
            "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin",
            "VIRTUAL_ENV": str(venv),
            "VIRTUAL_ENV_PROMPT": "(.venv)",
            "PYTHONPATH": f"{package_root}:{tmp_path}",
            "CC_ORCH_WEB__TOKEN": "x",
            "TMUX": "/tmp/tmux-0/default,1,0",
            "HOME": "/home/u",
            "OPENAI_KEY": "kept",
        }
    )
    if sys.prefix != sys.base_prefix:
        assert env["PATH"] == "/usr/local/bin:/usr/bin"
        assert "VIRTUAL_ENV" not in env and "VIRTUAL_ENV_PROMPT" not in env
    assert env["PYTHONPATH"] == str(tmp_path)
    assert "CC_ORCH_WEB__TOKEN" not in env and "TMUX" not in env
    assert env["HOME"] == "/home/u" and env["OPENAI_KEY"] == "kept"
    # someone else's virtualenv stays: it is the user's
    other = user_environment({"VIRTUAL_ENV": str(tmp_path), "PATH": f"{tmp_path}/bin:/usr/bin"})
    assert other == {"VIRTUAL_ENV": str(tmp_path), "PATH": f"{tmp_path}/bin:/usr/bin"}
