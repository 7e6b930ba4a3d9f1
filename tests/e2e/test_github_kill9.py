"""kill -9 of the real daemon (`cco up --no-web`, the fake claude CLI as the agent) at the
worst moments of talking to GitHub: just after the task's comment is posted and just after
its pull request is opened, each before cco recorded it. The daemon started again finishes
the work: one comment, one pull request, nothing twice."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from cc_orchestrator import faults
from cc_orchestrator.bootstrap import build_app
from cc_orchestrator.config import user_config_file
from cc_orchestrator.domain.links import PullState
from tests.support.fake_github import FakeGitHub
from tests.support.github_flow import configure, pull_of
from tests.support.notify_drill import Daemon
from tests.support.wait import wait_for


@pytest.mark.parametrize("point", faults.GITHUB_POINTS)
def test_killed_mid_github_nothing_twice(
    point: str, fake_claude: Path, github: FakeGitHub, repo: Path, tmp_path: Path
) -> None:
    configure(github, repo, pull_requests=True, open_pr_at="review")
    path = user_config_file()
    settings = json.loads(path.read_text())
    settings["github"]["poll_s"] = 1
    path.write_text(json.dumps(settings))
    app = build_app(log_to_file=False)
    try:
        number = github.add_issue("Work", "write a.txt one", labels=["cco"])
        [(_, task_id)] = app.tracker_sync.sync(repo).created
        daemon = Daemon(tmp_path, env={"CCO_FAULT": point})
        try:
            daemon.start()
            assert daemon.proc is not None
            wait_for(
                lambda: daemon.proc.poll() is not None, timeout=90, what=f"the kill at {point}"
            )  # type: ignore[union-attr]
            assert daemon.proc.returncode == -signal.SIGKILL, daemon.output()
            daemon.env = {}
            daemon.start()
            wait_for(
                lambda: (p := pull_of(app, task_id)) is not None and p.state is PullState.OPEN,
                timeout=60,
                what="the pull request recorded",
            )
            wait_for(
                lambda: (
                    "cco:review" in github.issue(number).labels
                    and any("ready for review" in c.body for c in github.state.comments.values())
                ),
                timeout=30,
                what="the review label and comment",
            )
        finally:
            daemon.stop()
        pulls = [i for i in github.state.issues.values() if i.pull is not None]
        assert len(pulls) == 1
        said = [c for c in github.state.comments.values() if c.issue == number]
        assert len(said) == 1, [c.body for c in said]
    finally:
        app.close()
