"""The worktrees commands as a user runs them: output, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cco, git


def test_create_list_show_remove(cco: Cco, repo: Path) -> None:
    out = cco("worktrees", "create", "--repo", str(repo), "fix-login").output
    assert "created worktree" in out and "cco/" in out
    [wt] = json.loads(cco("worktrees", "list", "--json").output)
    assert wt["name"] == "fix-login" and wt["exists"] is True
    assert wt["branch"] == f"cco/{wt['id']}-fix-login"
    listing = cco("worktrees", "list").output
    assert "fix-login" in listing and "ID" in listing
    shown = json.loads(cco("worktrees", "show", "fix-login", "--json").output)
    assert shown["id"] == wt["id"]
    assert "removed worktree" in cco("worktrees", "remove", wt["id"], "--delete-branch").output
    assert "no worktrees" in cco("worktrees", "list").output
    assert wt["branch"] not in git(repo, "branch")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["worktrees", "create", "--repo", "{tmp}", "x"], "is not a git repository"),
        (["worktrees", "create", "--repo", "{repo}", "--base", "nope"], "is not a branch, tag or"),
        (["worktrees", "create", "--repo", "{repo}", "../../etc"], "must not contain '..'"),
        (["worktrees", "create", "--repo", "{repo}", "--branch", "$(reboot)"], "not valid"),
        (["worktrees", "remove", "zzzzzz"], "no worktree 'zzzzzz'"),
        (["worktrees", "show", "zzzzzz"], "no worktree 'zzzzzz'"),
    ],
)
def test_errors_are_one_clear_line(
    cco: Cco, repo: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [a.format(tmp=tmp_path, repo=repo) for a in args]
    result = cco(*args, ok=False)
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.output


def test_traceback_only_with_verbose(cco: Cco) -> None:
    quiet = cco("worktrees", "remove", "nothere", ok=False)
    assert "Traceback" not in quiet.stderr
    loud = cco("-v", "worktrees", "remove", "nothere", ok=False)
    assert "Traceback" in loud.stderr


def test_cleanup_cli(cco: Cco, repo: Path) -> None:
    cco("worktrees", "create", "--repo", str(repo), "a")
    [wt] = json.loads(cco("worktrees", "list", "--json").output)
    import shutil

    shutil.rmtree(wt["path"])
    dry = cco("worktrees", "cleanup", "--dry-run").output
    assert "would remove" in dry and "missing folder" in dry and wt["branch"] in dry
    assert wt["branch"] in git(repo, "branch")
    done = cco("worktrees", "cleanup").output
    assert "removed 3" in done
    assert wt["branch"] not in git(repo, "branch")
    assert "nothing to clean up" in cco("worktrees", "cleanup").output


def test_data_dir_flag_keeps_fleets_apart(cco: Cco, repo: Path, tmp_path: Path) -> None:
    cco("--data-dir", str(tmp_path / "fleet-a"), "worktrees", "create", "--repo", str(repo), "a")
    assert json.loads(cco("worktrees", "list", "--json").output) == []
    listed = cco("--data-dir", str(tmp_path / "fleet-a"), "worktrees", "list", "--json").output
    assert [w["name"] for w in json.loads(listed)] == ["a"]
    assert (tmp_path / "fleet-a" / "state.db").exists()
    assert (tmp_path / "fleet-a" / "logs" / "cco.log").exists()
