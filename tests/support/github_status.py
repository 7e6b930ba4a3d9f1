"""Registered repositories for `cco github status` and GET /api/github/status, seen against
the fake GitHub: one named in its project file (syncing, synced, with an open pull request),
one found from its remote's URL, one that is not on GitHub."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App
from cc_orchestrator.config import PROJECT_FILE_NAME
from cc_orchestrator.domain.links import PullRequest, PullState
from cc_orchestrator.domain.models import Task, TaskStatus
from tests.conftest import git, make_repo
from tests.support.fake_github import FakeGitHub


@dataclass(frozen=True)
class Seeded:
    named: Path  # github.repository: acme/widgets in its project file, sync on
    remote: Path  # its origin is acme/gadgets on the fake's host
    elsewhere: Path  # its origin is not on GitHub


def connect(monkeypatch: pytest.MonkeyPatch, fake: FakeGitHub, *, token: str | None) -> None:
    """The user's settings point at the fake (the environment), with this token or none."""
    monkeypatch.setenv("CC_ORCH_GITHUB__API_URL", fake.url)
    monkeypatch.setenv("CC_ORCH_GITHUB__TIMEOUT_S", "5")
    if token is not None:
        monkeypatch.setenv("GITHUB_TOKEN", token)


def seed(app: App, tmp_path: Path, fake: FakeGitHub) -> Seeded:
    named = make_repo(tmp_path / "named")
    (named / PROJECT_FILE_NAME).write_text(
        "github:\n  repository: acme/widgets\n  sync: true\n  pull_requests: true\n"
    )
    remote = make_repo(tmp_path / "fromremote")
    git(remote, "remote", "add", "origin", f"{fake.origin}/acme/gadgets.git")
    elsewhere = make_repo(tmp_path / "elsewhere")
    git(elsewhere, "remote", "add", "origin", "git@gitlab.example.com:acme/widgets.git")
    with app.store.write() as tx:
        repo = tx.ensure_repo(named)
        for path in (remote, elsewhere):
            tx.ensure_repo(path)
        for n, state in ((1, PullState.OPEN), (2, PullState.OPEN), (3, PullState.MERGED)):
            tx.add_task(
                Task(
                    id=f"t-{n}",
                    title=f"Task {n}",
                    prompt="p",
                    status=TaskStatus.REVIEW,
                    repo_id=repo.id,
                    repo_path=named,
                )
            )
            tx.add_pull_request(
                PullRequest(
                    task_id=f"t-{n}",
                    repo="acme/widgets",
                    head=f"cco/t-{n}",
                    base="main",
                    state=state,
                    number=n,
                )
            )
        tx.put_sync_state(
            "github",
            "acme/widgets",
            last_sync_at=datetime.now(UTC) - timedelta(minutes=3),
            last_error=None,
            rate_limit=5000,
            rate_remaining=4990,
        )
    return Seeded(named, remote, elsewhere)
