"""POST /api/webhooks/github's refusals over real HTTP (tests/support/webhook_rig.py): each
bad signature one clear 401, a signed body that is not a JSON object or odd headers 400, a
form-encoded delivery 415 saying what to set; no secret configured; the secret, the signature
and the body never in a log line or an answer; a project file cannot set the secret."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

from cc_orchestrator.bootstrap import build_app
from cc_orchestrator.config import load_config
from cc_orchestrator.domain.errors import ConfigError
from tests.support.webhook_rig import SECRET, URL, Hooks, headers, hooks, sign
from tests.web.conftest import LiveServer

__all__ = ["hooks"]  # the module's server (a fixture)


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
