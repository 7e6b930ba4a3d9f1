"""GitHub's whole loop through the services, in-process: real git (the remote is a bare
repository the fake GitHub serves), real tmux, the fake claude CLI, and the fake GitHub that
checks every request against GitHub's OpenAPI description.

issue -> task -> agent -> review -> PR with "Closes #N" -> failing check -> the log tail to
the agent -> its fix pushed -> green -> merged -> task done, worktree gone, issue closed;
labels and one comment edited in place along the way.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.errors import Conflict
from cc_orchestrator.domain.links import PullState
from cc_orchestrator.domain.models import TaskStatus
from tests.conftest import Cco, git, wait_for
from tests.support.fake_github import FakeGitHub
from tests.support.github_flow import drain, make_app, pull_of, until

T = TaskStatus


def test_issue_to_merged_pull_request(apps: list[App], github: FakeGitHub, repo: Path) -> None:
    app = make_app(apps, github, repo, pull_requests=True, open_pr_at="review", ci_rounds=2)
    number = github.add_issue("Add the fix", "write fix.txt v1", labels=["cco"])
    github.add_issue("Not for cco", "write other.txt x")  # no label: not a task

    report = app.tracker_sync.sync(repo)
    [(issue, task_id)] = report.created
    assert issue == number
    assert app.tracker_sync.sync(repo).created == []  # once each

    until(app, task_id, T.REVIEW)
    pr = wait_for(
        lambda: (p := pull_of(app, task_id)) and p.state is PullState.OPEN and p, what="PR"
    )
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
        lambda: (p := pull_of(app, task_id)) and p.head_sha != pr.head_sha and p, what="the push"
    )
    assert fixed.ci_rounds == 1
    bare_file = git(github.bare, "show", f"{fixed.head_sha}:fix.txt")
    assert bare_file == "v2"

    github.set_check(fixed.head_sha, "tests", "completed", "success")
    app.github_pulls.watch()
    assert pull_of(app, task_id).checks == "success"

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


def in_review_with_pr(app: App, github: FakeGitHub, repo: Path, prompt: str) -> tuple[str, int]:
    github.add_issue("Work", prompt, labels=["cco"])
    [(_, task_id)] = app.tracker_sync.sync(repo).created
    until(app, task_id, T.REVIEW)
    pr = pull_of(app, task_id)
    assert pr is not None and pr.state is PullState.OPEN and pr.number is not None
    return task_id, pr.number


def test_changes_requested_go_back_with_file_and_line(
    apps: list[App], github: FakeGitHub, repo: Path
) -> None:
    app = make_app(apps, github, repo, pull_requests=True, open_pr_at="review", review_rounds=1)
    task_id, number = in_review_with_pr(app, github, repo, "write a.txt one")
    github.review(number, "CHANGES_REQUESTED", "write b.txt two", [("a.txt", 1, "rename it")])
    app.github_pulls.watch()
    task = app.tasks.get(task_id)
    assert task.status == T.RUNNING and "changes requested" in (task.status_reason or "")
    assert "a.txt:1: rename it" in (task.feedback or "")
    until(app, task_id, T.REVIEW)
    pr = pull_of(app, task_id)
    assert pr is not None and pr.review_rounds == 1
    assert git(github.bare, "show", f"{pr.head}:b.txt") == "two"  # the fix was pushed
    # a second review past the rounds: not sent, the task says it needs a person
    github.review(number, "CHANGES_REQUESTED", "still no")
    app.github_pulls.watch()
    task = app.tasks.get(task_id)
    assert task.status == T.REVIEW and "needs you" in (task.status_reason or "")
    app.github_pulls.watch()  # and said once
    assert pull_of(app, task_id).review_rounds == 1  # type: ignore[union-attr]


def test_a_pull_request_closed_unmerged_cancels_its_task(
    apps: list[App], github: FakeGitHub, repo: Path
) -> None:
    app = make_app(apps, github, repo, pull_requests=True, open_pr_at="review")
    task_id, number = in_review_with_pr(app, github, repo, "write a.txt one")
    github.close_pr(number)
    app.github_pulls.watch()
    task = app.tasks.get(task_id)
    assert task.status == T.CANCELLED and f"#{number} closed" in (task.status_reason or "")
    assert pull_of(app, task_id).state is PullState.CLOSED  # type: ignore[union-attr]


def test_approve_opens_the_pull_request_once_and_merging_finishes(
    apps: list[App], github: FakeGitHub, repo: Path
) -> None:
    app = make_app(apps, github, repo, pull_requests=True)  # open_pr_at: approve
    github.add_issue("Work", "write a.txt one", labels=["cco"])
    [(_, task_id)] = app.tracker_sync.sync(repo).created
    until(app, task_id, T.REVIEW)
    assert pull_of(app, task_id) is None  # not before the approve
    approved = app.tasks.approve(task_id)
    assert approved.status == T.REVIEW and "opening a pull request" in (
        approved.status_reason or ""
    )
    assert app.tasks.approve(task_id).status == T.REVIEW  # a second approve: the same intent
    drain(app)
    pr = pull_of(app, task_id)
    assert pr is not None and pr.state is PullState.OPEN and pr.number is not None
    # an open_pr delivery that runs again (a kill -9 before it was recorded) finds the PR
    with app.store.write() as tx:
        tx.update_pull_request(task_id, state=PullState.OPENING, number=None)
    work = app.outbox.subscribers["github"].work  # type: ignore[attr-defined]
    assert work.open_pr(task_id)
    assert len([i for i in github.state.issues.values() if i.pull is not None]) == 1
    assert pull_of(app, task_id).number == pr.number  # type: ignore[union-attr]
    github.merge(pr.number)
    app.github_pulls.watch()
    assert app.tasks.get(task_id).status == T.DONE


def test_a_dependent_task_gets_a_stacked_pull_request_retargeted_on_merge(
    apps: list[App], github: FakeGitHub, repo: Path
) -> None:
    app = make_app(apps, github, repo, pull_requests=True, open_pr_at="review")
    first = github.add_issue("Base", "write a.txt one", labels=["cco"])
    second = github.add_issue("On top", f"write b.txt two\ndepends on #{first}", labels=["cco"])
    created = dict(app.tracker_sync.sync(repo).created)
    base_task, top_task = created[first], created[second]
    assert app.tasks.get(top_task).depends_on == (base_task,)
    until(app, base_task, T.REVIEW)
    base_pr = pull_of(app, base_task)
    assert base_pr is not None and base_pr.number is not None
    # its dependency in review counts as finished: it starts on the dependency's branch,
    # and its pull request is stacked on that branch
    until(app, top_task, T.REVIEW)
    top_pr = pull_of(app, top_task)
    assert top_pr is not None and top_pr.number is not None
    assert top_pr.base == base_pr.head
    assert github.pr(top_pr.number).pull.base == base_pr.head  # type: ignore[union-attr]
    github.merge(base_pr.number)
    app.github_pulls.watch()
    assert app.tasks.get(base_task).status == T.DONE
    drain(app)  # the retarget
    assert pull_of(app, top_task).base == "main"  # type: ignore[union-attr]
    assert github.pr(top_pr.number).pull.base == "main"  # type: ignore[union-attr]


def test_the_comment_is_found_again_and_approve_says_where_it_lands(
    apps: list[App], github: FakeGitHub, repo: Path
) -> None:
    app = make_app(apps, github, repo, pull_requests=True, open_pr_at="review")
    task_id, number = in_review_with_pr(app, github, repo, "write a.txt one")
    with app.store.read() as tx:
        link = tx.issue_link(task_id)
    assert link is not None and link.data.get("comment_id")
    # a status delivery killed after posting, before recording: its comment is found again
    with app.store.write() as tx:
        tx.update_issue_link(task_id, data={})
    app.tracker_status.status(task_id)
    said = [c for c in github.state.comments.values() if c.issue == int(link.key)]
    assert len(said) == 1
    with pytest.raises(Conflict, match=f"#{number} is open"):
        app.tasks.approve(task_id)
    assert app.tasks.get(task_id).status == T.REVIEW


def push_to_main(github: FakeGitHub, tmp_path: Path, name: str, content: str) -> str:
    """Someone else's commit on the remote's main (the base moved)."""
    clone = tmp_path / f"other-{name}"
    git(tmp_path, "clone", "-q", str(github.bare), str(clone))
    (clone / name).write_text(content)
    git(clone, "add", name)
    git(clone, "commit", "-q", "-m", f"someone's {name}")
    git(clone, "push", "-q", "origin", "main")
    return git(clone, "rev-parse", "HEAD")


def test_update_branch_merges_the_moved_base_and_pushes_it(
    apps: list[App], github: FakeGitHub, repo: Path, tmp_path: Path, cco: Cco
) -> None:
    app = make_app(apps, github, repo, pull_requests=True, open_pr_at="review")
    task_id, number = in_review_with_pr(app, github, repo, "write a.txt one")
    with pytest.raises(Conflict, match="already"):
        app.github_pulls.update_branch(task_id)  # nothing moved yet
    theirs = push_to_main(github, tmp_path, "base.txt", "moved\n")
    said = cco("github", "update-branch", task_id)
    assert "main merged in, pushing" in said.output
    drain(app)
    pr = pull_of(app, task_id)
    assert pr is not None and pr.head_sha
    assert git(github.bare, "merge-base", "--is-ancestor", theirs, pr.head_sha) == ""
    assert git(github.bare, "show", f"{pr.head_sha}:a.txt") == "one"
    assert github.pr(number).pull.head_sha == pr.head_sha  # type: ignore[union-attr]


def test_update_branch_with_a_conflict_changes_nothing(
    apps: list[App], github: FakeGitHub, repo: Path, tmp_path: Path
) -> None:
    app = make_app(apps, github, repo, pull_requests=True, open_pr_at="review")
    task_id, _ = in_review_with_pr(app, github, repo, "write a.txt one")
    before = pull_of(app, task_id)
    push_to_main(github, tmp_path, "a.txt", "theirs\n")
    with pytest.raises(Conflict, match=r"a\.txt"):
        app.github_pulls.update_branch(task_id)
    task = app.tasks.get(task_id)
    wt = app.worktrees.get(task.worktree_id or "")
    assert git(wt.path, "status", "--porcelain") == ""  # the merge was undone
    assert drain(app) == 0 and pull_of(app, task_id) == before
