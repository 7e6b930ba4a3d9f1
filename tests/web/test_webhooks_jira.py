"""POST /api/webhooks/jira over real HTTP (uvicorn on 127.0.0.1, a client without the token, as
Jira is): a signed delivery stored once, a retry (same X-Atlassian-Webhook-Identifier) and a
redelivery without one (the body's digest) stored once; each refusal one clear 401 / 415 /
400 with nothing stored; events cco does not apply stored as ignored; only that exact path is
let in without the token; `cco webhooks list` shows the delivery with source jira. Signatures
are computed here with hmac, never by the code under test."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.db.tables import InboxRow
from cc_orchestrator.db.tx_links import to_item
from cc_orchestrator.domain.links import InboxItem, InboxStatus
from tests.conftest import Cco
from tests.support.fake_jira import FakeJira
from tests.web.conftest import LiveServer

SECRET = "jira-whsec-4Fq9Lm2Tz7Rb"
URL = "/api/webhooks/jira"


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payload(event: str = "jira:issue_updated", key: str = "WEB-3") -> dict[str, Any]:
    """Shaped like a Jira Cloud admin webhook's body."""
    found: dict[str, Any] = {
        "timestamp": 1764669600000,
        "webhookEvent": event,
        "issue_event_type_name": "issue_generic",
        "user": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Ada Lovelace"},
        "issue": {
            "id": "10003",
            "key": key,
            "self": "https://acme.atlassian.net/rest/api/3/issue/10003",
            "fields": {
                "summary": "Checkout button does nothing",
                "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
                "labels": ["cco"],
                "updated": "2026-12-02T10:00:00.000+0000",
            },
        },
        "changelog": {
            "id": "10200",
            "items": [{"field": "status", "fromString": "To Do", "toString": "In Progress"}],
        },
    }
    return found


def hdrs(body: bytes, identifier: str | None, **extra: str) -> dict[str, str]:
    found = {
        "content-type": "application/json; charset=UTF-8",
        "x-hub-signature": sign(body),
        "x-atlassian-webhook-flow": "Primary",
        "user-agent": "Atlassian Webhook HTTP Client",
        **extra,
    }
    if identifier is not None:
        found["x-atlassian-webhook-identifier"] = identifier
    return found


class Hooks:
    def __init__(self, services: App, live: LiveServer) -> None:
        self.services = services
        self.live = live
        self.http = httpx.Client(base_url=live.url, timeout=30)

    def post(self, body: bytes, headers: dict[str, str], url: str = URL) -> httpx.Response:
        r = self.http.post(url, content=body, headers=headers)
        assert SECRET not in r.text and "whsec" not in r.text, r.text
        return r

    def stored(self, delivery: str | None = None) -> list[InboxItem]:
        with self.services.store.read() as tx:
            query = select(InboxRow).where(InboxRow.source == "jira")
            if delivery is not None:
                query = query.where(InboxRow.delivery_id == delivery)
            return [to_item(r) for r in tx.session.scalars(query)]


def _serve(monkeypatch: pytest.MonkeyPatch, secret: str | None) -> Iterator[Hooks]:
    if secret is not None:
        monkeypatch.setenv("CC_ORCH_JIRA__WEBHOOK_SECRET", secret)
    services = build_app(log_to_file=False)
    try:
        with LiveServer(services) as live:
            hooks = Hooks(services, live)
            yield hooks
            hooks.http.close()
    finally:
        services.close()


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hooks]:
    yield from _serve(monkeypatch, SECRET)


@pytest.fixture
def no_secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hooks]:
    yield from _serve(monkeypatch, None)


# ------------------------------------------------------------------------- stored once
def test_a_signed_delivery_is_stored_once_and_its_retry_known(hooks: Hooks) -> None:
    sent = payload()
    body = json.dumps(sent).encode()
    identifier = str(uuid.uuid4())
    r = hooks.post(body, hdrs(body, identifier))
    assert r.status_code == 202, r.text
    assert r.json() == {"status": "queued", "delivery": identifier}
    again = hooks.post(body, hdrs(body, identifier, **{"x-atlassian-webhook-retry": "1"}))
    assert again.status_code == 200, again.text
    assert again.json() == {"status": "duplicate", "delivery": identifier}

    (item,) = hooks.stored()
    assert (item.source, item.delivery_id) == ("jira", identifier)
    assert (item.event, item.action, item.status) == (
        "jira:issue_updated",
        "issue_generic",
        InboxStatus.PENDING,
    )
    assert item.payload == sent and item.processed_at is None
    with hooks.services.store.read() as tx:
        found = tx.events(entity_id=identifier)
    assert [(e.kind, e.entity_type, e.data) for e in found] == [
        (
            "webhook.received",
            "webhook",
            {
                "source": "jira",
                "event": "jira:issue_updated",
                "action": "issue_generic",
                "status": "pending",
            },
        )
    ]


