"""GitHub's whole loop with the REAL Claude Code CLI (pinned, scripted fake model) and the real
daemon (`cco up --no-web`, its own process), against the fake GitHub that checks every request
against GitHub's OpenAPI description, with a real bare repository as the remote:

a labelled issue -> task -> agent -> PR with `Closes #N` -> a failing check -> the agent gets
the log tail and pushes a fix -> green -> merged -> task done, issue closed by the merge,
worktree gone.
"""

from __future__ import annotations

import json
from pathlib import Path

from cc_orchestrator.bootstrap import build_app
from cc_orchestrator.config import user_config_file
from cc_orchestrator.domain.links import PullState
from tests.conftest import git
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.fake_github import FakeGitHub
from tests.support.github_flow import configure, pull_of
from tests.support.notify_drill import Daemon
from tests.support.real_claude import needs_real_claude
from tests.support.wait import wait_for

pytestmark = needs_real_claude
FAILURE_TAIL = "AssertionError: fix.txt says v1, the test wants v2"


def test_issue_to_merged_pr_with_the_real_agent(
    real_claude: FakeAnthropic, github: FakeGitHub, repo: Path, tmp_path: Path
) -> None:
    configure(github, repo, pull_requests=True, open_pr_at="review", ci_rounds=2)
    path = user_config_file()  # the daemon looks every second
    settings = json.loads(path.read_text())
    settings["github"]["poll_s"] = 1
    path.write_text(json.dumps(settings))
    real_claude.script_write_file("fix.txt", "v1\n")
    real_claude.script_write_file("fix.txt", "v2\n")
    app = build_app(log_to_file=False)
    try:
        assert app.tracker_sync.sync(repo).created == []  # the daemon's from now on
        number = github.add_issue("Add fix.txt", "Create fix.txt for the test.", labels=["cco"])
        with Daemon(tmp_path) as daemon:
            daemon.start()
            link = wait_for(
                lambda: next(iter(app_links(app)), None), timeout=60, what="the issue's task"
            )
            task_id = link.task_id
            pr = wait_for(
                lambda: (p := pull_of(app, task_id)) and p.state is PullState.OPEN and p,
                timeout=120,
                what="the pull request",
            )
            assert pr.number is not None and pr.head_sha is not None
            opened = github.pr(pr.number)
            assert f"Closes #{number}" in (opened.body or "")
            assert git(github.bare, "show", f"{pr.head_sha}:fix.txt") == "v1"

            log = "\n".join(f"step {i}: ok" for i in range(500)) + f"\n{FAILURE_TAIL}\n"
            github.set_check(pr.head_sha, "tests", "completed", "failure", log=log)
            fixed = wait_for(
                lambda: (p := pull_of(app, task_id)) and p.head_sha != pr.head_sha and p,
                timeout=120,
                what="the agent's fix pushed",
            )
            assert git(github.bare, "show", f"{fixed.head_sha}:fix.txt") == "v2"
            told = [json.dumps(b) for b in real_claude.main_requests()]
            assert any(FAILURE_TAIL in t and "round 1 of 2" in t for t in told)
            assert not any("step 0: ok" in t for t in told)  # the tail, not the whole log
            assert fixed.ci_rounds == 1

            github.set_check(fixed.head_sha or "", "tests", "completed", "success")
            wait_for(
                lambda: (p := pull_of(app, task_id)) and p.checks == "success",
                timeout=30,
                what="the checks passed",
            )
            github.merge(pr.number)
            done = wait_for(
                lambda: (t := app.tasks.get(task_id)).status.value == "done" and t,
                timeout=30,
                what="the task done",
            )
            assert "merged" in (done.status_reason or "")
            assert github.issue(number).state == "closed"  # by the merge's Closes #N
            assert app.worktrees.views() == []
            wait_for(
                lambda: "cco:done" in github.issue(number).labels,
                timeout=30,
                what="the done label",
            )
        said = [c for c in github.state.comments.values() if c.issue == number]
        assert len(said) == 1, [c.body for c in said]
        assert len([i for i in github.state.issues.values() if i.pull is not None]) == 1
    finally:
        app.close()


def app_links(app):  # type: ignore[no-untyped-def]
    with app.store.read() as tx:
        return tx.issue_links(tracker="github")
