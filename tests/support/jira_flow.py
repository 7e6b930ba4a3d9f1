"""What the Jira tests share: cco pointed at the fake Jira (and the fake GitHub, when the
repository's work lands as pull requests), the repository's `jira` settings in its project
file, committed as a team would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.config import PROJECT_FILE_NAME, user_config_file
from tests.conftest import git
from tests.support.fake_github import FakeGitHub
from tests.support.fake_jira import FakeJira

JQL = "project = WEB AND labels = cco ORDER BY key ASC"


def connection(jira: FakeJira, github: FakeGitHub | None = None, **extra: Any) -> dict[str, Any]:
    """The user's own settings: the Jira site and its credentials (and GitHub's)."""
    settings: dict[str, Any] = {
        "jira": {
            "site_url": jira.url,
            "api_url": jira.api_url,
            "email": jira.email,
            "api_token": jira.token,
            **extra,
        }
    }
    if github is not None:
        settings["github"] = {"api_url": github.url, "token": github.token}
    return settings


def configure_jira(
    jira: FakeJira,
    repo: Path,
    github: FakeGitHub | None = None,
    *,
    user: dict[str, Any] | None = None,
    gh: dict[str, Any] | None = None,
    **project: Any,
) -> None:
    path = user_config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(connection(jira, github, **(user or {}))))
    settings: dict[str, Any] = {"jira": {"jql": JQL, "sync": True, **project}}
    if github is not None:
        settings["github"] = {"repository": f"{github.owner}/{github.repo}", **(gh or {})}
    (repo / PROJECT_FILE_NAME).write_text(json.dumps(settings))
    git(repo, "add", PROJECT_FILE_NAME)
    git(repo, "commit", "-q", "-m", "cco settings")
    if github is not None:
        git(repo, "push", "-q", "origin", "main")


def jira_app(
    apps: list[App], jira: FakeJira, repo: Path, github: FakeGitHub | None = None, **kw: Any
) -> App:
    configure_jira(jira, repo, github, **kw)
    app = build_app(log_to_file=False)
    apps.append(app)
    return app