def test_without_an_identifier_the_bodys_digest_recognises_a_redelivery(hooks: Hooks) -> None:
    body = json.dumps(payload("jira:issue_created", "WEB-9")).encode()
    expected = ("sha256:" + hashlib.sha256(body).hexdigest())[:64]
    r = hooks.post(body, hdrs(body, None))
    assert r.status_code == 202 and r.json() == {"status": "queued", "delivery": expected}
    again = hooks.post(body, hdrs(body, None))
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    other = json.dumps(payload("jira:issue_created", "WEB-10")).encode()
    r = hooks.post(other, hdrs(other, None))
    assert r.status_code == 202 and r.json()["delivery"] != expected
    assert sorted(i.delivery_id for i in hooks.stored()) == sorted([expected, r.json()["delivery"]])


def test_events_cco_does_not_apply_are_stored_as_ignored(hooks: Hooks) -> None:
    for event in ("sprint_started", "jira:version_released", "board_updated"):
        sent = {"timestamp": 1, "webhookEvent": event}
        body = json.dumps(sent).encode()
        r = hooks.post(body, hdrs(body, f"ign-{event}"))
        assert r.status_code == 202 and r.json()["status"] == "ignored", (event, r.text)
        (item,) = hooks.stored(f"ign-{event}")
        assert item.status is InboxStatus.IGNORED and item.action is None
    for event in ("jira:issue_deleted", "comment_created", "comment_updated"):
        body = json.dumps(payload(event)).encode()
        r = hooks.post(body, hdrs(body, f"app-{event}"))
        assert r.status_code == 202 and r.json()["status"] == "queued", (event, r.text)


# ------------------------------------------------------------------------- refusals
NOT_HEX = "X-Hub-Signature is not sha256=<64 hex digits>"
MISMATCH = "the signature does not match the body"
SIGNATURES: dict[str, tuple[Callable[[bytes], str | None], str]] = {
    "missing": (lambda _b: None, "the delivery is not signed: X-Hub-Signature is missing"),
    "empty": (lambda _b: "", NOT_HEX),
    "no-hex": (lambda _b: "sha256=", NOT_HEX),
    "not-hex": (lambda _b: "sha256=" + "g" * 64, NOT_HEX),
    "short": (lambda _b: "sha256=" + "a" * 63, NOT_HEX),
    "sha1": (lambda _b: "sha1=" + "a" * 40, NOT_HEX),
    "wrong": (lambda _b: "sha256=" + "a" * 64, MISMATCH),
    "other-body": (lambda _b: sign(b'{"webhookEvent": "jira:issue_deleted"}'), MISMATCH),
    "other-secret": (lambda b: sign(b, "not-" + SECRET), MISMATCH),
}


@pytest.mark.parametrize("why", list(SIGNATURES))
def test_a_bad_signature_is_one_clear_401(hooks: Hooks, why: str) -> None:
    make, message = SIGNATURES[why]
    body = json.dumps(payload()).encode()
    headers = hdrs(body, "bad-1")
    del headers["x-hub-signature"]
    signature = make(body)
    if signature is not None:
        headers["x-hub-signature"] = signature
    r = hooks.post(body, headers)
    assert r.status_code == 401, r.text
    error = r.json()["error"]
    assert error["type"] == "Unauthorized" and error["message"].startswith(message), error
    assert hooks.stored() == []


