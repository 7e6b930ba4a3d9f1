"""Coordination on the dashboard, in Chromium against the real `cco up`: a subtask's card
names its parent, the coordinator's card shows its agent's progress line, and the task page
lists messages and queues one typed there (live, without a reload)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect

from cc_orchestrator.bootstrap import build_app
from tests.conftest import wait_for
from tests.web.browser import Server, Shots, assert_not_reloaded, card, open_dashboard


def test_subtask_progress_and_messages_on_the_board_and_the_task_page(
    server: Server, page: Any, shots: Shots, repo: Path
) -> None:
    body = {"title": "Coordinator", "prompt": "sleep 60", "repo": str(repo), "base": "main"}
    boss = server.api("POST", "/api/tasks", body)["id"]
    wait_for(
        lambda: server.task(boss)["instance_id"] and server.task(boss)["status"] == "running",
        timeout=60,
    )
    app = build_app(log_to_file=False)
    try:
        agent = app.coordination.agent(server.task(boss)["instance_id"])
        sub = app.coordination.create_task(agent, title="Part one", prompt="sleep 60")
        open_dashboard(page, server)
        expect(card(page, sub.id).get_by_test_id("task-parent")).to_contain_text("Coordinator")
        app.coordination.report_progress(agent, "split into parts, waiting")
        expect(card(page, boss).get_by_test_id("task-progress")).to_have_text(
            "split into parts, waiting"
        )
        app.coordination.send_message(agent, sub.id, "start with the parser")
        shots("board")
        card(page, sub.id).get_by_test_id("task-link").click()
        messages = page.get_by_test_id("task-messages")
        expect(messages.get_by_test_id("message")).to_have_count(1)
        expect(messages).to_contain_text(f"from task {boss}")
        expect(messages).to_contain_text("start with the parser")
        expect(page.get_by_test_id("task-parent-link")).to_have_text(f"task {boss}")
        page.get_by_test_id("message-text").fill("and <b>no</b> HTML please")
        page.get_by_test_id("message-send").click()
        expect(messages.get_by_test_id("message")).to_have_count(2)
        expect(messages.get_by_test_id("message").nth(1)).to_contain_text("from you")
        expect(messages.get_by_test_id("message").nth(1)).to_contain_text("and <b>no</b> HTML")
        expect(messages.get_by_test_id("message").nth(1)).to_contain_text("queued")
        shots("task-page")
        with app.store.read() as tx:
            assert [m.sender for m in tx.messages(sub.id)] == [f"task:{boss}", "user"]
        assert server.api_token() not in page.content()
        assert_not_reloaded(page)
    finally:
        app.close()
