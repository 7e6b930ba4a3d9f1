"""A task made from a Jira issue in Chromium against the real `cco up`: the task page and the
board's card name the issue by its key (WEB-3, not a "#" number) and link it to the Jira site
(a new tab, no opener); the Jira API token and webhook secret never reach the page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.config import PROJECT_FILE_NAME, user_config_file
from cc_orchestrator.domain import events
from cc_orchestrator.domain.links import IssueLink
from tests.conftest import git
from tests.web.browser import Server, Shots, card, open_dashboard, running_server
from tests.web.conftest import free_port

TOKEN = "ATATT3xJIRATOKENNEVERSHOWN0000"
HOOK_SECRET = "JIRAWEBHOOKSECRETNEVERSHOWN"


@pytest.fixture
def jira_server(
    fake_claude: Path, repo: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Server, App, str]]:
    """`cco up` with Jira configured at an address where nothing listens (the page is what is
    tested), with a token and a webhook secret the page must never see."""
    site = f"http://127.0.0.1:{free_port()}"
    path = user_config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    jira = {"site_url": site, "email": "me@example.com", "api_token": TOKEN}
    path.write_text(json.dumps({"jira": {**jira, "webhook_secret": HOOK_SECRET}}))
    (repo / PROJECT_FILE_NAME).write_text(json.dumps({"jira": {"jql": "project = WEB"}}))
    git(repo, "add", PROJECT_FILE_NAME)
    git(repo, "commit", "-q", "-m", "cco settings")
    app = build_app(log_to_file=False)
    try:
        with running_server(request.node.name) as running:
            yield running, app, site
    finally:
        app.close()


def test_a_jira_issue_is_shown_by_its_key_with_a_link(
    jira_server: tuple[Server, App, str], page: Any, shots: Shots, repo: Path
) -> None:
    server, app, site = jira_server
    task = app.tasks.add(title="Fix login", prompt="write a.txt ok", repo=repo).id
    url = f"{site}/browse/WEB-3"
    with app.store.write() as tx:
        link = tx.add_issue_link(
            IssueLink(task_id=task, tracker="jira", project="WEB", key="WEB-3", url=url)
        )
        tx.append_event(events.task_linked(link))

    open_dashboard(page, server, f"tasks/{task}")
    issue = page.get_by_test_id("task-issue-link")
    expect(issue).to_have_text("WEB-3")
    expect(issue).to_have_attribute("href", url)
    expect(issue).to_have_attribute("target", "_blank")
    expect(issue).to_have_attribute("rel", "noopener noreferrer")
    shots("task")

    page.evaluate("location.hash = '#/'")
    mine = card(page, task)
    expect(mine.get_by_test_id("card-issue")).to_have_text("WEB-3")
    expect(mine.get_by_test_id("card-issue")).to_have_attribute("href", url)
    shots("board")
    html = page.content()
    for secret in (TOKEN, HOOK_SECRET):
        assert secret not in html, secret
