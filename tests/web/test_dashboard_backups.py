"""The dashboard's Backups page in Chromium against the real `cco up`: empty at first, "Back up
now" writes one into backup.dir and shows it, and one made elsewhere (the CLI) appears live
(its backup.made event, not a reload)."""

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
def backed_server(
    fake_claude: Path, request: pytest.FixtureRequest, repo: Path
) -> Iterator[tuple[Server, App]]:
    app = build_app(log_to_file=False)
    app.tasks.add(title="kept", prompt="x", repo=repo)
    try:
        with running_server(request.node.name) as running:
            yield running, app
    finally:
        app.close()


def test_back_up_now_and_a_backup_made_elsewhere_show(
    backed_server: tuple[Server, App], page: Any, shots: Shots
) -> None:
    server, app = backed_server
    open_dashboard(page, server, "backups")
    expect(page.get_by_test_id("no-backups")).to_be_visible()
    page.get_by_test_id("backup-now").click()
    cards = page.get_by_test_id("backup")
    expect(cards).to_have_count(1)
    expect(cards.nth(0).get_by_test_id("backup-meta")).to_contain_text("1 tasks")
    assert [b.path.name for b in app.backups.all()] == [cards.nth(0).get_attribute("data-name")]
    shots("backups")
    app.backups.make()  # as `cco backup` does, in another process
    expect(cards).to_have_count(2, timeout=4000)
    assert_not_reloaded(page)
