from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cc_orchestrator.config import load_config, user_config_file
from cc_orchestrator.domain.errors import ConfigError
from tests.conftest import Cco


def write_yaml(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))


def test_defaults(repo: Path) -> None:
    cfg = load_config(cwd=repo)
    assert cfg.settings.instances.max_running == 10
    assert cfg.settings.worktrees.branch_prefix == "cco/"
    assert cfg.project_file == repo / ".cc-orchestrator.yaml"


def test_precedence_and_deep_merge(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_yaml(
        user_config_file(),
        {
            "instances": {"max_running": 3, "agent": "aider"},
            "worktrees": {"branch_prefix": "user/", "setup": "make"},
        },
    )
    write_yaml(
        repo / ".cc-orchestrator.yaml",
        {
            "instances": {"max_running": 5},
            "worktrees": {"branch_prefix": "proj/"},
        },
    )
    cfg = load_config(cwd=repo)
    # project beats user per key; keys the project does not set still come from the user file
    assert cfg.settings.instances.max_running == 5
    assert cfg.settings.instances.agent == "aider"
    assert cfg.settings.worktrees.branch_prefix == "proj/"
    assert cfg.settings.worktrees.setup == "make"

    monkeypatch.setenv("CC_ORCH_INSTANCES__MAX_RUNNING", "7")
    cfg = load_config(cwd=repo)
    assert cfg.settings.instances.max_running == 7
    assert cfg.settings.instances.agent == "aider"

    cfg = load_config(cwd=repo, overrides={"instances": {"max_running": 9}})
    assert cfg.settings.instances.max_running == 9
    assert cfg.settings.worktrees.setup == "make"


def test_xdg_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CC_ORCH_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert load_config().data_dir == tmp_path / "xdg" / "cc-orchestrator"
    monkeypatch.setenv("CC_ORCH_DATA_DIR", str(tmp_path / "custom"))
    assert load_config().data_dir == tmp_path / "custom"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"instances": {"max_running": -1}}, "instances.max_running: Input should be greater"),
        ({"instances": {"max_running": "many"}}, "instances.max_running: Input should be a valid"),
        ({"instances": {"max_runing": 1}}, "instances.max_runing: unknown key"),
        ({"tasks": {"scheduler_interval_s": 2}}, "scheduler_interval_s: removed: the daemon"),
        ({"database": {"url": "not a url"}}, "database.url: expected a URL"),
        ({"worktrees": {"path": "{nope}/x"}}, "worktrees.path: unknown placeholder"),
        ({"worktrees": {"copy_files": ["../secret"]}}, "must be a relative path"),
        ({"tmux": {"socket": "a b"}}, "tmux.socket"),
    ],
)
def test_invalid_user_file_names_file_and_key(data: object, expected: str) -> None:
    write_yaml(user_config_file(), data)
    with pytest.raises(ConfigError) as err:
        load_config()
    assert str(user_config_file()) in str(err.value)
    assert expected in str(err.value)


def test_invalid_yaml_and_env(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / ".cc-orchestrator.yaml").write_text("instances: [unclosed\n")
    with pytest.raises(ConfigError, match=r"\.cc-orchestrator\.yaml: line \d+ is not valid YAML"):
        load_config(cwd=repo)
    (repo / ".cc-orchestrator.yaml").unlink()
    monkeypatch.setenv("CC_ORCH_DATABASE__BUSY_TIMEOUT_MS", "soon")
    with pytest.raises(ConfigError, match="variable CC_ORCH_DATABASE__BUSY_TIMEOUT_MS: database"):
        load_config(cwd=repo)


