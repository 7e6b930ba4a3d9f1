"""The REAL Claude Code CLI (pinned, scripted fake model) asks to run a command, as a task of
the real daemon (`cco up --no-web`, its own process): one Slack message holding the command and
one signed webhook arrive within 2 s of the instance's waiting_input event."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.models import Event
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.notify_drill import Daemon, all_events, configure, http_channel, key
from tests.support.real_claude import needs_real_claude
from tests.support.receivers import SlackReceiver, WebhookReceiver, sign
from tests.support.wait import wait_for

pytestmark = needs_real_claude
ASKS = "sh -c 'echo notified > asked.txt'"  # `>` is escaped in Slack's mrkdwn: &gt;
WITHIN_S = 2.0


@pytest.fixture
def agent_env() -> dict[str, str]:
    # Claude Code's PermissionRequest hook waits for cco's answer (none comes: nobody answers)
    return {"CC_ORCH_INSTANCES__ANSWER_WAIT_S": "120"}


def waiting_input(app: App, task_id: str) -> Event | None:
    inst = app.tasks.get(task_id).instance_id
    found = [
        e
        for e in all_events(app)
        if e.kind == "instance.status"
        and e.entity_id == inst
        and e.data.get("status") == "waiting_input"
    ]
    return found[0] if found else None


def test_a_question_reaches_slack_and_a_signed_webhook_within_2_s(
    app: App, fake_model: FakeAnthropic, repo: Path, tmp_path: Path
) -> None:
    fake_model.script_bash(ASKS)
    with SlackReceiver() as slack, WebhookReceiver() as hook:
        configure(
            [
                http_channel(slack, "team", "slack", events=["needs_input"]),
                http_channel(hook, "ci", "webhook", events=["needs_input"]),
            ]
        )
        with Daemon(tmp_path) as daemon:
            daemon.start()
            task = app.tasks.add(title="ask me", prompt="run the command", repo=repo)
            [said] = slack.wait_for(1, timeout=90)
            [signed] = hook.wait_for(1, timeout=10)
            event = wait_for(lambda: waiting_input(app, task.id), what="the waiting_input event")
            time.sleep(1)  # a second message would be here by now
            assert app.tasks.get(task.id).status.value == "needs_input"
    at = event.ts.timestamp()
    slack_lag, hook_lag = said.at - at, signed.at - at
    print(f"\nwaiting_input -> Slack {slack_lag:.3f} s, webhook {hook_lag:.3f} s")
    assert 0 <= slack_lag < WITHIN_S and 0 <= hook_lag < WITHIN_S
    # exactly one each, nothing refused by the strict receivers
    assert len(slack.messages()) == len(hook.messages()) == 1
    assert not slack.rejected and not hook.rejected
    assert said.dedupe_key == key("team", event, "needs_input")
    assert signed.dedupe_key == key("ci", event, "needs_input")
    # Slack: the question's command, escaped as mrkdwn wants it
    shown = ASKS.replace(">", "&gt;")
    assert shown in said.body["text"]
    sections = [
        b["text"]["text"] for b in said.body["blocks"] if b["type"] == "section" and "text" in b
    ]
    assert any(shown in s for s in sections), said.body
    assert task.id in said.body["text"]
    # the webhook: signed with the channel's key over the very bytes received, the question in it
    assert signed.headers["x-cco-signature-256"] == sign(hook.key, signed.raw)
    assert signed.headers["x-cco-event"] == "needs_input"
    message = signed.body["message"]
    assert (message["kind"], message["task_id"]) == ("needs_input", task.id)
    assert ASKS in message["text"]
    # what the task is now, though the scheduler moves it there a moment after the event
    assert ["Status", "needs_input"] in message["fields"], message["fields"]
    assert not (repo / "asked.txt").exists()  # asked, not run: nobody answered
