"""A webhook from the fake GitHub, signed, through cco's real HTTP server into the inbox, and
the daemon's GitHub loop acting on it at once (its poll is an hour away): a failing check run
reaches the agent without waiting for a poll, and the deliveries are settled."""

from __future__ import annotations

import json
from pathlib import Path

from cc_orchestrator.bootstrap import build_app
from cc_orchestrator.config import user_config_file
from cc_orchestrator.domain.links import InboxStatus, PullState
from cc_orchestrator.domain.models import TaskStatus
from tests.support.fake_github import FakeGitHub
from tests.support.github_flow import configure, pull_of, until
from tests.web.conftest import LiveServer

SECRET = "hook-secret-for-the-test"


def test_a_signed_check_run_webhook_sends_ci_back_without_a_poll(
    fake_claude: Path, github: FakeGitHub, repo: Path
) -> None:
    configure(github, repo, pull_requests=True, open_pr_at="review")
    path = user_config_file()
    settings = json.loads(path.read_text())
    settings["github"].update(webhook_secret=SECRET, poll_s=3600)
    path.write_text(json.dumps(settings))
    app = build_app(log_to_file=False)
    try:
        github.add_issue("Work", "write a.txt one", labels=["cco"])
        [(_, task_id)] = app.tracker_sync.sync(repo).created
        until(app, task_id, TaskStatus.REVIEW)
        pr = pull_of(app, task_id)
        assert pr is not None and pr.state is PullState.OPEN and pr.head_sha
        loop = app.github_loop()
        loop.pass_once()  # the first pass is a full one; the next is an hour away
        with LiveServer(app) as live:
            github.hook(f"{live.url}/api/webhooks/github", SECRET)
            github.set_check(pr.head_sha, "tests", "completed", "failure", log="write a.txt two")
            github.hooks.wait()
            assert all(d.status == 202 for d in github.hooks.deliveries), [
                (d.event, d.status, d.error) for d in github.hooks.deliveries
            ]
            loop.pass_once()
        task = app.tasks.get(task_id)
        assert task.status == TaskStatus.RUNNING, task.status_reason
        assert "checks failed" in (task.status_reason or "")
        with app.store.read() as tx:
            items = tx.inbox_items(source="github")
        assert {i.event for i in items} >= {"check_run", "check_suite"}
        assert all(i.status in (InboxStatus.DONE, InboxStatus.IGNORED) for i in items)
        assert any(i.status is InboxStatus.DONE for i in items if i.event == "check_run")
    finally:
        app.close()
