"""`cco webhooks list`: the inbox as the user reads it (newest first, filters, --json), from
deliveries received by the service (WebhookService.receive, what POST /api/webhooks/github
calls); never a payload on the screen."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.errors import InvalidInput
from cc_orchestrator.domain.links import InboxStatus
from cc_orchestrator.domain.webhooks import Unauthorized
from tests.conftest import Cco

SECRET = "cli-webhook-secret-1"


@pytest.fixture
def app() -> Iterator[App]:
    built = build_app(log_to_file=False)
    yield built
    built.close()


def receive(app: App, event: str, delivery: str, payload: dict[str, object]) -> str:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": signature,
    }
    return app.webhooks.receive("github", headers, body, SECRET).status


def test_list_newest_first_with_filters_and_json(cco: Cco, app: App) -> None:
    assert cco("webhooks", "list").output.strip() == "no webhook deliveries yet"
    assert receive(app, "issues", "d-1", {"action": "opened", "secretish": "PAYLOADTEXT"}) == (
        "queued"
    )
    assert receive(app, "ping", "d-2", {"zen": "Speak like a human."}) == "ignored"
    assert receive(app, "pull_request", "d-3", {"action": "synchronize"}) == "queued"
    assert receive(app, "issues", "d-1", {"action": "opened"}) == "duplicate"
    with app.store.write() as tx:
        first = tx.inbox_items(limit=1)[0]
        tx.settle_inbox(
            first.id,
            status=InboxStatus.FAILED,
            when=datetime.now(UTC),
            error="repository acme/web is not synced (token=ghp_abcdefghijklmnopqrstuvwx)",
        )

    out = cco("webhooks", "list").output
    lines = out.splitlines()
    assert lines[0].split() == [
        "ID",
        "SOURCE",
        "DELIVERY",
        "EVENT",
        "ACTION",
        "STATUS",
        "RECEIVED",
        "ERROR",
    ]
    assert [line.split()[2] for line in lines[1:]] == ["d-3", "d-2", "d-1"]
    assert lines[2].split()[3:6] == ["ping", "-", "ignored"]
    assert "repository acme/web is not synced" in lines[3] and "ghp_abc" not in out
    assert "PAYLOADTEXT" not in out

    data = json.loads(cco("webhooks", "list", "--json").output)
    assert [d["delivery_id"] for d in data] == ["d-3", "d-2", "d-1"]
    assert set(data[0]) == {
        "id",
        "source",
        "delivery_id",
        "event",
        "action",
        "status",
        "received_at",
        "processed_at",
        "error",
    }
    assert (data[0]["event"], data[0]["action"], data[0]["status"]) == (
        "pull_request",
        "synchronize",
        "pending",
    )
    assert data[2]["status"] == "failed" and "ghp_abc" not in data[2]["error"]
    assert datetime.fromisoformat(data[2]["received_at"]).tzinfo is not None

    ignored = json.loads(cco("webhooks", "list", "--status", "ignored", "--json").output)
    assert [d["delivery_id"] for d in ignored] == ["d-2"]
    assert [
        d["delivery_id"]
        for d in json.loads(cco("webhooks", "list", "--json", "--limit", "1").output)
    ] == ["d-3"]
    assert cco("webhooks", "list", "--source", "jira").output.strip() == (
        "no webhook deliveries that match"
    )
    bad = cco("webhooks", "list", "--status", "lost", ok=False)
    assert bad.exit_code == 2 and "lost" in bad.output


def test_the_service_refuses_before_it_stores(app: App) -> None:
    body = b'{"action": "opened"}'
    with pytest.raises(Unauthorized, match=r"set github\.webhook_secret"):
        app.webhooks.receive("github", {"X-GitHub-Event": "issues"}, body, None)
    with pytest.raises(Unauthorized, match="not signed"):
        app.webhooks.receive("github", {"X-GitHub-Event": "issues"}, body, SECRET)
    with pytest.raises(InvalidInput, match="limit"):
        app.webhooks.list(limit=0)
    assert app.webhooks.list() == []
