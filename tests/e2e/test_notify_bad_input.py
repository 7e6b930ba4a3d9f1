"""Hostile text in tasks, through the real daemon to strict Slack and Discord receivers:
mentions (`<!channel>`, `@everyone`) arrive inert, a title of the longest accepted length and a
100 KB prompt fit every limit, control characters are refused or collapsed before they get
anywhere, file names from the agent's diff are escaped too; the outbox never stops."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.outbox import Delivery, DeliveryStatus
from cc_orchestrator.services.tasks import MAX_TITLE
from tests.conftest import Cco
from tests.support.notify_drill import (
    Daemon,
    configure,
    daemon_log,
    expected_keys,
    http_channel,
)
from tests.support.receivers import DiscordReceiver, SlackReceiver
from tests.support.wait import wait_for

MENTIONS = "<!channel> @everyone <!here> <@U024BE7LH> @here <#C024BE7LH> <https://evil.example|x>"
PROMPT_MAX = 100_000  # instances.max_prompt_bytes: the longest prompt accepted
KINDS = ("review", "needs_input")
PINGS = ("<!channel>", "<!here>", "<@U024BE7LH>", "<#C024BE7LH>", "<https://evil.example|x>")


@pytest.fixture
def app(fake_claude: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.setenv("CC_ORCH_INSTANCES__MONITOR_INTERVAL_S", "0.5")
    app = build_app(log_to_file=False)
    yield app
    app.close()


def settled(app: App, n: int) -> list[Delivery] | None:
    """Every delivery, once n of them are and none is pending (a receiver answers before
    the daemon records its answer)."""
    with app.store.read() as tx:
        found = tx.deliveries(limit=100)
    done = len(found) == n and all(d.status != DeliveryStatus.PENDING for d in found)
    return found if done else None


def mrkdwn_texts(payload: dict[str, Any]) -> list[str]:
    """Every text Slack reads as mrkdwn (where `<!channel>` would ping): the top-level text and
    each mrkdwn object, however deep."""
    found = [payload.get("text") or ""]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(str(node.get("text", "")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload.get("blocks") or [])
    return found


def test_mentions_huge_and_odd_text_arrive_inert_and_within_limits(
    app: App, cco: Cco, repo: Path, tmp_path: Path
) -> None:
    # control characters: refused (escape sequences, bell, NUL-free), or collapsed (tab, newline)
    refused = cco("tasks", "add", "red \x1b[31mtitle\x07", "--repo", str(repo), ok=False)
    assert refused.exit_code != 0 and "control character" in refused.output, refused.output
    too_long = cco("tasks", "add", "x" * (MAX_TITLE + 1), "--repo", str(repo), ok=False)
    assert too_long.exit_code != 0 and f"longer than {MAX_TITLE}" in too_long.output
    longest = (MENTIONS + " " + "é" * MAX_TITLE)[:MAX_TITLE]
    titles = {
        "mentions": f"{MENTIONS} & <b>bold</b>",
        "collapsed": "tab\there\nnew line\r\n<!channel>",
        "longest": longest,
        "huge": "a 100 KB prompt",
    }
    prompts = {
        "mentions": "write m.txt x",
        "collapsed": "write c.txt x",
        # the agent's own file names end up in the review's diff stat
        "longest": "write <!channel>@everyone.txt x; write <@U1>.txt y",
        # the agent asks to run a 100 KB command: the question is the notice's text
        "huge": "ask echo " + ("<!channel> @everyone lorem " * 4000)[: PROMPT_MAX - 9],
    }
    assert len(prompts["huge"].encode()) == PROMPT_MAX
    with SlackReceiver() as slack, DiscordReceiver() as discord:
        configure(
            [
                http_channel(slack, "team", "slack", events=list(KINDS)),
                http_channel(discord, "chat", "discord", events=list(KINDS)),
            ],
            digest_after=10,
        )
        ids = {
            name: app.tasks.add(title=titles[name], prompt=prompts[name], repo=repo).id
            for name in titles
        }
        assert app.tasks.get(ids["collapsed"]).title == "tab here new line <!channel>"
        assert len(app.tasks.get(ids["longest"]).title) == MAX_TITLE
        with Daemon(tmp_path) as daemon:
            daemon.start()
            slack.wait_for(4, timeout=60)
            discord.wait_for(4, timeout=20)
            deliveries = wait_for(lambda: settled(app, 8), what="8 deliveries settled")
        log = daemon.output() + daemon_log(app)
    assert {d.status for d in deliveries} == {DeliveryStatus.SENT}, [
        (d.channel, d.status, d.last_error) for d in deliveries
    ]
    assert not slack.rejected and not discord.rejected, (slack.rejected, discord.rejected)
    assert sorted(slack.keys()) == sorted(expected_keys(app, "team", KINDS))
    assert sorted(discord.keys()) == sorted(expected_keys(app, "chat", KINDS))
    kinds = [
        r.body["blocks"][-1]["elements"][-1]["text"].rsplit("-", 1)[-1] for r in slack.messages()
    ]
    assert sorted(kinds) == ["needs_input", "review", "review", "review"]
    [asked] = [r for r in discord.messages() if r.dedupe_key.endswith("needs_input")]
    # the 100 KB question, cut to the Message's 2000 characters (Discord's limit is 4096)
    text = asked.body["embeds"][0]["description"]
    assert text.startswith("asks to use Bash: echo <!channel>") and text.endswith("…")
    assert len(text) == 2000
    # Slack: nothing that pings in any mrkdwn text; the mentions are there, escaped
    for r in slack.messages():
        for text in mrkdwn_texts(r.body):
            assert not any(p in text for p in PINGS), text
    said = json.dumps([r.body for r in slack.messages()], ensure_ascii=False)
    assert "&lt;!channel&gt;" in said and "&lt;@U024BE7LH&gt;" in said
    assert "&lt;!channel&gt;@everyone.txt" in said  # the agent's file name, from the diff stat
    # Discord: mentions parse nothing, so @everyone and <@id> are text
    assert discord.pings == []
    for r in discord.messages():
        assert r.body["allowed_mentions"] == {"parse": []}
    assert "@everyone" in json.dumps([r.body for r in discord.messages()])
    # the outbox went on: no crash of a pass, a plan or a sender
    for problem in ("pass_failed", "plan_failed", "sender_crashed", "channel_failed", "Traceback"):
        assert problem not in log, log
    for secret in (slack.secret, discord.secret):
        assert secret not in log
