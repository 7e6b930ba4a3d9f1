"""The dashboard's Stats page in Chromium against the real `cco up`: the figures /api/stats
gives, per repository, and a task that moves is counted without a reload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect

from cc_orchestrator.bootstrap import App, build_app
from tests.web.browser import Server, Shots, assert_not_reloaded, open_dashboard, running_server


@pytest.fixture
def stats_server(fake_claude: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Server, App]]:
    app = build_app(log_to_file=False)
    try:
        with running_server(request.node.name) as running:
            yield running, app
    finally:
        app.close()


def test_stats_page_shows_the_fleet_and_follows_it(
    stats_server: tuple[Server, App], page: Any, shots: Shots, repo: Path
) -> None:
    server, app = stats_server
    open_dashboard(page, server, "stats")
    expect(page.get_by_test_id("no-stats")).to_be_visible()
    first = app.tasks.add(title="counted", prompt="x", repo=repo)
    totals = page.get_by_test_id("stats-totals").get_by_test_id("stats-row")
    expect(totals).to_have_count(1, timeout=6000)  # the task.created event, no reload
    expect(totals.locator("td").nth(1)).to_have_text("1")
    app.tasks.add(title="also counted", prompt="y", repo=repo, depends_on=[first.id])
    expect(totals.locator("td").nth(1)).to_have_text("2", timeout=6000)
    repos = page.get_by_test_id("stats-by-repo").get_by_test_id("stats-row")
    expect(repos).to_have_count(1)
    assert repos.nth(0).get_attribute("data-key") == str(repo)
    api = app.stats.report()
    assert api.totals.tasks == 2
    page.get_by_test_id("stats-since").select_option("1 day")
    expect(totals.locator("td").nth(1)).to_have_text("2")
    shots("stats")
    assert_not_reloaded(page)
