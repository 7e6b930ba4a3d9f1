"""`cco sync github` against the fake GitHub: a dry run changes nothing, a sync makes the
tasks once, --json says the same, and GitHub down is one clear error."""

from __future__ import annotations

import json
from pathlib import Path

from cc_orchestrator.bootstrap import App
from tests.conftest import Cco
from tests.support.fake_github import FakeGitHub
from tests.support.github_flow import configure


def test_sync_github_from_the_command_line(
    apps: list[App], github: FakeGitHub, repo: Path, cco: Cco
) -> None:
    configure(github, repo)
    number = github.add_issue("From GitHub", "write a.txt 1", labels=["cco"])
    dry = cco("sync", "github", "--repo", str(repo), "--dry-run")
    assert f"#{number}: would be created" in dry.output and "(dry run)" in dry.output
    assert json.loads(cco("tasks", "list", "--json").output) == []
    made = cco("sync", "github", "--repo", str(repo))
    assert f"#{number}: created as task" in made.output
    again = json.loads(cco("sync", "github", "--repo", str(repo), "--json").output)
    assert again["created"] == [] and again["repo"] == "acme/widgets"
    [task] = json.loads(cco("tasks", "list", "--json").output)
    assert task["title"] == "From GitHub" and task["issue"]["key"] == str(number)
    github.down()
    failed = cco("sync", "github", "--repo", str(repo), ok=False)
    assert failed.exit_code == 1 and "connection refused" in failed.output
    assert "Traceback" not in failed.output
