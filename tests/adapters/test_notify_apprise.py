"""The Apprise sender (optional extra), through Apprise's json:// service to 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import SecretStr

from cc_orchestrator.adapters.notify import apprise as apprise_sender
from cc_orchestrator.adapters.notify import make_sender
from cc_orchestrator.config_notify import ChannelConfig
from cc_orchestrator.domain.outbox import Refused, RetryLater, Sent
from tests.adapters.notify_messages import KEY, digest, plain

pytest.importorskip("apprise")  # in the test extra; skipped only where it is not installed

SECRET_PATH = "Pa7hS3cretT0ken"
PASSWORD = "pa55-S3CRET"


class JsonReceiver(ThreadingHTTPServer):
    """Answers every POST with `status`; records the JSON bodies of the 2xx ones."""

    def __init__(self) -> None:
        self.status = 200
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: JsonReceiver

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.paths.append(self.path)
        status = self.server.status
        if 200 <= status < 300:
            self.server.bodies.append(json.loads(raw))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def receiver() -> Iterator[JsonReceiver]:
    server = JsonReceiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _sender(receiver: JsonReceiver) -> Any:
    port = receiver.server_address[1]
    url = f"json://cco:{PASSWORD}@127.0.0.1:{port}/{SECRET_PATH}"
    channel = ChannelConfig(name="any", type="apprise", url=SecretStr(url))
    return make_sender(channel, timeout_s=2.0)


def test_apprise_delivers_with_the_key_in_the_body(receiver: JsonReceiver) -> None:
    result = _sender(receiver).send(plain(), delivery_id=1, dedupe_key=KEY)
    assert result == Sent("delivered by Apprise (json://)")
    (body,) = receiver.bodies
    assert body["title"] == plain().title
    assert body["message"].startswith(plain().text)
    assert body["message"].endswith(f"(cco {KEY})")
    assert receiver.paths == [f"/{SECRET_PATH}"]
    assert isinstance(_sender(receiver).send(digest(60), delivery_id=2, dedupe_key=KEY), Sent)


def test_apprise_failure_is_retry_later_without_the_secrets(receiver: JsonReceiver) -> None:
    receiver.status = 500
    result = _sender(receiver).send(plain(), delivery_id=1, dedupe_key=KEY)
    assert isinstance(result, RetryLater)
    assert result.reason.startswith("Apprise could not deliver to json://…")
    assert SECRET_PATH not in result.reason and PASSWORD not in result.reason
    assert len(receiver.paths) >= 1 and not receiver.bodies


def test_an_address_apprise_does_not_know_is_refused() -> None:
    channel = ChannelConfig(name="any", type="apprise", url=SecretStr("nosuch://h/S3CRET"))
    result = make_sender(channel, timeout_s=1.0).send(plain(), delivery_id=1, dedupe_key=KEY)
    assert result == Refused("Apprise does not understand this nosuch:// address")


def test_without_the_extra_it_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apprise_sender, "load", lambda: None)
    channel = ChannelConfig(name="any", type="apprise", url=SecretStr("json://127.0.0.1:9/x"))
    result = make_sender(channel, timeout_s=1.0).send(plain(), delivery_id=1, dedupe_key=KEY)
    assert result == Refused(apprise_sender.MISSING)


def test_timeouts_are_added_unless_the_url_sets_them() -> None:
    assert apprise_sender.with_timeouts("json://h/p", 10) == "json://h/p?cto=10&rto=10"
    assert apprise_sender.with_timeouts("json://h/p?rto=3", 2.5) == "json://h/p?rto=3&cto=2.5"
    assert apprise_sender.with_timeouts("json://h?cto=1&rto=2", 5) == "json://h?cto=1&rto=2"
