"""POST /api/webhooks/github over real HTTP (one uvicorn server for the module): every example
payload of the events cco applies (npm @octokit/webhooks-examples 7.6.1) is stored once with
a valid signature and refused without one, with a wrong one, or with one made over another
body; what the front door still checks (Host, the body limit) and what it leaves to the
signature (the token, Origin, JSON-only); the answers to what is not a delivery; ping and
unknown events stored as ignored; two deliveries of one id at once; no secret in an answer or
a log line. Signatures are computed here, with hmac, not by the code under test."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import select

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.config import load_config
from cc_orchestrator.db.tables import InboxRow
from cc_orchestrator.db.tx_links import to_item
from cc_orchestrator.domain.errors import ConfigError
from cc_orchestrator.domain.links import InboxItem, InboxStatus
from tests.support.webhook_examples import MissingExamples, webhook_examples
from tests.web.conftest import LiveServer

SECRET = "whsec-Zq8r1vT5Lk0pW3mN"
URL = "/api/webhooks/github"
MAX_BODY = 256 * 1024
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


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers(body: bytes, event: str, delivery: str, **extra: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": delivery,
        "x-hub-signature-256": sign(body),
        "user-agent": "GitHub-Hookshot/044aadd",
        **extra,
    }


class Hooks:
    """The module's server, its app and a client without the token (as GitHub is)."""

    def __init__(self, services: App, live: LiveServer) -> None:
        self.services = services
        self.live = live
        self.http = httpx.Client(base_url=live.url, timeout=30)

    def post(self, body: bytes, hdrs: dict[str, str]) -> httpx.Response:
        r = self.http.post(URL, content=body, headers=hdrs)
        assert SECRET not in r.text and "whsec" not in r.text, r.text
        return r

    def deliver(self, payload: dict[str, Any], event: str, **extra: str) -> tuple[str, Any]:
        body = json.dumps(payload).encode()
        delivery = str(uuid.uuid4())
        r = self.post(body, headers(body, event, delivery, **extra))
        return delivery, r

    def stored(self, delivery: str) -> list[InboxItem]:
        """This delivery's rows (by its id: the whole inbox's payloads are many)."""
        with self.services.store.read() as tx:
            rows = tx.session.scalars(select(InboxRow).where(InboxRow.delivery_id == delivery))
            return [to_item(r) for r in rows]


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hooks]:
    root = tmp_path_factory.mktemp("hooks")
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("CC_ORCH_"):
                mp.delenv(key)
        mp.setenv("HOME", str(root / "home"))
        mp.setenv("XDG_CONFIG_HOME", str(root / "home" / ".config"))
        mp.setenv("XDG_DATA_HOME", str(root / "home" / ".local" / "share"))
        mp.setenv("CC_ORCH_DATA_DIR", str(root / "data"))
        config = root / "home" / ".config" / "cc-orchestrator" / "config.yaml"
        config.parent.mkdir(parents=True)
        channel = {"name": "team", "url": "https://hooks.slack.com/services/T0/B0/X"}
        config.write_text(
            yaml.safe_dump(
                {
                    "github": {"webhook_secret": SECRET},
                    "web": {"max_body_bytes": MAX_BODY},
                    "notifications": {"channels": [channel]},
                }
            )
        )
        services = build_app(log_to_file=False)
        try:
            with LiveServer(services) as live:
                hooks = Hooks(services, live)
                yield hooks
                hooks.http.close()
        finally:
            services.close()


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
            if (method, path) in (("post", URL), ("post", "/api/login")):
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
        ("POST", "/api/webhooks/jira"),
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


# ------------------------------------------------------------------------- the refusals
@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (None, "the delivery is not signed: X-Hub-Signature-256 is missing"),
        ("", "X-Hub-Signature-256 is not sha256=<64 hex digits>"),
        ("sha256=", "X-Hub-Signature-256 is not sha256=<64 hex digits>"),
        ("sha256=" + "g" * 64, "X-Hub-Signature-256 is not sha256=<64 hex digits>"),
        ("sha256=" + "a" * 63, "X-Hub-Signature-256 is not sha256=<64 hex digits>"),
        ("sha1=" + "a" * 40, "X-Hub-Signature-256 is not sha256=<64 hex digits>"),
        ("sha256=" + "a" * 64, "the signature does not match the body"),
    ],
    ids=["missing", "empty", "no-hex", "not-hex", "short", "sha1-in-256", "wrong"],
)
def test_a_bad_signature_is_one_clear_401(
    hooks: Hooks, signature: str | None, message: str
) -> None:
    body = b'{"action": "opened"}'
    hdrs = headers(body, "issues", f"bad-{uuid.uuid4()}")
    del hdrs["x-hub-signature-256"]
    if signature is not None:
        hdrs["x-hub-signature-256"] = signature
    r = hooks.post(body, hdrs)
    assert r.status_code == 401, r.text
    error = r.json()["error"]
    assert error["type"] == "Unauthorized" and error["message"].startswith(message), error
    assert hooks.stored(hdrs["x-github-delivery"]) == []


