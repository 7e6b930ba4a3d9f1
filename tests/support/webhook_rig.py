"""The rig of the POST /api/webhooks/github tests: one real server (uvicorn on 127.0.0.1) per
test module, with a webhook secret, a small body limit and a notification channel, and a client
without the token (as GitHub is). Signatures are computed here, with hmac, never by the code
under test."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import select

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.db.tables import InboxRow
from cc_orchestrator.db.tx_links import to_item
from cc_orchestrator.domain.links import InboxItem
from tests.web.conftest import LiveServer

SECRET = "whsec-Zq8r1vT5Lk0pW3mN"
URL = "/api/webhooks/github"
MAX_BODY = 256 * 1024


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
