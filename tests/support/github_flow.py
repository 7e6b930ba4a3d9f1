"""What the GitHub tests share: a repository whose `origin` is a real bare repository the fake
GitHub serves, the settings that point cco at the fake, and draining the outbox in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cc_orchestrator.bootstrap import App
from cc_orchestrator.config import PROJECT_FILE_NAME, user_config_file
from tests.conftest import git
from tests.support.fake_github import FakeGitHub


def with_remote(repo: Path, bare: Path) -> Path:
    """`origin` of repo is a new bare repository holding its main branch."""
    git(bare.parent, "init", "-q", "--bare", "-b", "main", str(bare))
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "push", "-q", "origin", "main")
    return bare


def configure(fake: FakeGitHub, repo: Path, **project: Any) -> None:
    """The connection in the user's file, the repository's GitHub settings in its project
    file (committed, as a team would)."""
    path = user_config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"github": {"api_url": fake.url, "token": fake.token}}))
    settings = {"repository": f"{fake.owner}/{fake.repo}", "sync": True, **project}
    (repo / PROJECT_FILE_NAME).write_text(json.dumps({"github": settings}))
    git(repo, "add", PROJECT_FILE_NAME)
    git(repo, "commit", "-q", "-m", "cco settings")
    git(repo, "push", "-q", "origin", "main")


def drain(app: App, rounds: int = 20) -> int:
    """Take every queued event and send every due delivery, as the daemon's outbox thread
    does; how many deliveries were tried."""
    tried = 0
    for _ in range(rounds):
        app.outbox.intake()
        due, _ = app.outbox.channels_due()
        if not due:
            return tried
        for subscriber, channel in due:
            if app.outbox.send_next(subscriber, channel) is not None:
                tried += 1
    return tried


@pytest.fixture
def github(tmp_path: Path, repo: Path) -> Iterator[FakeGitHub]:
    bare = with_remote(repo, tmp_path / "remote.git")
    with FakeGitHub(bare) as fake:
        yield fake
        assert fake.violations == [], fake.violations
