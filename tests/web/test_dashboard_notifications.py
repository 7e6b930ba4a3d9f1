"""The dashboard's Notifications view in Chromium against the real `cco up`: a delivery that
fails while the page is open shows up live (the `delivery.failed` event, not a poll), the
summary says so, Retry sends it again, and no channel address reaches the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain import events
from cc_orchestrator.domain.outbox import DeliveryStatus
from tests.support.deliveries import SECRETS, seed, write_channels
from tests.support.receivers import WebhookReceiver
from tests.web.browser import Server, Shots, assert_not_reloaded, open_dashboard, running_server
from tests.web.conftest import free_port

D = DeliveryStatus
LIVE_MS = 4000  # well under the view's 15 s poll: only the live event can be this quick


@pytest.fixture
def notified_server(
    fake_claude: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[tuple[Server, App]]:
    """`cco up` with a webhook channel whose receiver is not there (nothing listens on its
    port): whatever is retried stays pending, with its reason."""
    dead = f"http://127.0.0.1:{free_port()}/hooks/HOOKPATHSECRET"
    write_channels(
        [
            {"name": "team", "url": "https://hooks.slack.com/services/T0/B0/SLACKPATHSECRET"},
            {"name": "hook", "type": "webhook", "url": dead, "secret": "HMACSECRET"},
        ],
        retry_initial_s=60,
    )
    monkeypatch.setenv("CC_ORCH_INSTANCES__MONITOR_INTERVAL_S", "0.2")
    app = build_app(log_to_file=False)
    try:
        with running_server(request.node.name) as running:
            yield running, app
    finally:
        app.close()


def fail(app: App, title: str, error: str) -> int:
    """A delivery failed as the outbox fails one: its status and its event."""
    delivery_id = seed(app, D.FAILED, channel="hook", title=title, error=error)
    with app.store.write() as tx:
        tx.append_event(
            events.delivery_failed(
                delivery_id, subscriber="notifications", channel="hook", kind="failed", error=error
            )
        )
    return delivery_id


def test_a_failed_delivery_shows_live_and_is_retried(
    notified_server: tuple[Server, App], page: Any, shots: Shots
) -> None:
    server, app = notified_server
    sent = seed(app, D.SENT, channel="team", title="Old news (t-0) is done")
    open_dashboard(page, server, "notifications")
    channels = page.get_by_test_id("channel")
    expect(channels).to_have_count(2)
    expect(channels.nth(0).get_by_test_id("channel-where")).to_have_text(
        "https://hooks.slack.com/…"
    )
    hook = channels.nth(1).get_by_test_id("channel-where")
    expect(hook).to_have_text(re.compile(r"^http://127\.0\.0\.1:\d+/…$"))
    expect(page.get_by_test_id("delivery")).to_have_count(1)
    expect(page.get_by_test_id("retry-all-failed")).to_have_count(0)
    expect(page.get_by_test_id("failed-deliveries")).to_have_count(0)

    first = fail(app, "Fix login (t-1) failed", "HTTP 410 from 127.0.0.1")
    second = fail(app, "Add tests (t-2) failed", "gave up after 9 attempts: connection refused")
    cards = page.get_by_test_id("delivery")
    expect(cards).to_have_count(3, timeout=LIVE_MS)
    # failed first, the newest of them on top
    expect(cards.nth(0)).to_have_attribute("data-id", str(second))
    expect(cards.nth(1)).to_have_attribute("data-id", str(first))
    expect(cards.nth(2)).to_have_attribute("data-id", str(sent))
    expect(cards.nth(1).get_by_test_id("delivery-error")).to_have_text("HTTP 410 from 127.0.0.1")
    expect(cards.nth(2).get_by_test_id("delivery-retry")).to_have_count(0)  # sent: no retry
    summary = page.get_by_test_id("failed-deliveries")
    expect(summary).to_have_text("⚠ 2 notifications failed", timeout=LIVE_MS)
    expect(page.get_by_test_id("needs-you")).to_contain_text("2 notifications failed")
    shots("failed")

    cards.nth(1).get_by_test_id("delivery-retry").click()
    retried = page.locator(f'[data-testid="delivery"][data-id="{first}"]')
    expect(retried).to_have_attribute("data-status", "pending")
    expect(retried.get_by_test_id("delivery-retry")).to_have_count(0)
    expect(summary).to_have_text("⚠ 1 notification failed")
    assert app.notifications.get(first).status == D.PENDING
    assert app.notifications.get(second).status == D.FAILED

    page.get_by_test_id("retry-all-failed").click()
    expect(page.locator('[data-testid="delivery"][data-status="failed"]')).to_have_count(0)
    expect(page.get_by_test_id("retry-all-failed")).to_have_count(0)
    expect(summary).to_have_count(0)
    assert app.notifications.get(second).status == D.PENDING

    page.get_by_test_id("delivery-filter").select_option("sent")
    expect(cards).to_have_count(1)
    expect(cards.nth(0)).to_have_attribute("data-id", str(sent))
    shots("filtered")
    html = page.content()
    for secret in SECRETS:
        assert secret not in html, secret
    assert_not_reloaded(page)


@pytest.fixture
def receiving_server(
    fake_claude: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    webhook_receiver: WebhookReceiver,
) -> Iterator[tuple[Server, App]]:
    """`cco up` with a webhook channel whose receiver takes what it is sent."""
    write_channels(
        [
            {
                "name": "hook",
                "type": "webhook",
                "url": webhook_receiver.url,
                "secret": webhook_receiver.key,
            }
        ]
    )
    monkeypatch.setenv("CC_ORCH_INSTANCES__MONITOR_INTERVAL_S", "0.2")
    app = build_app(log_to_file=False)
    try:
        with running_server(request.node.name) as running:
            yield running, app
    finally:
        app.close()


def test_a_retried_delivery_reaches_its_receiver(
    receiving_server: tuple[Server, App], webhook_receiver: WebhookReceiver, page: Any
) -> None:
    server, app = receiving_server
    open_dashboard(page, server, "notifications")
    first = fail(app, "Fix login (t-1) failed", "HTTP 503 from 127.0.0.1 (gave up)")
    second = fail(app, "Add tests (t-2) failed", "HTTP 503 from 127.0.0.1 (gave up)")
    cards = page.get_by_test_id("delivery")
    expect(cards).to_have_count(2, timeout=LIVE_MS)
    page.locator(f'[data-testid="delivery"][data-id="{first}"]').get_by_test_id(
        "delivery-retry"
    ).click()
    # the daemon sends it; the view looks again while it does (no event says "sent")
    sent = page.locator('[data-testid="delivery"][data-status="sent"]')
    expect(sent).to_have_count(1, timeout=LIVE_MS)
    expect(sent).to_have_attribute("data-id", str(first))
    (got,) = webhook_receiver.wait_for(1)
    assert got.dedupe_key == app.notifications.get(first).dedupe_key
    assert got.body["message"]["title"] == "Fix login (t-1) failed"
    page.get_by_test_id("retry-all-failed").click()
    expect(sent).to_have_count(2, timeout=LIVE_MS)
    assert webhook_receiver.wait_for(2)[1].dedupe_key == app.notifications.get(second).dedupe_key
    assert webhook_receiver.duplicates() == []
    expect(page.get_by_test_id("failed-deliveries")).to_have_count(0)
    counts = page.get_by_test_id("channel-counts")
    expect(counts).to_contain_text("sent")
    expect(counts).not_to_contain_text("failed")


def test_a_new_task_names_its_channels(
    notified_server: tuple[Server, App], page: Any, shots: Shots, repo: Path
) -> None:
    server, _app = notified_server
    open_dashboard(page, server)
    page.get_by_test_id("new-task-toggle").click()
    page.get_by_test_id("task-title").fill("Tell the hook")
    page.get_by_test_id("task-prompt").fill("write done.txt ok")
    page.get_by_test_id("task-repo").fill(str(repo))
    boxes = page.get_by_test_id("task-notify-channel")
    expect(boxes).to_have_count(2)
    page.get_by_test_id("task-notify").get_by_label("hook").check()
    shots("form")
    page.get_by_test_id("task-submit").click()
    expect(page.get_by_test_id("task-form")).to_be_hidden()
    (task,) = server.api("GET", "/api/tasks")
    assert task["title"] == "Tell the hook" and task["notify"] == ["hook"]
    page.get_by_test_id("task-card").filter(has_text="Tell the hook").get_by_test_id(
        "task-link"
    ).click()
    expect(page.get_by_text("notifies")).to_be_visible()
