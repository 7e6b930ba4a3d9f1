"""What the GitHub tests share: a repository whose `origin` is a real bare repository the fake
GitHub serves, the settings that point cco at the fake, and draining the outbox in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.config import PROJECT_FILE_NAME, user_config_file
from cc_orchestrator.domain.links import PullRequest
from cc_orchestrator.domain.models import Task, TaskStatus
from tests.conftest import git
from tests.support.fake_github import FakeGitHub
from tests.support.wait import wait_for


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


def make_app(apps: list[App], github: FakeGitHub, repo: Path, **project: Any) -> App:
    """cco pointed at the fake GitHub, the repository's GitHub settings in its project file."""
    configure(github, repo, **project)
    app = build_app(log_to_file=False)
    apps.append(app)
    return app


def until(app: App, task_id: str, status: TaskStatus, timeout: float = 60) -> Task:
    """Schedule and drain the outbox until the task has this status."""

    def step() -> Task | None:
        app.tasks.tick()
        drain(app)
        found = app.tasks.get(task_id)
        return found if found.status == status else None

    return wait_for(step, timeout=timeout, interval=0.1, what=f"task {task_id} {status.value}")


def pull_of(app: App, task_id: str) -> PullRequest | None:
    with app.store.read() as tx:
        return tx.pull_request(task_id)


@pytest.fixture
def apps(fake_claude: Path) -> Iterator[list[App]]:
    made: list[App] = []
    yield made
    for app in made:
        app.close()
