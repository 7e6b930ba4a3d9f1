"""Issues become tasks (`GitHubSync`), and the status says so on the issue, against the fake
GitHub (every request checked against GitHub's OpenAPI description)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.domain.models import TaskStatus
from cc_orchestrator.domain.outbox import DeliveryStatus
from tests.support.fake_github import FakeGitHub
from tests.support.github_flow import drain, make_app, until

T = TaskStatus


def test_labelled_issues_become_tasks_once_with_dependencies_and_priority(
    apps: list[App], github: FakeGitHub, repo: Path
) -> None:
    app = make_app(apps, github, repo)
    base = github.add_issue("Base", "write a.txt 1", labels=["cco"])
    top = github.add_issue("Top", f"write b.txt 2\n\nBlocked by #{base}", labels=["cco"])
    parent = github.add_issue("Parent", "tie it up", labels=["cco", "priority:high"])
    child = github.add_issue("Child", "write c.txt 3", labels=["cco"])
    github.add_sub_issue(parent, child)
    github.add_issue("Someone else's", "not ours")  # no label
    closed = github.add_issue("Done already", "x", labels=["cco"])
    github.close_issue(closed)

    dry = app.tracker_sync.sync(repo, dry_run=True)
    assert sorted(n for n, _ in dry.created) == [base, top, parent, child]
    assert app.tasks.all() == []  # a dry run changes nothing

    report = app.tracker_sync.sync(repo)
    made = dict(report.created)
    assert sorted(made) == [base, top, parent, child] and report.skipped == []
    assert app.tasks.get(made[top]).depends_on == (made[base],)
    assert app.tasks.get(made[parent]).depends_on == (made[child],)
    assert app.tasks.get(made[parent]).priority == 10
    task = app.tasks.get(made[base])
    assert task.title == "Base" and task.prompt.startswith("write a.txt 1")
    assert f"acme/widgets#{base}" in task.prompt and "cco" in task.labels

    again = app.tracker_sync.sync(repo)  # conditional: the ETag of the last answer
    assert again.created == [] and again.not_modified
    etagged = [r for r in github.requests if r.path.endswith("/issues") and r.method == "GET"]
    assert "if-none-match" in etagged[-1].headers
    assert len(app.tasks.all()) == 4


def test_edits_update_tasks_not_started_and_closing_cancels(
    apps: list[App], github: FakeGitHub, repo: Path
) -> None:
    app = make_app(apps, github, repo)
    number = github.add_issue("First title", "write a.txt 1", labels=["cco"])
    other = github.add_issue("Other", "write b.txt 1", labels=["cco"])
    made = dict(app.tracker_sync.sync(repo).created)
    with app.store.write() as tx:  # not started: keep the scheduler out of it
        tx.set_dependencies(made[number], set())
    github.edit_issue(number, title="Better title", body="write a.txt 2")
    report = app.tracker_sync.sync(repo)
    assert report.updated == [(number, made[number])]
    task = app.tasks.get(made[number])
    assert task.title == "Better title" and task.prompt.startswith("write a.txt 2")
    github.close_issue(other)
    report = app.tracker_sync.sync(repo)
    assert report.cancelled == [(other, made[other])]
    cancelled = app.tasks.get(made[other])
    assert cancelled.status == T.CANCELLED
    assert cancelled.status_reason == f"issue #{other} was closed"


def test_odd_issue_text_is_made_safe_and_the_rest_goes_on(
    apps: list[App], github: FakeGitHub, repo: Path
) -> None:
    app = make_app(apps, github, repo)
    odd = github.add_issue("\x1b[31mred\x07 title", "body\x00with NUL\r\nand CR", labels=["cco"])
    huge = github.add_issue("Huge", "y" * 70_000, labels=["cco"])
    made = dict(app.tracker_sync.sync(repo).created)
    task = app.tasks.get(made[odd])
    assert task.title == "[31mred title" and "\x00" not in task.prompt and "\r" not in task.prompt
    assert len(app.tasks.get(made[huge]).prompt) < 61_000


def test_status_labels_and_one_comment_survive_github_being_down(
    apps: list[App], github: FakeGitHub, repo: Path
) -> None:
    app = make_app(apps, github, repo)
    number = github.add_issue("Work", "write a.txt 1", labels=["cco"])
    [(_, task_id)] = app.tracker_sync.sync(repo).created
    github.down()
    with pytest.raises(CcoError, match="connection refused"):
        app.tracker_sync.sync(repo)
    # the scheduler goes on without GitHub: the task runs to review
    until(app, task_id, T.REVIEW)
    waiting = [d for d in app.notifications.deliveries() if d.subscriber == "github"]
    assert waiting and all(d.status is DeliveryStatus.PENDING for d in waiting)
    assert any(d.attempts >= 1 and d.last_error for d in waiting)
    github.up()
    with app.store.write() as tx:  # the backoff's wait, skipped
        for d in waiting:
            tx.settle(d.id, status=DeliveryStatus.PENDING, next_attempt_at=d.created_at)
    drain(app)
    assert all(
        d.status is DeliveryStatus.SENT
        for d in app.notifications.deliveries()
        if d.subscriber == "github"
    )
    issue = github.issue(number)
    assert sorted(issue.labels) == ["cco", "cco:review"]
    said = [c for c in github.state.comments.values() if c.issue == number]
    assert len(said) == 1 and "ready for review" in said[0].body


def test_a_rate_limit_waits_for_its_reset(apps: list[App], github: FakeGitHub, repo: Path) -> None:
    app = make_app(apps, github, repo)
    github.add_issue("Work", "write a.txt 1", labels=["cco"])
    assert len(app.tracker_sync.sync(repo).created) == 1
    github.rate_limited(30, status=403)
    app.tasks.tick()  # the task starts: a status delivery for GitHub
    drain(app)
    [*_, first] = [d for d in app.notifications.deliveries() if d.subscriber == "github"]
    assert first.status is DeliveryStatus.PENDING and "rate limit" in (first.last_error or "")
    wait = (first.next_attempt_at - first.created_at).total_seconds()
    assert 20 <= wait <= 40, wait  # GitHub's reset time, not the outbox's 2 s backoff
