"""A task's GitHub side in Chromium against the real `cco up`: the task page links its issue and
its pull request (a new tab, no opener) with the checks and the CI round, the board's card
says "#12" and the PR's checks; a task.pr_checks event changes both while the page is open
(the live event, not a reload: the task views do not poll); a stored javascript: address is
text, never a link; and no GitHub secret reaches the page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.config import user_config_file
from tests.support.task_links import (
    ISSUES,
    PULLS,
    github_settings,
    link_issue,
    open_pull,
    set_checks,
)
from tests.web.browser import (
    Server,
    Shots,
    assert_not_reloaded,
    card,
    open_dashboard,
    running_server,
)
from tests.web.conftest import free_port

LIVE_MS = 4000
TOKEN = "ghp_DASHBOARDNEVERSEESTHIS0000000000"
HOOK_SECRET = "WEBHOOKSECRETNEVERSHOWN"
EVIL = "javascript:alert(document.domain)"


@pytest.fixture
def github_server(
    fake_claude: Path, repo: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[tuple[Server, App]]:
    """`cco up` with GitHub configured: a token and a webhook secret (that the page must never
    see), and an API address where nothing listens (no test ever talks to the real GitHub)."""
    path = user_config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    dead = f"http://127.0.0.1:{free_port()}"
    github = {"api_url": dead, "token": TOKEN, "webhook_secret": HOOK_SECRET}
    path.write_text(json.dumps({"github": github}))
    github_settings(repo, repository="acme/widgets", ci_rounds=3)
    monkeypatch.setenv("CC_ORCH_INSTANCES__MONITOR_INTERVAL_S", "0.2")
    app = build_app(log_to_file=False)
    try:
        with running_server(request.node.name) as running:
            yield running, app
    finally:
        app.close()


def add(app: App, repo: Path, title: str) -> str:
    return app.tasks.add(title=title, prompt=f"write {title.split()[0]}.txt ok", repo=repo).id


def test_the_task_and_its_card_show_the_issue_and_the_pr_live(
    github_server: tuple[Server, App], page: Any, shots: Shots, repo: Path
) -> None:
    server, app = github_server
    task = add(app, repo, "Fix login")
    link_issue(app, task, 12)
    open_pull(app, task, 3, checks="pending", ci_rounds=1, etag='W/"ETAGNOTSHOWN"')

    open_dashboard(page, server, f"tasks/{task}")
    issue = page.get_by_test_id("task-issue-link")
    expect(issue).to_have_text("acme/widgets#12")
    expect(issue).to_have_attribute("href", f"{ISSUES}/12")
    expect(issue).to_have_attribute("target", "_blank")
    expect(issue).to_have_attribute("rel", "noopener noreferrer")
    pr = page.get_by_test_id("task-pr-link")
    expect(pr).to_have_text("PR #3 · open · checks … pending · CI round 1/3")
    expect(pr).to_have_attribute("href", f"{PULLS}/3")
    expect(pr).to_have_attribute("target", "_blank")
    expect(pr).to_have_attribute("rel", "noopener noreferrer")
    expect(page.get_by_test_id("task-pr")).to_have_attribute("data-checks", "pending")
    # its agent's turn over, nothing else about the task changes: only task.pr_checks can
    # refresh the page now (the task views never poll)
    expect(page.get_by_test_id("task-status")).to_have_attribute(
        "data-status", "review", timeout=60_000
    )
    shots("pending")
    # an open pull request lands by merging on GitHub: no Approve, but its branch can catch up
    expect(page.get_by_test_id("action-update-branch")).to_be_visible()
    expect(page.get_by_test_id("action-approve")).to_have_count(0)

    set_checks(app, task, "failure", failing=["tests"])  # as the PR watch records it
    expect(pr).to_have_text("PR #3 · open · checks ✗ failure · CI round 1/3", timeout=LIVE_MS)
    expect(page.get_by_test_id("task-pr")).to_have_attribute("data-checks", "failure")
    shots("failure")

    page.evaluate("location.hash = '#/'")
    mine = card(page, task)
    expect(mine.get_by_test_id("card-issue")).to_have_text("#12")
    expect(mine.get_by_test_id("card-issue")).to_have_attribute("href", f"{ISSUES}/12")
    badge = mine.get_by_test_id("card-pr-link")
    expect(badge).to_have_text("PR #3 ✗")
    expect(badge).to_have_attribute("href", f"{PULLS}/3")
    expect(badge).to_have_attribute("rel", "noopener noreferrer")
    set_checks(app, task, "success")
    expect(badge).to_have_text("PR #3 ✓", timeout=LIVE_MS)
    expect(mine.get_by_test_id("card-pr")).to_have_attribute("data-checks", "success")
    shots("board")

    html = page.content()
    for secret in (TOKEN, HOOK_SECRET, "ETAGNOTSHOWN"):
        assert secret not in html, secret
    assert_not_reloaded(page)


def test_a_javascript_address_is_text(
    github_server: tuple[Server, App], page: Any, shots: Shots, repo: Path
) -> None:
    server, app = github_server
    task = add(app, repo, "Odd links")
    link_issue(app, task, 13, url=EVIL)
    open_pull(app, task, 4, url=" JavaScript:alert(1)", checks="failure")
    plain = add(app, repo, "Plain task")  # nothing outside: no links line at all

    open_dashboard(page, server, f"tasks/{task}")
    issue = page.get_by_test_id("task-issue-link")
    expect(issue).to_have_text("acme/widgets#13")
    assert issue.evaluate("e => e.tagName") == "SPAN"
    assert issue.get_attribute("href") is None
    pr = page.get_by_test_id("task-pr-link")
    expect(pr).to_have_text("PR #4 · open · checks ✗ failure")
    assert pr.evaluate("e => e.tagName") == "SPAN"
    shots("task")

    page.evaluate("location.hash = '#/'")
    odd = card(page, task)
    expect(odd.get_by_test_id("card-issue")).to_have_text("#13")
    assert odd.get_by_test_id("card-issue").evaluate("e => e.tagName") == "SPAN"
    assert odd.get_by_test_id("card-pr-link").evaluate("e => e.tagName") == "SPAN"
    expect(card(page, plain)).to_be_visible()
    expect(card(page, plain).get_by_test_id("card-links")).to_have_count(0)
    hrefs = page.evaluate("[...document.querySelectorAll('a[href]')].map(e => e.href)")
    assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:"))]
    shots("board")

    page.evaluate(f"location.hash = '#/tasks/{plain}'")
    expect(page.get_by_test_id("task-page")).to_have_attribute("data-id", plain)
    expect(page.get_by_test_id("task-links")).to_have_count(0)
    assert_not_reloaded(page)
