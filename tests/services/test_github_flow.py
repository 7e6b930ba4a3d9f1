"""GitHub's whole loop through the services, in-process: real git (the remote is a bare
repository the fake GitHub serves), real tmux, the fake claude CLI, and the fake GitHub that
checks every request against GitHub's OpenAPI description.

issue -> task -> agent -> review -> PR with "Closes #N" -> failing check -> the log tail to
the agent -> its fix pushed -> green -> merged -> task done, worktree gone, issue closed;
labels and one comment edited in place along the way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.links import PullState
from cc_orchestrator.domain.models import Task, TaskStatus
from tests.conftest import git, wait_for
from tests.support.fake_github import FakeGitHub
from tests.support.github_flow import configure, drain, github  # noqa: F401 (fixture)

T = TaskStatus


@pytest.fixture
def apps(fake_claude: Path) -> Iterator[list[App]]:
    made: list[App] = []
    yield made
    for app in made:
        app.close()


def make_app(apps: list[App], github: FakeGitHub, repo: Path, **project: object) -> App:
    """cco pointed at the fake GitHub, the repository's GitHub settings in its project file."""
    configure(github, repo, **project)
    app = build_app(log_to_file=False)
    apps.append(app)
    return app


def until(app: App, task_id: str, status: TaskStatus, timeout: float = 60) -> Task:
    def step() -> Task | None:
        app.tasks.tick()
        drain(app)
        found = app.tasks.get(task_id)
        return found if found.status == status else None

    return wait_for(step, timeout=timeout, interval=0.1, what=f"task {task_id} {status.value}")


def pull(app: App, task_id: str):  # type: ignore[no-untyped-def]
    with app.store.read() as tx:
        return tx.pull_request(task_id)


def test_issue_to_merged_pull_request(apps: list[App], github: FakeGitHub, repo: Path) -> None:
    app = make_app(apps, github, repo, pull_requests=True, open_pr_at="review", ci_rounds=2)
    number = github.add_issue("Add the fix", "write fix.txt v1", labels=["cco"])
    github.add_issue("Not for cco", "write other.txt x")  # no label: not a task

    report = app.github_sync.sync(repo)
    [(issue, task_id)] = report.created
    assert issue == number
    assert app.github_sync.sync(repo).created == []  # once each

    until(app, task_id, T.REVIEW)
    pr = wait_for(lambda: (p := pull(app, task_id)) and p.state is PullState.OPEN and p, what="PR")
    assert pr.number is not None
    opened = github.pr(pr.number)
    assert f"Closes #{number}" in (opened.body or "")
    assert opened.pull is not None and opened.pull.head == app.tasks.get(task_id).branch
    assert "cco:review" in github.issue(number).labels

    # CI fails: the failing job's log tail goes to the agent, which fixes it
    github.set_check(pr.head_sha, "tests", "completed", "failure", log="boom\nwrite fix.txt v2\n")
    app.github_pulls.watch()
    assert app.tasks.get(task_id).status == T.RUNNING
    until(app, task_id, T.REVIEW)
    fixed = wait_for(
        lambda: (p := pull(app, task_id)) and p.head_sha != pr.head_sha and p, what="the push"
    )
    assert fixed.ci_rounds == 1
    bare_file = git(github.bare, "show", f"{fixed.head_sha}:fix.txt")
    assert bare_file == "v2"

    github.set_check(fixed.head_sha, "tests", "completed", "success")
    app.github_pulls.watch()
    assert pull(app, task_id).checks == "success"

    github.merge(pr.number)
    app.github_pulls.watch()
    done = app.tasks.get(task_id)
    assert done.status == T.DONE, done.status_reason
    assert app.worktrees.views() == []
    assert github.issue(number).state == "closed"
    drain(app)
    said = [c for c in github.state.comments.values() if c.issue == number]
    assert len(said) == 1 and "cco:task:" in said[0].body  # one comment, edited in place
    assert "done" in said[0].body
    assert sorted(github.issue(number).labels) == ["cco", "cco:done"]
