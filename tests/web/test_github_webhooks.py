"""POST /api/webhooks/github over real HTTP (one uvicorn server for the module, see
tests/support/webhook_rig.py): every example payload of the events cco applies (npm
@octokit/webhooks-examples 7.6.1) is stored once with a valid signature and refused without
one, with a wrong one, or with one made over another body; ping and unknown events stored as
ignored; what the front door still checks (Host, the body limit) and what it leaves to the
signature (the token, Origin, JSON-only); two deliveries of one id at once; the notifications
ignore them; the inbox listed. The refusals in detail: test_github_webhook_refusals.py."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cc_orchestrator.domain.links import InboxStatus
from tests.support.webhook_examples import MissingExamples, webhook_examples
from tests.support.webhook_rig import MAX_BODY, SECRET, URL, Hooks, headers, hooks, sign

__all__ = ["hooks"]  # the module's server (a fixture)
JIRA_URL = "/api/webhooks/jira"  # signed too: tests/web/test_webhooks_jira.py

EVENTS = (
    "issues",
    "issue_comment",
    "pull_request",
    "pull_request_review",
    "check_run",
    "check_suite",
    "workflow_run",
)
# how many examples 7.6.1 has of each (a new version of the package shows here)
EXPECTED = {
    "issues": 29,
    "issue_comment": 9,
    "pull_request": 29,
    "pull_request_review": 4,
    "check_run": 9,
    "check_suite": 9,
    "workflow_run": 5,
}


def _examples(events: tuple[str, ...]) -> list[Any]:
    try:
        found = webhook_examples(events)
    except MissingExamples as exc:  # a failing test that says how to install, not a skip
        return [pytest.param(None, None, None, str(exc), id="examples-missing")]
    counts: Counter[str] = Counter()
    params = []
    for event, action, payload in found:
        counts[event] += 1
        n = counts[event]
        params.append(pytest.param(event, action, payload, None, id=f"{event}-{n}-{action}"))
    return params


EXAMPLES = _examples(EVENTS)
PINGS = _examples(("ping",))


# ------------------------------------------------------------------------- every example
def test_the_examples_are_all_there() -> None:
    counts = Counter(p.values[0] for p in EXAMPLES)
    assert dict(counts) == EXPECTED, EXAMPLES[0].values[3]
    assert len(PINGS) == 4


@pytest.mark.parametrize(("event", "action", "payload", "missing"), EXAMPLES)
def test_every_example_is_stored_once_and_only_when_signed(
    hooks: Hooks, event: str, action: str, payload: dict[str, Any], missing: str | None
) -> None:
    if missing:
        pytest.fail(missing)
    body = json.dumps(payload).encode()
    delivery = str(uuid.uuid4())
    good = headers(body, event, delivery)
    unsigned = {k: v for k, v in good.items() if k != "x-hub-signature-256"}
    other_body = json.dumps({**payload, "sender": None}).encode()  # another body
    assert other_body != body
    refusals = {
        "unsigned": unsigned,
        "wrong secret": {**good, "x-hub-signature-256": sign(body, "not-" + SECRET)},
        "another body's": {**good, "x-hub-signature-256": sign(other_body)},
    }
    for why, hdrs in refusals.items():
        r = hooks.post(body, hdrs)
        assert r.status_code == 401, (why, r.text)
        assert r.json()["error"]["type"] == "Unauthorized", r.text
    assert hooks.stored(delivery) == []

    r = hooks.post(body, good)
    assert r.status_code == 202, r.text
    assert r.json() == {"status": "queued", "delivery": delivery}
    again = hooks.post(body, good)
    assert again.status_code == 200, again.text
    assert again.json() == {"status": "duplicate", "delivery": delivery}

    (item,) = hooks.stored(delivery)
    assert (item.event, item.action, item.status) == (event, action or None, InboxStatus.PENDING)
    assert item.payload == payload  # the parsed JSON, as sent
    assert item.processed_at is None and item.error is None
    with hooks.services.store.read() as tx:
        found = tx.events(entity_id=delivery)
    assert [(e.kind, e.entity_type, e.data) for e in found] == [
        (
            "webhook.received",
            "webhook",
            {"source": "github", "event": event, "action": action or None, "status": "pending"},
        )
    ]


@pytest.mark.parametrize(("event", "action", "payload", "missing"), PINGS)
def test_ping_is_stored_as_ignored_and_its_redelivery_known(
    hooks: Hooks, event: str, action: str, payload: dict[str, Any], missing: str | None
) -> None:
    if missing:
        pytest.fail(missing)
    delivery, r = hooks.deliver(payload, "ping")
    assert r.status_code == 202 and r.json() == {"status": "ignored", "delivery": delivery}
    body = json.dumps(payload).encode()
    again = hooks.post(body, headers(body, "ping", delivery))
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    (item,) = hooks.stored(delivery)
    assert item.status is InboxStatus.IGNORED and item.processed_at is not None


def test_an_unknown_event_is_stored_as_ignored(hooks: Hooks) -> None:
    for event in ("star", "security_and_analysis", "made_up.event-2"):
        delivery, r = hooks.deliver({"action": "created", "x": 1}, event)
        assert r.status_code == 202 and r.json()["status"] == "ignored", (event, r.text)
        (item,) = hooks.stored(delivery)
        assert item.event == event and item.status is InboxStatus.IGNORED


# ------------------------------------------------------------------------- the front door
def test_the_signature_not_the_token_or_the_origin_lets_a_delivery_in(hooks: Hooks) -> None:
    """A browser-ish request from a foreign origin, without the token, gets in with a valid
    signature only; the token does not replace the signature."""
    browserish = {"origin": "https://evil.example", "referer": "https://evil.example/x"}
    delivery, r = hooks.deliver({"action": "opened"}, "issues", **browserish)
    assert r.status_code == 202, r.text
    assert len(hooks.stored(delivery)) == 1
    body = b'{"action": "opened"}'
    forged = {**headers(body, "issues", "forged-1"), **browserish}
    forged["x-hub-signature-256"] = sign(body, "guess")
    r = hooks.post(body, forged)
    assert r.status_code == 401 and "signature does not match" in r.json()["error"]["message"]
    with_token = {**headers(body, "issues", "forged-2"), **hooks.live.headers}
    del with_token["x-hub-signature-256"]
    r = hooks.post(body, with_token)
    assert r.status_code == 401 and "not signed" in r.json()["error"]["message"]
    # a simple content type (what a form can send) is the route's 415, after the signature
    plain = {**headers(body, "issues", "plain-1"), "content-type": "text/plain", **browserish}
    r = hooks.post(body, plain)
    assert r.status_code == 415 and "application/json" in r.json()["error"]["message"]
    assert hooks.stored("forged-1") == hooks.stored("forged-2") == hooks.stored("plain-1") == []


def test_every_other_api_path_still_needs_the_token(hooks: Hooks) -> None:
    schema = hooks.http.get("/openapi.json", headers=hooks.live.headers).json()
    body = b'{"action": "opened"}'
    signed = headers(body, "issues", "not-a-webhook-path")
    tried = 0
    for path, item in schema["paths"].items():
        for method in item:
            if (method, path) in (("post", URL), ("post", JIRA_URL), ("post", "/api/login")):
                continue
            concrete = path.replace("{", "").replace("}", "")  # t_id stands in for any id
            r = hooks.http.request(method, concrete, content=body, headers=signed)
            assert r.status_code == 401, (method, path, r.text)
            assert r.json()["error"]["message"] == "a valid token is required"
            tried += 1
    assert tried >= 25
    for method, path in [
        ("GET", URL),
        ("PUT", URL),
        ("POST", URL + "/"),
        ("POST", "/api/webhooks/github/x"),
        ("GET", "/api/webhooks"),
    ]:
        r = hooks.http.request(method, path, content=body, headers=signed)
        assert r.status_code == 401, (method, path, r.text)
    assert hooks.stored("not-a-webhook-path") == []


def test_the_host_check_and_the_body_limit_still_apply(hooks: Hooks) -> None:
    body = b'{"action": "opened"}'
    r = hooks.post(body, {**headers(body, "issues", "rebound"), "host": "rebind.attacker.example"})
    assert r.status_code == 421, r.text
    big = json.dumps({"action": "opened", "pad": "x" * MAX_BODY}).encode()
    r = hooks.post(big, headers(big, "issues", "too-big"))
    assert r.status_code == 413 and r.json()["error"]["type"] == "PayloadTooLarge", r.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        for start in range(0, len(big), 16384):
            yield big[start : start + 16384]

    r = hooks.http.post(URL, content=chunks(), headers=headers(big, "issues", "too-big-chunked"))
    assert r.status_code == 413, r.text
    assert hooks.stored("too-big") == hooks.stored("too-big-chunked") == []
    # at the limit is fine
    fits = json.dumps({"action": "opened", "pad": "x" * (MAX_BODY - 40)}).encode()
    assert len(fits) <= MAX_BODY
    r = hooks.post(fits, headers(fits, "issues", "fits"))
    assert r.status_code == 202, r.text


# ------------------------------------------------------------------------- dedupe, at once
def test_concurrent_identical_deliveries_make_one_row(hooks: Hooks) -> None:
    body = json.dumps({"action": "opened", "issue": {"number": 5}}).encode()
    delivery = f"burst-{uuid.uuid4()}"
    hdrs = headers(body, "issues", delivery)
    start = threading.Barrier(8)
    statuses: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            with httpx.Client(base_url=hooks.live.url, timeout=30) as client:
                start.wait(10)
                r = client.post(URL, content=body, headers=hdrs)
                statuses.append((r.status_code, r.json()["status"]))
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(statuses) == [(200, "duplicate")] * 7 + [(202, "queued")]
    assert len(hooks.stored(delivery)) == 1
    with hooks.services.store.read() as tx:
        assert len(tx.events(entity_id=delivery)) == 1


# ------------------------------------------------------------------------- around it
def test_the_notifications_subscriber_ignores_webhook_events(hooks: Hooks) -> None:
    """A channel hears every notice kind here; a webhook event is none of them."""
    hooks.deliver({"action": "opened"}, "issues")
    hooks.deliver({"zen": "Design for failure."}, "ping")
    hooks.services.outbox.intake(limit=100_000)
    assert hooks.services.notifications.deliveries() == []


def test_the_inbox_is_listed_newest_first_with_the_token(hooks: Hooks) -> None:
    delivery, r = hooks.deliver({"action": "completed"}, "check_run")
    assert r.status_code == 202
    api = httpx.Client(base_url=hooks.live.url, headers=hooks.live.headers)
    listed = api.get("/api/webhooks", params={"limit": 2})
    assert listed.status_code == 200, listed.text
    newest = listed.json()[0]
    assert newest["delivery_id"] == delivery and "payload" not in newest
    assert set(newest) == {
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
    assert (newest["event"], newest["action"], newest["status"]) == (
        "check_run",
        "completed",
        "pending",
    )
    ignored = api.get("/api/webhooks", params={"status": "ignored", "limit": 1000}).json()
    assert ignored and {i["status"] for i in ignored} == {"ignored"}
    assert api.get("/api/webhooks", params={"status": "lost"}).status_code == 422
    assert api.get("/api/webhooks", params={"limit": 0}).status_code == 422
    events = api.get("/api/events", params={"entity_id": delivery}).json()
    assert [e["kind"] for e in events] == ["webhook.received"]
    api.close()
