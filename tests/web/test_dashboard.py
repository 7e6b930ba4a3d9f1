"""The dashboard in a real browser against the real daemon and API (`cco up`), with fake agents.

Every status change here reaches the page through the events WebSocket: no test reloads.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect

from tests.web.browser import (
    PHONE,
    Server,
    Shots,
    add_task,
    assert_not_reloaded,
    card,
    no_horizontal_scroll,
    open_dashboard,
    running_server,
)

expect.set_options(timeout=15_000)


def test_create_a_task_on_the_board_and_watch_it_live(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    open_dashboard(page, server)
    expect(page.get_by_test_id("daemon")).to_have_attribute("data-state", "running")
    shots("empty-board")

    page.get_by_test_id("new-task-toggle").click()
    page.get_by_test_id("task-title").fill("Say hello")
    page.get_by_test_id("task-prompt").fill("sleep 2; write hello.txt hi from the dashboard")
    page.get_by_test_id("task-repo").fill(str(repo))
    page.get_by_test_id("task-base").fill("main")
    page.get_by_test_id("task-priority").fill("2")
    shots("form")
    page.get_by_test_id("task-submit").click()
    expect(page.get_by_test_id("task-form")).to_be_hidden()

    task = page.get_by_test_id("task-card").filter(has_text="Say hello")
    expect(task).to_have_attribute("data-status", "running")
    expect(page.get_by_test_id("column-running").get_by_test_id("task-card")).to_have_count(1)
    shots("running")
    expect(task).to_have_attribute("data-status", "review", timeout=20_000)
    expect(page.get_by_test_id("column-review")).to_contain_text("Say hello")
    expect(page.get_by_test_id("needs-you")).to_contain_text("review: Say hello")
    shots("review")
    assert_not_reloaded(page)

    task.get_by_test_id("task-link").click()
    expect(page.get_by_test_id("task-status")).to_have_text("review")
    expect(page.get_by_test_id("task-prompt-text")).to_contain_text("write hello.txt")
    expect(page.get_by_test_id("task-branch")).not_to_be_empty()
    expect(page.get_by_test_id("task-diffstat")).to_contain_text("hello.txt")
    log = page.get_by_test_id("log-line")
    expect(log.filter(has_text="hello.txt").first).to_be_visible()
    terminal = page.get_by_test_id("terminal")
    expect(terminal).to_have_attribute("data-state", "live")
    terminal.scroll_into_view_if_needed()  # xterm.js draws only what is on screen
    expect(terminal.locator(".xterm-rows")).to_contain_text("Write(hello.txt)")
    shots("task-page")
    assert_not_reloaded(page)


def test_answer_a_waiting_instance_from_the_page(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    open_dashboard(page, server, "instances")
    busy = add_task(server, repo, "Keep busy", "sleep 20")
    expect(page.locator('[data-testid="instance-card"][data-status="working"]')).to_have_count(1)
    asking = add_task(server, repo, "Needs permission", "ask touch ok.txt")

    waiting = page.locator('[data-testid="instance-card"][data-status="waiting_input"]')
    expect(waiting).to_have_count(1)
    # those waiting for input come first, and the summary says who needs you
    expect(page.get_by_test_id("instance-card").first).to_have_attribute(
        "data-status", "waiting_input"
    )
    expect(waiting).to_contain_text("Needs permission")
    needs = page.get_by_test_id("needs-you-item").filter(has_text="instance")
    expect(needs).to_have_count(1)
    shots("waiting")

    # a digit typed into the dialog would pick whatever its option 1 is: the send box refuses
    # and says to answer it (the fake draws no dialog cco can read whole, so it offers no
    # choice; test_real_claude_dashboard_answer answers the real one from the page)
    waiting.get_by_test_id("send-text").fill("1")
    waiting.get_by_test_id("send-submit").click()
    expect(page.get_by_test_id("toast").filter(has_text="asking permission")).to_be_visible()
    expect(waiting).to_have_count(1)
    inst_id = waiting.get_attribute("data-id")
    assert inst_id, "the card names its instance"
    server.api("POST", f"/api/instances/{inst_id}/send", {"text": "1", "force": True})
    expect(
        page.locator('[data-testid="instance-card"][data-status="waiting_input"]')
    ).to_have_count(0)
    expect(needs).to_have_count(0)

    page.get_by_test_id("nav-board").click()
    expect(card(page, asking)).to_have_attribute("data-status", "review", timeout=20_000)
    expect(card(page, busy)).to_have_attribute("data-status", "running")
    shots("answered")
    done = server.task(asking)
    assert done["files_changed"] == 1, done
    assert "ok.txt" in (done["diff_stat"] or ""), done
    assert_not_reloaded(page)


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_phone_layout_has_no_horizontal_scroll(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    long_word = "a-very-long-title-without-any-space-" * 4
    first = add_task(server, repo, long_word, "write notes.txt " + "x" * 300)
    busy = add_task(server, repo, "Keep busy", "sleep 30")
    add_task(server, repo, "Then the docs", "write docs.txt docs", depends_on=[first, busy])
    open_dashboard(page, server)
    expect(card(page, first)).to_have_attribute("data-status", "review", timeout=20_000)
    expect(page.get_by_test_id("task-deps")).to_contain_text(long_word[:20])
    # the columns stack in the flow's order: one above the other, as wide as the page allows
    expect(card(page, busy)).to_have_attribute("data-status", "running")
    flow = ("pending", "running", "review")
    boxes = [page.get_by_test_id(f"column-{s}").bounding_box() for s in flow]
    assert len({round(b["x"]) for b in boxes}) == 1, boxes
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"], boxes
    no_horizontal_scroll(page)
    shots("board")

    page.get_by_test_id("new-task-toggle").click()
    expect(page.get_by_test_id("task-form")).to_be_visible()
    no_horizontal_scroll(page)
    shots("form")

    card(page, first).get_by_test_id("task-link").click()
    expect(page.get_by_test_id("task-status")).to_have_text("review")
    expect(page.get_by_test_id("log-line").first).to_be_visible()
    terminal = page.get_by_test_id("terminal")
    expect(terminal).to_have_attribute("data-state", "live")
    terminal.scroll_into_view_if_needed()
    expect(terminal.locator(".xterm-rows")).to_contain_text("Write(notes.txt)")
    no_horizontal_scroll(page)
    shots("task-page")

    page.get_by_test_id("nav-instances").click()
    expect(page.get_by_test_id("instance-card").first).to_be_attached()
    no_horizontal_scroll(page)
    shots("instances")


def test_approve_from_the_task_page_merges_it(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    task_id = add_task(server, repo, "Add the changelog", "write CHANGELOG.md first entry")
    open_dashboard(page, server, f"tasks/{task_id}")
    status = page.get_by_test_id("task-status")
    expect(status).to_have_text("review", timeout=20_000)
    shots("review")

    page.get_by_test_id("action-approve").click()
    expect(status).to_have_text("done")
    expect(page.get_by_test_id("task-reason")).to_contain_text("merged into main")
    expect(page.get_by_test_id("action-approve")).to_have_count(0)
    shots("done")
    shown = subprocess.run(
        ["git", "show", "main:CHANGELOG.md"], cwd=repo, capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "first entry"
    assert_not_reloaded(page)


@pytest.mark.parametrize("server", [{"token": "s3cret-token"}], indirect=True)
def test_the_page_asks_for_the_token_and_keeps_it(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    page.goto(f"{server.url}/")
    live = page.get_by_test_id("live-state")
    expect(page.get_by_test_id("token-dialog")).to_be_visible()
    expect(live).to_have_attribute("data-state", "unauthorized")
    shots("asked")

    page.get_by_test_id("token-input").fill("not-the-token")
    page.get_by_test_id("token-submit").click()
    expect(page.get_by_test_id("token-error")).to_be_visible()  # told, and asked again
    expect(page.get_by_test_id("token-dialog")).to_be_visible()
    page.get_by_test_id("token-input").fill("s3cret-token")
    page.get_by_test_id("token-submit").click()
    expect(page.get_by_test_id("token-dialog")).to_be_hidden()
    expect(live).to_have_attribute("data-state", "live")
    expect(page.get_by_test_id("daemon")).to_have_attribute("data-state", "running")
    task_id = add_task(server, repo, "Behind a token", "write t.txt t")
    expect(card(page, task_id)).to_have_attribute("data-status", "review", timeout=20_000)
    shots("in")

    assert "cco_token" not in page.evaluate("document.cookie")  # HttpOnly: no script reads it
    page.reload()  # the login is kept as the cco_token cookie
    expect(live).to_have_attribute("data-state", "live")
    expect(card(page, task_id)).to_be_visible()
    expect(page.get_by_test_id("token-dialog")).to_have_count(0)


def test_edit_a_waiting_task_from_its_card(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    first = add_task(server, repo, "First part", "sleep 20")
    second = add_task(server, repo, "Second part", "write b.txt b", depends_on=[first])
    open_dashboard(page, server)
    expect(card(page, second)).to_have_attribute("data-status", "pending")
    expect(card(page, second).get_by_test_id("task-deps")).to_contain_text("First part")

    card(page, second).get_by_test_id("action-edit").click()
    dialog = page.get_by_test_id("edit-dialog")
    dialog.get_by_test_id("edit-title").fill("Second part, renamed")
    dialog.get_by_test_id("edit-prompt").fill("write b.txt edited")
    dialog.get_by_test_id("edit-priority").fill("5")
    shots("edit")
    dialog.get_by_test_id("edit-save").click()
    expect(dialog).to_have_count(0)
    expect(card(page, second).get_by_test_id("task-link")).to_have_text("Second part, renamed")
    expect(card(page, second)).to_contain_text("p5")
    edited = server.task(second)
    assert (edited["prompt"], edited["priority"]) == ("write b.txt edited", 5)
    shots("edited")
    assert_not_reloaded(page)


def test_reject_with_feedback_runs_the_task_again(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    task_id = add_task(server, repo, "First part", "write a.txt a")
    open_dashboard(page, server)
    expect(card(page, task_id)).to_have_attribute("data-status", "review", timeout=20_000)
    card(page, task_id).get_by_test_id("action-reject").click()
    dialog = page.get_by_test_id("reject-dialog")
    dialog.get_by_test_id("reject-feedback").fill("sleep 1; write a2.txt more")
    shots("reject")
    dialog.get_by_test_id("reject-submit").click()
    expect(dialog).to_have_count(0)
    try:
        expect(card(page, task_id)).to_have_attribute("data-status", "running")
        expect(card(page, task_id)).to_have_attribute("data-status", "review", timeout=20_000)
    finally:
        shots("after-feedback")
    again = server.task(task_id)
    assert again["feedback"] == "sleep 1; write a2.txt more"
    assert "a2.txt" in (again["diff_stat"] or ""), again
    assert_not_reloaded(page)


def test_live_updates_resume_after_the_server_restarts(
    fake_claude: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    page: Any,
    shots: Shots,
    repo: Path,
) -> None:
    monkeypatch.setenv("CC_ORCH_INSTANCES__MONITOR_INTERVAL_S", "0.2")
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    live = page.get_by_test_id("live-state")
    with running_server(f"{request.node.name}-1") as first:
        open_dashboard(page, first)
        before = add_task(first, repo, "Before the restart", "write a.txt a")
        expect(card(page, before)).to_have_attribute("data-status", "review", timeout=20_000)
        port = int(first.url.rsplit(":", 1)[1])
    expect(live).not_to_have_attribute("data-state", "live")
    shots("offline")
    with running_server(f"{request.node.name}-2", port=port) as second:
        expect(live).to_have_attribute("data-state", "live", timeout=20_000)
        after = add_task(second, repo, "After the restart", "write b.txt b")
        expect(card(page, after)).to_have_attribute("data-status", "review", timeout=20_000)
        expect(card(page, before)).to_have_attribute("data-status", "review")
        shots("resumed")
        assert_not_reloaded(page)
    resumed = [u for u in sockets if "/api/ws?after_id=" in u]
    assert resumed, f"the page never reconnected with after_id: {sockets}"


def test_the_buttons_are_the_actions_the_server_offers(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    """The page offers what `actions` says, not what it guesses from a status: a stopped agent
    can be restarted while its worktree is there, and no more once an approve removed it."""
    task_id = add_task(server, repo, "Offered", "write a.txt a")
    open_dashboard(page, server)
    expect(card(page, task_id)).to_have_attribute("data-status", "review", timeout=20_000)
    buttons = card(page, task_id).get_by_test_id("task-actions").locator("button")
    expect(buttons).to_have_count(4)  # approve, reject, cancel, edit
    inst_id = server.task(task_id)["instance_id"]
    shown = server.api("GET", f"/api/instances/{inst_id}")
    assert shown["status"] == "stopped" and shown["actions"] == ["restart"]

    page.goto(server.url + f"/#/instances/{inst_id}")
    panel = page.get_by_test_id("instance-page")
    expect(panel).to_have_attribute("data-status", "stopped")
    expect(panel.get_by_test_id("instance-restart")).to_be_visible()
    expect(panel.get_by_test_id("instance-stop")).to_have_count(0)
    expect(panel.get_by_test_id("send-form")).to_have_count(0)

    done = server.api("POST", f"/api/tasks/{task_id}/approve")
    assert done["status"] == "done" and done["finished"]
    assert done["actions"] == ["edit", "depend_on"]
    assert server.api("GET", f"/api/instances/{inst_id}")["actions"] == []  # worktree gone
    page.goto(server.url + "/#/")
    expect(card(page, task_id)).to_have_attribute("data-status", "done")
    expect(card(page, task_id).get_by_test_id("task-actions").locator("button")).to_have_count(0)
    page.goto(server.url + f"/#/instances/{inst_id}")
    expect(page.get_by_test_id("instance-worktree")).to_have_text("removed")
    expect(page.get_by_test_id("instance-restart")).to_have_count(0)
    shots("nothing-to-offer")
