"""Jira's whole loop with the REAL Claude Code CLI (pinned, scripted fake model) and the real
daemon (`cco up --no-web`, its own process), against the fake Jira and the fake GitHub, each
checking every request against its official API description, with a real bare repository as
the remote:

a Jira issue (picked by the repository's JQL) -> task -> agent -> a GitHub PR -> the Jira issue
In Review with one comment linking the PR and a remote link -> merged on GitHub -> task done ->
the Jira issue Done.
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
from tests.support.fake_jira import FakeJira
from tests.support.fake_jira_state import DEFAULT_STATUSES, DEFAULT_TRANSITIONS
from tests.support.github_flow import pull_of
from tests.support.jira_flow import configure_jira
from tests.support.notify_drill import Daemon
from tests.support.real_claude import needs_real_claude
from tests.support.wait import wait_for

pytestmark = needs_real_claude


def test_jira_issue_to_merged_github_pr_with_the_real_agent(
    real_claude: FakeAnthropic, jira: FakeJira, github: FakeGitHub, repo: Path, tmp_path: Path
) -> None:
    configure_jira(
        jira,
        repo,
        github,
        user={"poll_s": 1},
        gh={"pull_requests": True, "open_pr_at": "review"},
    )
    path = user_config_file()  # the daemon watches the PR every second too
    settings = json.loads(path.read_text())
    settings["github"]["poll_s"] = 1
    path.write_text(json.dumps(settings))
    real_claude.script_write_file("fix.txt", "v1\n")
    jira.add_workflow("WEB", DEFAULT_STATUSES, DEFAULT_TRANSITIONS)  # the project exists
    app = build_app(log_to_file=False)
    try:
        assert app.tracker_sync.sync(repo, "jira").created == []  # the daemon's from now on
        key = jira.add_issue("WEB", "Add fix.txt", "Create *fix.txt* for the test.", labels=["cco"])
        with Daemon(tmp_path) as daemon:
            daemon.start()
            link = wait_for(
                lambda: next(iter(links(app)), None), timeout=60, what="the issue's task"
            )
            assert link.key == key
            task_id = link.task_id
            pr = wait_for(
                lambda: (p := pull_of(app, task_id)) and p.state is PullState.OPEN and p,
                timeout=120,
                what="the pull request",
            )
            assert pr.number is not None and pr.head_sha is not None and pr.url
            assert f"[{key}]" in (github.pr(pr.number).body or "")
            assert git(github.bare, "show", f"{pr.head_sha}:fix.txt") == "v1"
            told = [json.dumps(b) for b in real_claude.main_requests()]
            assert any(f"Jira issue {key}" in t and "fix.txt" in t for t in told)  # its prompt
            wait_for(  # the review's delivery, and the PR's (which may come after it)
                lambda: (
                    jira.issue(key).status == "In Review"
                    and any(pr.url in json.dumps(c.body) for c in jira.comments(key))
                    and len(jira.remote_links(key)) == 1
                ),
                timeout=30,
                what="the Jira issue in review, its comment naming the PR, the PR linked",
            )
            assert [r.object["url"] for r in jira.remote_links(key)] == [pr.url]

            github.set_check(pr.head_sha, "tests", "completed", "success")
            github.merge(pr.number)
            wait_for(
                lambda: app.tasks.get(task_id).status.value == "done",
                timeout=30,
                what="the task done",
            )
            wait_for(lambda: jira.issue(key).status == "Done", timeout=30, what="the issue Done")
        said = jira.comments(key)
        assert len(said) == 1, [c.body for c in said]
        assert f"cco:task:{task_id}" in json.dumps(said[0].body)
    finally:
        app.close()


def links(app):  # type: ignore[no-untyped-def]
    with app.store.read() as tx:
        return tx.issue_links(tracker="jira")
