"""The dashboard's defects a new user hit, each driven in Debian's Chromium against `cco up`:
the instance's own page, the board's order and layout, the "Needs you" banner, the send box,
plural forms, and a late 401 that asked for the token again."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect

from tests.conftest import wait_for
from tests.web.browser import (
    PHONE,
    Server,
    Shots,
    add_task,
    assert_not_reloaded,
    card,
    no_horizontal_scroll,
    open_dashboard,
)

expect.set_options(timeout=15_000)


def test_an_unknown_instance_gets_a_not_found_page(server: Server, page: Any) -> None:
    open_dashboard(page, server, "instances/no-such-agent")
    shown = page.get_by_test_id("instance-page")
    expect(shown.get_by_test_id("load-error")).to_contain_text("no instance 'no-such-agent'")
    expect(page.get_by_test_id("instances")).to_have_count(0)  # not the list, silently
    expect(shown.get_by_role("link", name="← Instances")).to_be_visible()


def test_an_instance_has_its_own_page(server: Server, page: Any, shots: Shots, repo: Path) -> None:
    task_id = add_task(server, repo, "Write the notes", "write notes.txt some notes")
    open_dashboard(page, server, "instances")
    link = page.get_by_test_id("instance-card").get_by_test_id("instance-link")
    expect(link).to_have_count(1)
    expect(card(page, task_id)).to_have_count(0)  # the instances view, not the board
    inst = server.api("GET", "/api/instances")[0]

    def its_worktree() -> dict[str, Any] | None:  # set once the worktree is made
        wt_id = server.api("GET", f"/api/instances/{inst['id']}")["worktree_id"]
        return next((w for w in server.api("GET", "/api/worktrees") if w["id"] == wt_id), None)

    wt = wait_for(its_worktree, what="the instance's worktree")
    link.click()

    shown = page.get_by_test_id("instance-page")
    expect(shown).to_have_attribute("data-id", inst["id"])
    expect(page.get_by_test_id("instance-name")).to_have_text(inst["name"])
    expect(page.get_by_test_id("instance-task")).to_have_text("Write the notes")
    expect(page.get_by_test_id("instance-worktree")).to_have_text(wt["path"])
    expect(page.get_by_test_id("instance-branch")).to_have_text(wt["branch"])
    # the history follows the instance live: from starting to its stop once the task is in review
    expect(page.get_by_test_id("instance-page-status")).to_have_text("stopped", timeout=20_000)
    history = page.get_by_test_id("history-item")
    expect(history.filter(has_text="created")).to_have_count(1)
    expect(history.and_(page.locator('[data-status="working"]')).first).to_be_attached()
    expect(history.and_(page.locator('[data-status="idle"]')).first).to_be_attached()
    expect(history.first).to_have_attribute("data-status", "stopped")  # newest first
    expect(page.get_by_test_id("log-line").filter(has_text="notes.txt").first).to_be_visible()
    terminal = page.get_by_test_id("terminal")
    expect(terminal).to_have_attribute("data-state", "live")
    terminal.scroll_into_view_if_needed()
    expect(terminal.locator(".xterm-rows")).to_contain_text("Write(notes.txt)")
    expect(shown.get_by_test_id("instance-restart")).to_be_visible()
    shots("instance-page")

    page.get_by_test_id("instance-task").click()
    expect(page.get_by_test_id("task-page")).to_have_attribute("data-id", task_id)
    assert_not_reloaded(page)


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_the_instance_page_fits_a_phone(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    spawned = server.api(
        "POST", "/api/instances", {"repo": str(repo), "base": "main", "prompt": "write a.txt a"}
    )
    open_dashboard(page, server, f"instances/{spawned['id']}")
    expect(page.get_by_test_id("instance-page-status")).to_have_text("idle", timeout=20_000)
    expect(page.get_by_test_id("instance-worktree")).to_contain_text("/worktrees/")
    expect(page.get_by_test_id("history-item").first).to_be_visible()
    expect(page.get_by_test_id("terminal")).to_have_attribute("data-state", "live")
    no_horizontal_scroll(page)
    shots("instance-page")


def test_enter_sends_and_shift_enter_starts_a_new_line(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    spawned = server.api("POST", "/api/instances", {"repo": str(repo), "base": "main"})
    open_dashboard(page, server, f"instances/{spawned['id']}")
    expect(page.get_by_test_id("instance-page-status")).to_have_text("idle", timeout=20_000)
    hint = page.get_by_test_id("send-hint")
    expect(hint).to_have_text("Enter sends · Shift+Enter for a new line")
    box = page.get_by_test_id("send-text")
    box.fill("first line")
    box.press("Shift+Enter")
    expect(box).to_have_value("first line\n")  # a new line, nothing sent
    box.fill("write sent.txt from the Enter key")
    shots("typed")
    box.press("Enter")
    expect(box).to_have_value("")  # sent, and the box is empty again
    expect(page.get_by_test_id("history-item").filter(has_text="prompt sent")).to_have_count(1)
    inputs = [
        e
        for e in server.api("GET", f"/api/events?entity_id={spawned['id']}")
        if e["kind"] == "instance.input"
    ]
    assert [e["data"]["chars"] for e in inputs] == [len("write sent.txt from the Enter key")]
    assert_not_reloaded(page)


def test_the_board_follows_the_flow_and_says_it_in_words(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    busy = add_task(server, repo, "Keep busy", "sleep 30")
    reviewed = add_task(server, repo, "One file", "write one.txt one")
    waiting = add_task(server, repo, "After the busy one", "write two.txt two", depends_on=[busy])
    open_dashboard(page, server)
    expect(card(page, reviewed)).to_have_attribute("data-status", "review", timeout=20_000)
    expect(card(page, busy)).to_have_attribute("data-status", "running")
    expect(card(page, waiting)).to_have_attribute("data-status", "pending")
    # left to right as a task goes: pending, running, review
    flow = ("pending", "running", "review")
    boxes = [page.get_by_test_id(f"column-{s}").bounding_box() for s in flow]
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"], boxes
    assert len({round(b["y"]) for b in boxes}) == 1, boxes
    # one change, said as such (not "1 files")
    meta = card(page, reviewed).locator(".meta")
    expect(meta).to_contain_text("1 file +1")
    expect(meta).not_to_contain_text("1 files")
    expect(card(page, reviewed).locator(".reason")).to_have_text("1 commit, 1 file changed")
    shots("board")
    assert_not_reloaded(page)


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_empty_columns_fold_into_one_row_on_a_phone(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    task_id = add_task(server, repo, "Only one", "write a.txt a")
    open_dashboard(page, server)
    expect(card(page, task_id)).to_have_attribute("data-status", "review", timeout=20_000)
    empty = ["pending", "blocked", "ready", "running", "needs_input", "failed", "done", "cancelled"]
    boxes = [page.get_by_test_id(f"column-{s}").bounding_box() for s in empty]
    review = page.get_by_test_id("column-review").bounding_box()
    rows = {round(b["y"]) for b in boxes}
    assert len(rows) <= 2, f"the empty columns take {len(rows)} rows: {boxes}"
    tallest = max(b["height"] for b in boxes)
    assert tallest < review["height"], (tallest, review)
    no_horizontal_scroll(page)
    shots("board")


def test_needs_you_puts_questions_first_and_shows_a_few(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    reviews = [add_task(server, repo, f"Change {n}", f"write f{n}.txt {n}") for n in range(5)]
    open_dashboard(page, server)
    for task_id in reviews:
        expect(card(page, task_id)).to_have_attribute("data-status", "review", timeout=30_000)
    add_task(server, repo, "Needs permission", "ask touch ok.txt")
    needs = page.get_by_test_id("needs-you")
    expect(needs.locator("h2")).to_have_text("Needs you (6)", timeout=20_000)
    items = page.get_by_test_id("needs-you-item")
    expect(items).to_have_count(5)
    expect(items.first).to_have_attribute("data-kind", "instance")
    expect(page.get_by_test_id("needs-you-more")).to_contain_text("and 1 more")
    # the board still starts near the top of a phone-sized screen's worth of page
    board = page.get_by_test_id("board").bounding_box()
    assert board["y"] < 450, board
    shots("needs-you")
    assert_not_reloaded(page)


@pytest.mark.parametrize("server", [{"token": "s3cret-token"}], indirect=True)
def test_a_late_refusal_of_an_old_token_does_not_ask_again(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    """The race behind the flaky token test: requests the page sent before the login are
    answered 401 after it; that says nothing about the new login."""
    held: list[Any] = []
    holding = {"on": True}

    def hold(route: Any) -> None:
        if holding["on"] and not route.request.url.endswith("/api/login"):
            held.append(route)
        else:
            route.continue_()

    page.route("**/api/**", hold)
    page.goto(f"{server.url}/")
    dialog = page.get_by_test_id("token-dialog")
    expect(dialog).to_be_visible()  # the events socket refused it (sockets are not held)
    deadline = time.monotonic() + 15
    while not held:  # the views' first requests, sent with no login, held back
        assert time.monotonic() < deadline, "no request was made before the login"
        page.wait_for_timeout(20)
    holding["on"] = False
    page.get_by_test_id("token-input").fill("s3cret-token")
    page.get_by_test_id("token-submit").click()
    live = page.get_by_test_id("live-state")
    expect(live).to_have_attribute("data-state", "live")
    expect(dialog).to_have_count(0)

    late = '{"error": {"type": "Unauthorized", "message": "a valid token is required"}}'
    for route in held:  # the server's answers to the requests sent before the login arrive now
        route.fulfill(status=401, content_type="application/json", body=late)
    # something the page can only show after it has read those answers
    task_id = add_task(server, repo, "After the late answers", "write t.txt t")
    expect(card(page, task_id)).to_be_visible(timeout=20_000)
    expect(dialog).to_have_count(0)
    expect(live).to_have_attribute("data-state", "live")
    shots("in")
