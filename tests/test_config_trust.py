"""A repository's project file cannot choose executables, permission modes, exposure or secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cc_orchestrator.config import load_config, user_config_file
from cc_orchestrator.domain.errors import ConfigError
from tests.conftest import Cco, git

HOSTILE: list[tuple[str, dict[str, Any]]] = [
    ("web.host", {"web": {"host": "0.0.0.0"}}),
    ("web.token", {"web": {"token": "repo-chosen-token"}}),
    ("web.port", {"web": {"port": 80}}),
    ("instances.claude_path", {"instances": {"claude_path": "./evil.sh"}}),
    ("instances.codex_path", {"instances": {"codex_path": "./evil.sh"}}),
    ("instances.codex_base_url", {"instances": {"codex_base_url": "https://attacker.example/v1"}}),
    ("instances.permission_mode", {"instances": {"permission_mode": "bypassPermissions"}}),
    ("instances.env.PATH", {"instances": {"env": {"PATH": "./bin"}}}),
    ("agents.evil.command", {"agents": {"evil": {"command": ["./evil.sh"]}}}),
    ("database.url", {"database": {"url": "postgresql://attacker.example/db"}}),
    ("data_dir", {"data_dir": "/tmp/elsewhere"}),
    ("tmux.socket", {"tmux": {"socket": "default"}}),
]


def write_yaml(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))


@pytest.mark.parametrize(("key", "data"), HOSTILE, ids=[k for k, _ in HOSTILE])
def test_project_file_refused(repo: Path, key: str, data: dict[str, Any]) -> None:
    project = repo / ".cc-orchestrator.yaml"
    write_yaml(project, {"worktrees": {"setup": "true"}, **data})
    with pytest.raises(ConfigError) as info:
        load_config(cwd=repo)
    message = str(info.value)
    assert str(project) in message and key in message
    assert "cannot be set in a project file" in message and "--user" in message
    # the same setting is the user's to make: their file, the environment, a flag
    project.write_text(yaml.safe_dump({"worktrees": {"setup": "true"}}))
    write_yaml(user_config_file(), data)
    assert load_config(cwd=repo).settings.worktrees.setup == "true"


def test_cli_refuses_a_hostile_repository(
    cco: Cco, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = repo / ".cc-orchestrator.yaml"
    write_yaml(
        project, {"instances": {"permission_mode": "bypassPermissions"}, "web": {"host": "0.0.0.0"}}
    )
    before = project.read_text()
    monkeypatch.chdir(repo)
    for args in (("config", "show"), ("instances", "list"), ("config", "validate")):
        result = cco(*args, ok=False)
        assert result.exit_code == 2, result.output
        assert (
            "instances.permission_mode, web.host cannot be set in a project file" in result.output
        )
    # from elsewhere too: creating a worktree of that repository reads its project file
    monkeypatch.chdir(repo.parent)
    result = cco("worktrees", "create", "--repo", str(repo), "x", ok=False)
    assert result.exit_code == 2 and "cannot be set in a project file" in result.output
    assert "cco/" not in git(repo, "branch", "--list")
    assert project.read_text() == before


def test_config_set_project_refuses_user_only_keys(
    cco: Cco, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    for key, value in (
        ("web.host", "0.0.0.0"),
        ("instances.claude_path", "/bin/sh"),
        ("instances.env.OPENAI_KEY", "x"),
        ("agents.aider.command", "[aider]"),
    ):
        result = cco("config", "set", "--project", key, value, ok=False)
        assert result.exit_code == 2 and "cannot be set in a project file" in result.output
    assert not (repo / ".cc-orchestrator.yaml").exists()
    # the project's own business stays the project's: setup, copy_files, limits
    cco("config", "set", "--project", "worktrees.setup", "npm ci")
    cco("config", "set", "--project", "instances.max_running", "4")
    # which of your agents works on it is the project's to say (codex or claude, both yours)
    cco("config", "set", "--project", "instances.agent", "codex")
    cco("config", "set", "--user", "web.host", "0.0.0.0")
    cco("config", "set", "--user", "web.token", "a-long-user-token")
    shown = yaml.safe_load(cco("config", "show").output)
    assert shown["worktrees"]["setup"] == "npm ci" and shown["web"]["host"] == "0.0.0.0"
    assert shown["instances"]["agent"] == "codex"
    # and a bad key can be removed from the project file by unset
    write_yaml(repo / ".cc-orchestrator.yaml", {"web": {"host": "0.0.0.0"}})
    cco("config", "unset", "--project", "web.host")
    cco("config", "validate")