def test_a_sha1_signature_alone_is_refused(hooks: Hooks) -> None:
    body = b'{"action": "opened"}'
    hdrs = headers(body, "issues", "sha1-only")
    del hdrs["x-hub-signature-256"]
    hdrs["x-hub-signature"] = "sha1=" + hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
    r = hooks.post(body, hdrs)
    assert r.status_code == 401
    assert "only X-Hub-Signature (SHA-1) was sent" in r.json()["error"]["message"]
    # the sha256 one with it, as GitHub sends them, is what counts
    r = hooks.post(body, {**hdrs, "x-hub-signature-256": sign(body)})
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued"


def test_upper_case_hex_is_the_same_signature(hooks: Hooks) -> None:
    body = b'{"action": "opened"}'
    hdrs = headers(body, "issues", "upper-hex")
    hdrs["x-hub-signature-256"] = "sha256=" + sign(body).removeprefix("sha256=").upper()
    assert hooks.post(body, hdrs).status_code == 202


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "the payload is not JSON"),
        (b"", "the payload is not JSON"),
        (b"[1, 2]", "the payload is not a JSON object"),
        (b'"text"', "the payload is not a JSON object"),
        (b'{"n": NaN}', "the payload is not JSON"),
        (b'{"n": Infinity}', "the payload is not JSON"),
        (b'{"t": "\xff\xfe"}', "the payload is not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000, "the payload is not"),
    ],
    ids=["broken", "empty", "array", "string", "nan", "infinity", "not-utf8", "deep"],
)
def test_a_signed_body_that_is_not_a_json_object_is_400(
    hooks: Hooks, body: bytes, message: str
) -> None:
    delivery = f"json-{uuid.uuid4()}"
    r = hooks.post(body, headers(body, "issues", delivery))
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["type"] == "BadDelivery" and error["message"].startswith(message), error
    assert "application/json" in error["hint"]
    assert hooks.stored(delivery) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"x-github-event": None}, "X-GitHub-Event is missing"),
        ({"x-github-delivery": None}, "X-GitHub-Delivery is missing"),
        ({"x-github-event": ""}, "X-GitHub-Event is missing"),
        ({"x-github-delivery": "d" * 65}, "X-GitHub-Delivery is not a name"),
        ({"x-github-delivery": "two words"}, "X-GitHub-Delivery is not a name"),
        ({"x-github-event": "issues\tx"}, "X-GitHub-Event is not a name"),
        ({"x-github-event": "e" * 65}, "X-GitHub-Event is not a name"),
    ],
    ids=["no-event", "no-delivery", "blank-event", "long-id", "spaced-id", "tab", "long-event"],
)
def test_missing_or_odd_headers_are_400(
    hooks: Hooks, change: dict[str, str | None], message: str
) -> None:
    body = b'{"action": "opened"}'
    hdrs = headers(body, "issues", "headers-1")
    for name, value in change.items():
        hdrs.pop(name)
        if value is not None:
            hdrs[name] = value
    r = hooks.post(body, hdrs)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["message"].startswith(message), r.text
    assert hooks.stored("headers-1") == []


def test_a_header_not_ascii_is_400(hooks: Hooks) -> None:
    body = b'{"action": "opened"}'
    raw = [(k.encode(), v.encode()) for k, v in headers(body, "issues", "x").items()]
    raw = [(k, b"d\xe9livery" if k == b"x-github-delivery" else v) for k, v in raw]
    r = hooks.http.post(URL, content=body, headers=raw)
    assert r.status_code == 400 and "X-GitHub-Delivery is not a name" in r.text


