"""The REAL Claude Code CLI under `cco up`, its permission question denied from the dashboard
in Chromium: the board and the task page say which command is asked about, the page shows the
dialog's own choices by their labels, and Deny runs nothing and writes no settings file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect

from tests.conftest import wait_for
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.real_claude import needs_real_claude
from tests.web.browser import DESKTOP, Server, Shots, chromium, new_page, running_server

pytestmark = needs_real_claude
ASKS = "sh -c 'echo ok > asked.txt'"


@pytest.fixture
def agent_env() -> dict[str, str]:
    return {
        "CC_ORCH_INSTANCES__ANSWER_WAIT_S": "120",
        "CC_ORCH_INSTANCES__MONITOR_INTERVAL_S": "0.2",
    }


@pytest.fixture
def server(real_claude: FakeAnthropic, request: pytest.FixtureRequest) -> Iterator[Server]:
    with running_server(request.node.name) as running:
        yield running


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # the claude env's TMPDIR is too deep for Chromium's singleton socket path
    with monkeypatch.context() as patch:
        patch.setenv("TMPDIR", "/tmp")
        browser_cm = chromium()
        browser = browser_cm.__enter__()
    try:
        with new_page(browser, DESKTOP) as opened:
            yield opened
    finally:
        browser_cm.__exit__(None, None, None)


def test_deny_from_the_task_page_runs_nothing_and_writes_no_settings(
    server: Server, page: Any, fake_model: FakeAnthropic, repo: Path, tmp_path: Path
) -> None:
    shots = Shots(page, "real-claude-deny")
    fake_model.script_bash(ASKS)
    body = {"title": "Asks", "prompt": "run the command", "repo": str(repo), "base": "main"}
    task_id = server.api("POST", "/api/tasks", body)["id"]

    page.goto(server.login_url("/#/"))
    card = page.locator(f'[data-testid="task-card"][data-id="{task_id}"]')
    expect(card).to_have_attribute("data-status", "needs_input", timeout=60_000)
    expect(card).to_contain_text(f"Bash: {ASKS}")  # the board says what is asked
    shots("board")

    card.get_by_test_id("task-link").click()
    question = page.get_by_test_id("question")
    expect(question.get_by_test_id("question-subject")).to_have_text(ASKS)
    expect(question.get_by_test_id("question-tool")).to_have_text("Bash")
    # the agent's own other choices, by their own labels (read from its dialog)
    always = question.locator('[data-testid="answer-choice"][data-kind="allow_always"]')
    expect(always).to_have_text(f"2. Yes, and don’t ask again for: {ASKS}", timeout=30_000)
    expect(question.locator('[data-kind="allow_auto"]')).to_contain_text("auto mode")
    expect(page.get_by_test_id("answer-no")).to_have_count(0)  # the old blind "2 · No"
    shots("question")

    question.get_by_test_id("answer-message").fill("not from the dashboard")
    question.get_by_test_id("answer-deny").click()
    instance_id = server.task(task_id)["instance_id"]
    wait_for(
        lambda: server.api("GET", f"/api/instances/{instance_id}")["status"] == "idle",
        timeout=60,
        what="the denied turn to end",
    )
    expect(page.get_by_test_id("question")).to_have_count(0)
    shots("denied")
    worktree = server.api("GET", f"/api/instances/{instance_id}")["worktree_id"]
    path = next(w["path"] for w in server.api("GET", "/api/worktrees") if w["id"] == worktree)
    assert not (Path(path) / "asked.txt").exists()
    assert sorted(tmp_path.rglob("settings.local.json")) == []
    results = [
        block
        for request in fake_model.main_requests()
        for message in request["messages"]
        if isinstance(message.get("content"), list)
        for block in message["content"]
        if block.get("type") == "tool_result"
    ]
    assert results[-1]["content"] == "not from the dashboard"
    events = server.api("GET", f"/api/events?entity_id={instance_id}")
    [answered] = [e["data"] for e in events if e["kind"] == "instance.answered"]
    assert (answered["via"], answered["decision"], answered["by"]) == ("hook", "deny", "api")