def test_no_secret_configured_refuses_every_delivery(no_secret: Hooks) -> None:
    body = json.dumps(payload()).encode()
    r = no_secret.post(body, hdrs(body, "no-secret-1"))
    assert r.status_code == 401, r.text
    error = r.json()["error"]
    assert "cco has no Jira webhook secret" in error["message"]
    assert "jira.webhook_secret" in error["message"]
    assert no_secret.stored() == []


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (
            b"webhookEvent=jira%3Aissue_updated",
            "application/x-www-form-urlencoded",
            415,
            "not JSON",
        ),
        (b"{}", "text/plain", 415, "not JSON (content type 'text/plain')"),
        (b"[1, 2]", "application/json", 400, "the payload is not a JSON object"),
        (b"{not json", "application/json", 400, "the payload is not JSON"),
        (b'{"x": NaN}', "application/json", 400, "the payload is not JSON"),
        (b"\xff\xfe", "application/json", 400, "the payload is not UTF-8 text"),
        (b'{"timestamp": 1}', "application/json", 400, "the payload has no webhookEvent"),
        (b'{"webhookEvent": "a b"}', "application/json", 400, "webhookEvent is not a name"),
    ],
    ids=["form", "text", "list", "broken", "nan", "not-utf8", "no-event", "odd-event"],
)
def test_a_signed_request_that_is_no_delivery_is_refused(
    hooks: Hooks, body: bytes, content_type: str, status: int, message: str
) -> None:
    r = hooks.post(body, hdrs(body, "odd-1", **{"content-type": content_type}))
    assert r.status_code == status, r.text
    assert message in r.json()["error"]["message"], r.text
    assert hooks.stored() == []


def test_an_odd_identifier_is_refused(hooks: Hooks) -> None:
    body = json.dumps(payload()).encode()
    for odd in ("has space", "x" * 65):
        r = hooks.post(body, hdrs(body, odd))
        assert r.status_code == 400, r.text
        assert "X-Atlassian-Webhook-Identifier is not a name" in r.json()["error"]["message"]
    assert hooks.stored() == []


# ------------------------------------------------------------------------- the front door
def test_only_that_exact_path_passes_without_the_token(hooks: Hooks) -> None:
    body = json.dumps(payload()).encode()
    signed = hdrs(body, "door-1")
    for method, path in [
        ("GET", URL),
        ("PUT", URL),
        ("POST", URL + "/"),
        ("POST", URL + "x"),
        ("POST", URL + "/github"),
    ]:
        r = hooks.http.request(method, path, content=body, headers=signed)
        assert r.status_code == 401, (method, path, r.text)
        assert r.json()["error"]["message"] == "a valid token is required", (method, path)
    browserish = {"origin": "https://evil.example"}
    r = hooks.post(body, {**signed, **browserish})
    assert r.status_code == 202, r.text
    r = hooks.post(body, {**signed, "host": "rebind.attacker.example"})
    assert r.status_code == 421, r.text
    assert [i.delivery_id for i in hooks.stored()] == ["door-1"]


def test_cco_webhooks_list_shows_it_with_source_jira(hooks: Hooks, cco: Cco) -> None:
    body = json.dumps(payload()).encode()
    assert hooks.post(body, hdrs(body, "list-1")).status_code == 202
    lines = cco("webhooks", "list").output.splitlines()
    header = next(n for n, line in enumerate(lines) if line.startswith("ID "))
    assert lines[header].split()[1] == "SOURCE" and len(lines) == header + 2, lines
    assert lines[header + 1].split()[1:6] == [
        "jira",
        "list-1",
        "jira:issue_updated",
        "issue_generic",
        "pending",
    ]
    data = json.loads(cco("webhooks", "list", "--source", "jira", "--json").output)
    assert [(d["source"], d["delivery_id"]) for d in data] == [("jira", "list-1")]
    assert SECRET not in json.dumps(data) and "Checkout button" not in json.dumps(data)


def test_the_fake_jiras_own_webhooks_are_taken(hooks: Hooks, jira: FakeJira) -> None:
    """What the fake Jira sends as Jira's admin webhooks do: stored, its retry known, and
    refused unsigned or signed with another secret."""
    key = jira.add_issue("WEB", "From the fake")
    jira.edit_issue(key, summary="Edited in Jira")
    url = hooks.live.url + URL
    assert jira.send_webhook(url, "jira:issue_updated", key, secret=SECRET) == 202
    (sent_to, sent, _raw) = jira.webhooks_sent[-1]
    identifier = sent["X-Atlassian-Webhook-Identifier"]
    assert sent_to == url
    assert (
        jira.send_webhook(url, "jira:issue_updated", key, secret=SECRET, identifier=identifier)
        == 200
    )
    assert jira.send_webhook(url, "jira:issue_created", key) == 401
    assert jira.send_webhook(url, "jira:issue_created", key, secret="not-it") == 401
    (item,) = hooks.stored()
    assert (item.delivery_id, item.event, item.action) == (
        identifier,
        "jira:issue_updated",
        "issue_generic",
    )
    assert item.payload["issue"]["key"] == key
    assert item.payload["changelog"]["items"][0]["toString"] == "Edited in Jira"