def test_a_form_encoded_delivery_is_415_saying_what_to_set(hooks: Hooks) -> None:
    body = b"payload=%7B%22action%22%3A%22opened%22%7D"
    hdrs = headers(
        body, "issues", "form-1", **{"content-type": "application/x-www-form-urlencoded"}
    )
    r = hooks.post(body, hdrs)
    assert r.status_code == 415, r.text
    assert r.json()["error"] == {
        "type": "UnsupportedMediaType",
        "message": "the delivery is form-encoded: set the webhook's content type to "
        "application/json",
        "hint": "in the repository's Settings > Webhooks > the hook > Content type",
    }
    # unsigned, it is the 401 first: nothing is told to who cannot sign
    del hdrs["x-hub-signature-256"]
    assert hooks.post(body, hdrs).status_code == 401
    assert hooks.stored("form-1") == []


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


def test_without_a_secret_every_delivery_is_refused_saying_what_to_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for configured in (None, ""):
        if configured is not None:
            monkeypatch.setenv("CC_ORCH_GITHUB__WEBHOOK_SECRET", configured)
        services = build_app(log_to_file=False)
        try:
            with LiveServer(services) as live, httpx.Client(base_url=live.url) as http:
                body = b'{"zen": "Keep it logically awesome."}'
                r = http.post(URL, content=body, headers=headers(body, "ping", "p-1"))
                assert r.status_code == 401, r.text
                error = r.json()["error"]
                assert "set github.webhook_secret" in error["message"], error
                assert "cco config set --user github.webhook_secret" in error["hint"]
            assert services.webhooks.list() == []
        finally:
            services.close()


def test_the_secret_the_signature_and_the_body_never_reach_a_log_or_an_answer(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    monkeypatch.setenv("CC_ORCH_GITHUB__WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("CC_ORCH_LOGGING__LEVEL", "debug")
    marker = "BODYMARKER-7f3a"
    services = build_app(log_to_file=True, verbosity=2)
    answers: list[str] = []
    signatures: list[str] = []
    try:
        with LiveServer(services) as live, httpx.Client(base_url=live.url) as http:
            cases: list[tuple[bytes, dict[str, str]]] = []
            good = json.dumps({"action": "opened", "note": marker}).encode()
            cases.append((good, headers(good, "issues", "s-1")))
            cases.append((good, headers(good, "issues", "s-1")))  # the redelivery
            cases.append(
                (good, {**headers(good, "issues", "s-2"), "x-hub-signature-256": sign(good, "x")})
            )
            bad = f'{{"note": "{marker}" broken'.encode()
            cases.append((bad, headers(bad, "issues", "s-3")))
            form = f"payload={marker}".encode()
            cases.append(
                (
                    form,
                    headers(
                        form,
                        "issues",
                        "s-4",
                        **{"content-type": "application/x-www-form-urlencoded"},
                    ),
                )
            )
            cases.append((good, {**headers(good, "issues", "s-5"), "x-github-event": ""}))
            for body, hdrs in cases:
                signatures.append(hdrs["x-hub-signature-256"].removeprefix("sha256="))
                r = http.post(URL, content=body, headers=hdrs)
                answers.append(r.text)
            assert [json.loads(a).get("status") for a in answers[:2]] == ["queued", "duplicate"]
    finally:
        services.close()
    logged = (data_dir / "logs" / "cco.log").read_text()
    captured = capfd.readouterr()
    assert "webhook.received" in logged and "webhook.refused" in logged  # it did log
    for text in (logged, captured.out, captured.err, *answers):
        assert SECRET not in text
        assert marker not in text
        for signature in signatures:
            assert signature not in text


def test_a_project_file_cannot_set_the_webhook_secret(repo: Path) -> None:
    project = repo / ".cc-orchestrator.yaml"
    project.write_text(yaml.safe_dump({"github": {"webhook_secret": "repo-chosen"}}))
    with pytest.raises(ConfigError) as info:
        load_config(cwd=repo)
    message = str(info.value)
    assert "github.webhook_secret cannot be set in a project file" in message
    assert "who may tell cco that GitHub changed" in message
    assert "repo-chosen" not in message
    # what a project may say about GitHub, it says
    project.write_text(yaml.safe_dump({"github": {"repository": "acme/web", "sync": True}}))
    assert load_config(cwd=repo).settings.github.repository == "acme/web"
