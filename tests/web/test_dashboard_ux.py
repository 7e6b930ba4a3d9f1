"""The dashboard's defects a new user hit, each driven in Debian's Chromium against `cco up`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect

from tests.web.browser import (
    Server,
    Shots,
    add_task,
    card,
)

expect.set_options(timeout=15_000)


@pytest.mark.parametrize("server", [{"token": "s3cret-token"}], indirect=True)
def test_a_late_refusal_of_an_old_token_does_not_ask_again(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    """The race behind the flaky token test: requests sent with a wrong token are answered
    401 after the right one was given; that says nothing about the new token."""
    held: list[Any] = []
    holding = {"on": False}

    def hold(route: Any) -> None:
        if holding["on"]:
            held.append(route)
        else:
            route.continue_()

    page.route("**/api/**", hold)
    page.goto(f"{server.url}/")
    dialog = page.get_by_test_id("token-dialog")
    expect(dialog).to_be_visible()
    holding["on"] = True
    page.get_by_test_id("token-input").fill("not-the-token")
    page.get_by_test_id("token-submit").click()
    expect(dialog).to_be_visible()  # the events socket refused it: asked again
    deadline = time.monotonic() + 15
    while not held:  # the views' refetch with the wrong token, held back
        assert time.monotonic() < deadline, "no request was made with the wrong token"
        page.wait_for_timeout(20)
    holding["on"] = False
    page.get_by_test_id("token-input").fill("s3cret-token")
    page.get_by_test_id("token-submit").click()
    live = page.get_by_test_id("live-state")
    expect(live).to_have_attribute("data-state", "live")
    expect(dialog).to_have_count(0)

    late = '{"error": {"type": "Unauthorized", "message": "a valid token is required"}}'
    for route in held:  # the server's answers to the wrong token arrive now
        route.fulfill(status=401, content_type="application/json", body=late)
    # something the page can only show after it has read those answers
    task_id = add_task(server, repo, "After the late answers", "write t.txt t")
    expect(card(page, task_id)).to_be_visible(timeout=20_000)
    expect(dialog).to_have_count(0)
    expect(live).to_have_attribute("data-state", "live")
    shots("in")
