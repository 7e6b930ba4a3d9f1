"""`cco notifications ...`, `cco status` with failed deliveries, tasks that name channels, and
the notifications settings in `cco config validate` / `cco config show`: as a user types them,
never an address or a secret on the screen."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.outbox import DeliveryStatus
from tests.conftest import Cco
from tests.support.deliveries import SECRETS, seed, write_channels

D = DeliveryStatus


@pytest.fixture
def app() -> Iterator[App]:
    write_channels()
    built = build_app(log_to_file=False)
    yield built
    built.close()


def no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


def listed(cco: Cco, *args: str) -> list[dict[str, object]]:
    data = json.loads(cco("notifications", "list", "--json", *args).output)
    assert isinstance(data, list)
    return data


def test_list_shows_each_delivery_and_filters(cco: Cco, app: App) -> None:
    sent = seed(app, D.SENT, title="Fix login (t-1) needs your input", kind="needs_input")
    failed = seed(app, D.FAILED, error="HTTP 404: no_service", title="Fix login (t-1) failed")
    pending = seed(app, D.PENDING, channel="hook", error="HTTP 503 (attempt 2)")

    out = cco("notifications", "list").output
    lines = out.splitlines()
    assert lines[0].split() == [
        "ID",
        "WHEN",
        "CHANNEL",
        "KIND",
        "STATUS",
        "TRIES",
        "TITLE",
        "LAST",
        "ERROR",
    ]
    rows = {line.split()[0]: line for line in lines[1:4]}
    assert set(rows) == {str(sent), str(failed), str(pending)}
    assert "failed" in rows[str(failed)] and "HTTP 404: no_service" in rows[str(failed)]
    assert "needs_input" in rows[str(sent)] and "sent" in rows[str(sent)]
    assert "hook" in rows[str(pending)] and "pending" in rows[str(pending)]
    assert "cco notifications retry" in out  # a failed one is listed: how to send it again

    assert [d["id"] for d in listed(cco)] == [pending, failed, sent]  # newest first
    assert [d["id"] for d in listed(cco, "--status", "failed")] == [failed]
    assert [d["id"] for d in listed(cco, "--channel", "hook")] == [pending]
    assert [d["id"] for d in listed(cco, "--limit", "1")] == [pending]
    one = listed(cco, "--status", "failed")[0]
    assert one["title"] == "Fix login (t-1) failed" and one["last_error"] == "HTTP 404: no_service"
    assert one["channel"] == "team" and one["attempts"] == 0

    assert "no deliveries that match" in cco("notifications", "list", "--status", "digested").output
    bad = cco("notifications", "list", "--status", "lost", ok=False)
    assert bad.exit_code == 2 and "'lost' is not one of" in bad.output


def test_an_error_that_holds_an_address_is_redacted(cco: Cco, app: App) -> None:
    """A reason never holds the address (the senders see to it); if one did, it is masked."""
    leak = "HTTP 404 from https://hooks.slack.com/services/T0/B0/SLACKPATHSECRET"
    seed(app, D.FAILED, error=leak)
    for args in (["list"], ["list", "--json"], ["list", "--status", "failed"]):
        out = cco("notifications", *args).output
        assert "HTTP 404 from" in out, args
        no_secret(out)


def test_retry_by_id_and_all_failed(cco: Cco, app: App) -> None:
    first = seed(app, D.FAILED, error="HTTP 404")
    second = seed(app, D.FAILED, channel="hook", error="gave up after 9 attempts: HTTP 503")
    sent = seed(app, D.SENT)

    out = cco("notifications", "retry", str(first)).output
    assert f"queued 1 delivery again: {first}" in out
    assert "the daemon is not running" in out
    assert {d["id"]: d["status"] for d in listed(cco)} == {
        first: "pending",
        second: "failed",
        sent: "sent",
    }

    for args, code, message in [
        ([str(first)], 1, f"delivery {first} is pending, not failed"),
        ([str(sent)], 1, f"delivery {sent} is sent, not failed"),
        (["9999"], 1, "no delivery 9999"),
        ([], 2, "name the deliveries to retry"),
        ([str(second), "--failed"], 2, "not both"),
        (["x"], 2, "'x' is not a valid integer"),
    ]:
        result = cco("notifications", "retry", *args, ok=False)
        assert result.exit_code == code, (args, result.output)
        assert message in result.output, (args, result.output)
    assert {d["id"]: d["status"] for d in listed(cco)}[second] == "failed"  # nothing changed

    assert f"queued 1 delivery again: {second}" in cco("notifications", "retry", "--failed").output
    assert "no failed deliveries" in cco("notifications", "retry", "--failed").output
    assert listed(cco, "--status", "failed") == []


def test_channels_show_where_never_the_address(cco: Cco, app: App) -> None:
    seed(app, D.FAILED, channel="hook")
    seed(app, D.SENT, channel="hook")
    seed(app, D.SENT, channel="hook")
    out = cco("notifications", "channels").output
    no_secret(out)
    lines = out.splitlines()
    assert lines[0].split() == [
        "NAME",
        "TYPE",
        "WHERE",
        "EVENTS",
        "QUIET",
        "BURST",
        "PENDING",
        "SENT",
        "FAILED",
    ]
    assert lines[1].split()[:3] == ["team", "slack", "https://hooks.slack.com/…"]
    assert lines[2].split() == [
        "hook",
        "webhook",
        "https://hooks.example.com/…",
        "failed,review",
        "22:00-07:00",
        "off",
        "0",
        "2",
        "1",
    ]
    assert lines[3].split()[:3] == ["mail", "email", "smtp://mail.example.com:587"]
    data = json.loads(cco("notifications", "channels", "--json").output)
    no_secret(json.dumps(data))
    assert data[1] == {
        "name": "hook",
        "type": "webhook",
        "where": "https://hooks.example.com/…",
        "events": ["failed", "review"],
        "quiet_hours": "22:00-07:00",
        "burst": False,
        "counts": {"failed": 1, "sent": 2},
    }
    no_secret(cco("notifications", "list", "--json").output)


def test_no_channels(cco: Cco) -> None:
    assert "no notification channels" in cco("notifications", "channels").output
    assert cco("notifications", "channels", "--json").output.strip() == "[]"
    result = cco("notifications", "test", ok=False)
    assert result.exit_code == 2 and "no notification channel is configured" in result.output
    assert "no deliveries yet" in cco("notifications", "list").output


def test_test_names_an_unknown_channel(cco: Cco, app: App) -> None:
    result = cco("notifications", "test", "--channel", "nope", ok=False)
    assert result.exit_code == 1
    assert "no notification channel 'nope' (team, hook, mail)" in result.output
    assert listed(cco) == []  # nothing recorded


def test_status_needs_you_for_failed_deliveries(cco: Cco, app: App) -> None:
    assert "needs you: nothing" in cco("status").output
    failed = seed(app, D.FAILED)
    seed(app, D.FAILED, channel="hook")
    out = cco("status").output
    assert "needs you:" in out
    assert "2 notifications failed: see `cco notifications list --status failed`" in out
    snap = json.loads(cco("status", "--json").output)
    assert snap["failed_deliveries"] == 2 and snap["needs_you_total"] == 1
    assert snap["needs_you"][-1]["kind"] == "notifications"
    cco("notifications", "retry", str(failed))
    assert "1 notification failed: see" in cco("status").output
    cco("notifications", "retry", "--failed")
    assert "needs you: nothing" in cco("status").output


def test_tasks_name_channels(cco: Cco, app: App, repo: Path, fake_claude: Path) -> None:
    out = cco(
        "tasks", "add", "A", "--repo", str(repo), "--notify", "team", "--notify", "hook", "--json"
    ).output
    task = json.loads(out)
    assert task["notify"] == ["hook", "team"]
    bad = cco("tasks", "add", "B", "--repo", str(repo), "--notify", "slack", ok=False)
    assert bad.exit_code == 2
    assert "no notification channel 'slack' (known: team, hook, mail)" in bad.output
    assert len(json.loads(cco("tasks", "list", "--json").output)) == 1  # nothing added

    assert re.search(r"notifies:\s+hook, team\n", cco("tasks", "show", task["id"]).output)
    cco("tasks", "edit", task["id"], "--notify", "mail")
    assert json.loads(cco("tasks", "show", task["id"], "--json").output)["notify"] == ["mail"]
    bad = cco("tasks", "edit", task["id"], "--notify", "ghost", ok=False)
    assert bad.exit_code == 2 and "no notification channel 'ghost'" in bad.output
    assert json.loads(cco("tasks", "show", task["id"], "--json").output)["notify"] == ["mail"]
    cco("tasks", "edit", task["id"], "--no-notify")
    assert json.loads(cco("tasks", "show", task["id"], "--json").output)["notify"] == []
    both = cco("tasks", "edit", task["id"], "--notify", "mail", "--no-notify", ok=False)
    assert both.exit_code == 2 and "contradict" in both.output


def test_tasks_cannot_name_a_channel_when_none_is_configured(
    cco: Cco, repo: Path, fake_claude: Path
) -> None:
    bad = cco("tasks", "add", "B", "--repo", str(repo), "--notify", "team", ok=False)
    assert bad.exit_code == 2
    assert "no notification channel 'team' (known: none is configured)" in bad.output


@pytest.mark.parametrize(
    ("channel", "key", "expected"),
    [
        (
            {"type": "ntfy", "url": "ftp://ntfy.example.com/topic"},
            "notifications.channels[0].url",
            "a ntfy channel's address starts with https:// or http:// (scheme ftp://)",
        ),
        (
            {"type": "slack", "url": "https:///services/T0/B0/X"},
            "notifications.channels[0].url",
            "has no host",
        ),
        (
            {"url": "https://hooks.slack.com/services/T/B/X", "events": ["failed", "exploded"]},
            "notifications.channels[0].events",
            "unknown event 'exploded'; expected some of: needs_input, failed, review",
        ),
    ],
)
def test_config_validate_names_the_key(
    cco: Cco, channel: dict[str, object], key: str, expected: str
) -> None:
    path = write_channels([{"name": "c", **channel}])
    result = cco("config", "validate", ok=False)
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert len(line.splitlines()) == 1
    assert line.startswith(f"error: {path}: {key}: "), line
    assert expected in line, line


def test_config_show_never_prints_an_address_or_secret(cco: Cco) -> None:
    write_channels(channels=[*_with_token()])
    for args in (["config", "show"], ["config", "show", "--json"]):
        out = cco(*args).output
        assert "notifications" in out and "hooks.example.com" not in out
        no_secret(out)
        assert "NTFYTOKEN" not in out


def _with_token() -> list[dict[str, object]]:
    from tests.support.deliveries import CHANNELS

    return [
        *CHANNELS,
        {"name": "phone", "type": "ntfy", "url": "https://ntfy.sh/t", "token": "NTFYTOKEN"},
    ]