def test_cli_set_get_unset(cco: Cco, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    cco("config", "set", "instances.max_running", "4")
    assert yaml.safe_load(user_config_file().read_text()) == {"instances": {"max_running": 4}}
    assert cco("config", "get", "instances.max_running").output.strip() == "4"

    cco("config", "set", "worktrees.copy_files", "[.env, .env.local]", "--project")
    project = yaml.safe_load((repo / ".cc-orchestrator.yaml").read_text())
    assert project == {"worktrees": {"copy_files": [".env", ".env.local"]}}
    assert json.loads(cco("config", "get", "worktrees.copy_files").output) == [".env", ".env.local"]

    cco("config", "unset", "instances.max_running")
    assert cco("config", "get", "instances.max_running").output.strip() == "10"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("instances.max_running", "-2", "greater than or equal to 0"),
        ("instances.max_running", "lots", "valid integer"),
        ("instances.nope", "1", "unknown key 'instances.nope'"),
        ("tasks.scheduler_interval_s", "2", "every instances.monitor_interval_s"),
        ("instances", "1", "is a section"),
        ("database.url", "ftp//x", "expected a URL"),
    ],
)
def test_cli_set_refuses_and_writes_nothing(cco: Cco, key: str, value: str, message: str) -> None:
    cco("config", "set", "tmux.socket", "mine")
    before = user_config_file().read_bytes()
    result = cco("config", "set", key, value, ok=False)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert user_config_file().read_bytes() == before


def test_a_removed_key_says_what_to_do_and_unset_deletes_it(cco: Cco) -> None:
    """tasks.scheduler_interval_s was never read (the daemon schedules on each pass, every
    instances.monitor_interval_s): a file that still sets it is refused with what to do, and
    `config unset` removes it."""
    write_yaml(user_config_file(), {"tasks": {"scheduler_interval_s": 2, "merge": "ff"}})
    refused = cco("config", "show", ok=False)
    assert refused.exit_code == 2
    assert "tasks.scheduler_interval_s: removed: the daemon schedules" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert (
        "unset tasks.scheduler_interval_s"
        in cco("config", "unset", "tasks.scheduler_interval_s").output
    )
    assert yaml.safe_load(user_config_file().read_text()) == {"tasks": {"merge": "ff"}}
    assert load_config().settings.tasks.merge == "ff"


def test_cli_set_checks_whole_configuration(cco: Cco, monkeypatch: pytest.MonkeyPatch) -> None:
    """A value valid on its own is still refused when the merged configuration breaks."""
    monkeypatch.setenv("CC_ORCH_INSTANCES__MAX_RUNNING", "nope")
    result = cco("config", "set", "tmux.socket", "other", ok=False)
    assert "CC_ORCH_INSTANCES__MAX_RUNNING" in result.stderr
    assert not user_config_file().exists()


def test_show_masks_secrets(cco: Cco) -> None:
    cco("config", "set", "database.url", "postgresql://cco:s3cr3t-pw@db.local/cco")
    assert "s3cr3t" not in cco("config", "show").output
    data = json.loads(cco("config", "show", "--json").output)
    assert data["database"]["url"] == "postgresql://cco:***@db.local/cco"
    assert "s3cr3t" not in cco("config", "get", "database.url").output
    # the file keeps the real value, readable only by its owner
    assert "s3cr3t-pw" in user_config_file().read_text()
    assert user_config_file().stat().st_mode & 0o077 == 0


def test_validate_and_path(cco: Cco, data_dir: Path) -> None:
    assert "configuration is valid" in cco("config", "validate").output
    write_yaml(user_config_file(), {"tmux": {"socket": "bad socket"}})
    result = cco("config", "validate", ok=False)
    assert result.exit_code == 2
    assert "tmux.socket" in result.stderr
    user_config_file().unlink()
    info = json.loads(cco("config", "path", "--json").output)
    assert info["data_dir"] == str(data_dir)
    assert info["database"] == f"sqlite:///{data_dir / 'state.db'}"


def test_flags_beat_everything(cco: Cco, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC_ORCH_INSTANCES__MAX_RUNNING", "7")
    out = cco("-c", "instances.max_running=2", "config", "get", "instances.max_running").output
    assert out.strip() == "2"
    out = cco("--data-dir", str(tmp_path / "other"), "config", "get", "data_dir").output
    assert out.strip() == str(tmp_path / "other")
    bad = cco("-c", "nonsense", "config", "show", ok=False)
    assert "expected KEY=VALUE" in bad.stderr
