"""/api/notifications: deliveries (filters), channels (where, never the address), retry one or
all failed (404 / 409 bodies), a test message; the token and the same origin required like
every other route; never an address, token or key in an answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.outbox import DeliveryStatus
from cc_orchestrator.web.app import create_app
from tests.support.deliveries import SECRETS, seed, write_channels
from tests.web.conftest import api_client, api_token

D = DeliveryStatus


@pytest.fixture
def notified(fake_claude: Path) -> Iterator[App]:
    write_channels()
    app = build_app(log_to_file=False)
    yield app
    app.close()


def no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


def test_list_and_filters(notified: App) -> None:
    client = api_client(notified)
    sent = seed(notified, D.SENT, kind="review", title="Fix login (t-1) is ready for review")
    failed = seed(notified, D.FAILED, channel="hook", error="HTTP 410 from hooks.example.com")
    r = client.get("/api/notifications")
    assert r.status_code == 200
    body = r.json()
    assert [d["id"] for d in body] == [failed, sent]
    assert body[0]["status"] == "failed" and body[0]["channel"] == "hook"
    assert body[0]["last_error"] == "HTTP 410 from hooks.example.com"
    assert body[1]["title"] == "Fix login (t-1) is ready for review"
    assert body[1]["task_id"] == "t-1" and body[1]["kind"] == "review"
    assert "payload" not in body[1]  # the message itself is not answered, only its title
    ids = lambda q: [d["id"] for d in client.get(f"/api/notifications?{q}").json()]  # noqa: E731
    assert ids("status=failed") == [failed]
    assert ids("status=sent") == [sent]
    assert ids("channel=team") == [sent]
    assert ids("limit=1") == [failed]
    for bad in ("status=lost", "limit=0", "limit=1001"):
        r = client.get(f"/api/notifications?{bad}")
        assert r.status_code == 422, bad
        assert r.json()["error"]["type"] == "InvalidInput", r.text


def test_channels_answer_where_and_counts_never_a_secret(notified: App) -> None:
    client = api_client(notified)
    seed(notified, D.FAILED, channel="hook")
    seed(notified, D.SENT, channel="team")
    r = client.get("/api/notifications/channels")
    assert r.status_code == 200
    no_secret(r.text)
    by_name = {c["name"]: c for c in r.json()}
    assert list(by_name) == ["team", "hook", "mail"]
    assert by_name["team"] == {
        "name": "team",
        "type": "slack",
        "where": "https://hooks.slack.com/…",
        "events": [
            "needs_input",
            "failed",
            "review",
            "over_budget",
            "chain_done",
            "daemon_unhealthy",
        ],
        "quiet_hours": None,
        "burst": True,
        "counts": {"sent": 1},
    }
    assert by_name["hook"]["where"] == "https://hooks.example.com/…"
    assert by_name["hook"]["counts"] == {"failed": 1}
    assert by_name["mail"]["where"] == "smtp://mail.example.com:587"
    for path in ("/api/config", "/api/notifications", "/openapi.json"):
        no_secret(client.get(path).text)


def test_an_error_that_holds_an_address_is_redacted(notified: App) -> None:
    leak = "gave up: https://hooks.example.com/cco/HOOKPATHSECRET?key=QUERYSECRET refused"
    failed = seed(notified, D.FAILED, channel="hook", error=leak)
    client = api_client(notified)
    for r in (
        client.get("/api/notifications"),
        client.post(f"/api/notifications/{failed}/retry"),
    ):
        assert r.status_code == 200, r.text
        assert "gave up: " in r.text
        no_secret(r.text)


def test_retry_one_and_all_failed(notified: App) -> None:
    client = api_client(notified)
    one = seed(notified, D.FAILED)
    two = seed(notified, D.FAILED, channel="hook")
    sent = seed(notified, D.SENT)

    r = client.post(f"/api/notifications/{one}/retry")
    assert r.status_code == 200, r.text
    assert r.json()["id"] == one and r.json()["status"] == "pending"

    again = client.post(f"/api/notifications/{one}/retry")
    assert again.status_code == 409
    assert again.json()["error"] == {
        "type": "Conflict",
        "message": f"delivery {one} is pending, not failed",
        "hint": "only failed deliveries are retried",
    }
    r = client.post(f"/api/notifications/{sent}/retry")
    assert r.status_code == 409 and "is sent, not failed" in r.json()["error"]["message"]
    missing = client.post("/api/notifications/99999/retry")
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "NotFound"
    assert missing.json()["error"]["message"] == "no delivery 99999"
    assert client.post("/api/notifications/0/retry").status_code == 422
    assert client.post("/api/notifications/abc/retry").status_code == 422

    r = client.post("/api/notifications/retry")
    assert r.status_code == 200
    assert [d["id"] for d in r.json()] == [two]
    assert client.post("/api/notifications/retry").json() == []
    statuses = {d.id: d.status for d in notified.notifications.deliveries()}
    assert statuses == {one: D.PENDING, two: D.PENDING, sent: D.SENT}


def test_test_refuses_an_unknown_channel_and_a_bad_body(notified: App) -> None:
    client = api_client(notified)
    r = client.post("/api/notifications/test", json={"channel": "nope"})
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "no notification channel 'nope' (team, hook, mail)"
    assert (
        client.post("/api/notifications/test", json={"channel": "team", "x": 1}).status_code == 422
    )
    assert notified.notifications.deliveries() == []


def test_test_without_channels_is_refused(services: App) -> None:
    r = api_client(services).post("/api/notifications/test", json={"channel": None})
    assert r.status_code == 422
    assert r.json()["error"]["type"] == "InvalidInput"
    assert r.json()["error"]["message"] == "no notification channel is configured"


def test_the_token_is_required(notified: App) -> None:
    failed = seed(notified, D.FAILED)
    bare = TestClient(create_app(notified), base_url="http://127.0.0.1:8080")
    for method, path in [
        ("GET", "/api/notifications"),
        ("GET", "/api/notifications/channels"),
        ("POST", f"/api/notifications/{failed}/retry"),
        ("POST", "/api/notifications/retry"),
        ("POST", "/api/notifications/test"),
    ]:
        r = bare.request(method, path, json={} if path.endswith("test") else None)
        assert r.status_code == 401, (method, path, r.text)
        no_secret(r.text)
    assert notified.notifications.get(failed).status == D.FAILED


def test_another_origin_changes_nothing(notified: App) -> None:
    failed = seed(notified, D.FAILED)
    client = api_client(notified)
    assert client.post("/api/login", json={"token": api_token(notified)}).status_code == 204
    client.headers.pop("authorization")  # the browser's cookie only, from here on
    posts = [f"/api/notifications/{failed}/retry", "/api/notifications/retry"]
    for origin in ("http://127.0.0.1:9999", "http://evil.example", "null"):
        for path in posts:
            r = client.post(path, headers={"origin": origin, "content-type": "application/json"})
            assert r.status_code == 403, (origin, path, r.text)
        r = client.post(
            "/api/notifications/test",
            content=json.dumps({"channel": "team"}),
            headers={"origin": origin, "content-type": "application/json"},
        )
        assert r.status_code == 403, (origin, r.text)
    # a form's or a no-cors fetch's simple content type reaches no action either
    for path in posts:
        r = client.post(path, content=b"", headers={"content-type": "text/plain"})
        assert r.status_code == 415, (path, r.text)
    assert notified.notifications.get(failed).status == D.FAILED
    assert len(notified.notifications.deliveries()) == 1  # no test message recorded
    same = client.post(
        "/api/notifications/retry",
        headers={"origin": "http://127.0.0.1:8080", "x-cco-request": "1"},
    )
    assert same.status_code == 200 and [d["id"] for d in same.json()] == [failed]


def test_tasks_name_channels_in_the_api(notified: App, repo: Path) -> None:
    client = api_client(notified)
    r = client.post("/api/tasks", json={"title": "A", "repo": str(repo), "notify": ["team"]})
    assert r.status_code == 201, r.text
    task = r.json()
    assert task["notify"] == ["team"]
    bad = client.post("/api/tasks", json={"title": "B", "repo": str(repo), "notify": ["x"]})
    assert bad.status_code == 422
    assert bad.json()["error"]["message"] == "no notification channel 'x' (known: team, hook, mail)"
    r = client.patch(f"/api/tasks/{task['id']}", json={"notify": ["hook", "mail"]})
    assert r.status_code == 200 and r.json()["notify"] == ["hook", "mail"]
    r = client.patch(f"/api/tasks/{task['id']}", json={"title": "A2"})
    assert r.json()["notify"] == ["hook", "mail"]  # left alone when not given
    r = client.patch(f"/api/tasks/{task['id']}", json={"notify": []})
    assert r.json()["notify"] == []
    assert client.get(f"/api/tasks/{task['id']}").json()["notify"] == []


def test_status_counts_failed_deliveries(notified: App) -> None:
    client = api_client(notified)
    assert client.get("/api/status").json()["failed_deliveries"] == 0
    seed(notified, D.FAILED)
    s = client.get("/api/status").json()
    assert s["failed_deliveries"] == 1
    assert {
        "kind": "notifications",
        "id": "failed",
        "why": "1 notification failed: see `cco notifications list --status failed`",
        "task_id": None,
        "title": None,
    } in s["needs_you"]
